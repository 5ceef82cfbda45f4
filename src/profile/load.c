/* Loading one profile: read the file, build the YAML document, walk its
 * sections through the key tables, then check the result as a whole. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

void profile_defaults(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->port = 500;
	p->local_auth = PAUTH_PSK;
	p->remote_auth = PAUTH_PSK;
	p->request_ipv4 = true;
	p->request_dns4 = true;
	p->request_dns6 = true;
	p->redirect_enabled = true;
	p->max_redirects = 5;
	p->redirect_period = 300;
	p->retransmit_timeout_ms = 4000;
	p->retransmit_base = 1.8;
	p->retransmit_tries = 5;
	p->dpd_interval = 30;
	p->mobike = true;
	p->fragmentation = true;
	p->fragment_size = PROFILE_FRAGMENT_SIZE;
	/* As Windows' VPN Reconnect: half an hour without a network. */
	p->outage_time = 1800;
	p->child_rekey_time = 3240;
	p->ike_rekey_time = 14400;
	p->close_restart = true;
	p->reconnect_interval = 10;
	p->child_life_time = 3600;
	p->child_retry_interval = 5;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	chunk_free(&p->psk);
	chunk_free(&p->eap_password);
}

/* Reads through the descriptor we fstat()ed so that the mode we check
 * belongs to the bytes we parse. */
static int read_profile(struct pctx *c, char **buf, size_t *len)
{
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);
	ssize_t r;
	size_t off = 0;

	if (fd < 0) {
		verr_set(c->e, "%s: cannot open: %s", c->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &c->st) < 0 || !S_ISREG(c->st.st_mode) ||
	    c->st.st_size > PROFILE_FILE_MAX) {
		verr_set(c->e, "%s: not a regular file of at most %d bytes",
			 c->path, PROFILE_FILE_MAX);
		close(fd);
		return -1;
	}
	*buf = malloc((size_t)c->st.st_size + 1);
	if (!*buf) {
		close(fd);
		verr_set(c->e, "%s: out of memory", c->path);
		return -1;
	}
	while (off < (size_t)c->st.st_size) {
		r = read(fd, *buf + off, (size_t)c->st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	*len = off;
	return 0;
}

static void wipe_free(char *buf, size_t len)
{
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
}

/* Encoding errors come with a byte offset instead of a mark. */
static yaml_mark_t offset_mark(const char *buf, size_t len, size_t off)
{
	yaml_mark_t m = { 0, 0, 0 };

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static int syntax_error(struct pctx *c, const yaml_parser_t *ps,
			const char *buf, size_t len)
{
	yaml_mark_t m = ps->problem_mark;

	if (ps->error == YAML_READER_ERROR)
		m = offset_mark(buf, len, ps->problem_offset);
	verr_set(c->e, "%s:%zu:%zu: YAML syntax error: %s%s%s", c->path,
		 m.line + 1, m.column + 1,
		 ps->problem ? ps->problem : "unknown problem",
		 ps->context ? " " : "", ps->context ? ps->context : "");
	return -1;
}

/* libyaml frees its buffers without wiping them; an inline psk lives in
 * the decoded input buffer and in its node. */
static void wipe_parser(yaml_parser_t *ps, struct pctx *c)
{
	if (ps->buffer.start)
		OPENSSL_cleanse(ps->buffer.start,
				(size_t)(ps->buffer.end - ps->buffer.start));
	if (ps->raw_buffer.start)
		OPENSSL_cleanse(ps->raw_buffer.start,
				(size_t)(ps->raw_buffer.end -
					 ps->raw_buffer.start));
	if (c->n_psk && c->n_psk->type == YAML_SCALAR_NODE)
		OPENSSL_cleanse(c->n_psk->data.scalar.value,
				c->n_psk->data.scalar.length);
}

/* A second document would be silently ignored; say so instead. */
static int single_document(struct pctx *c, yaml_parser_t *ps,
			   const char *buf, size_t len)
{
	yaml_document_t next;
	yaml_node_t *root;
	int rc = 0;

	if (!yaml_parser_load(ps, &next))
		return syntax_error(c, ps, buf, len);
	root = yaml_document_get_root_node(&next);
	if (root)
		rc = perr(c, root, "a profile holds exactly one YAML document");
	yaml_document_delete(&next);
	return rc;
}

static void set_dir(struct pctx *c)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", c->path);
	snprintf(c->dir, sizeof(c->dir), "%s", dirname(tmp));
}

static int parse_document(struct pctx *c, const char *buf, size_t len)
{
	yaml_parser_t ps;
	yaml_document_t doc;
	int rc;

	if (!yaml_parser_initialize(&ps)) {
		verr_set(c->e, "%s: out of memory", c->path);
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&ps, &doc)) {
		rc = syntax_error(c, &ps, buf, len);
		wipe_parser(&ps, c);
		yaml_parser_delete(&ps);
		return rc;
	}
	c->doc = &doc;
	c->root = yaml_document_get_root_node(&doc);
	rc = walk_root(c);
	if (rc == 0)
		rc = single_document(c, &ps, buf, len);
	if (rc == 0)
		rc = profile_finish(c);
	wipe_parser(&ps, c);
	yaml_document_delete(&doc);
	yaml_parser_delete(&ps);
	c->doc = NULL;
	return rc;
}

int profile_load(const char *path, struct profile *p, struct verr *e)
{
	struct pctx c = { .path = path, .p = p, .e = e };
	char *buf = NULL;
	size_t len = 0;
	int rc;

	profile_defaults(p);
	if (strlen(path) >= sizeof(p->path)) {
		verr_set(e, "profile path too long");
		return -1;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	set_dir(&c);
	if (read_profile(&c, &buf, &len) < 0)
		return -1;
	rc = parse_document(&c, buf, len);
	wipe_free(buf, len);
	if (rc < 0)
		profile_free(p);
	return rc;
}
