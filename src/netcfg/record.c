/* The ownership record: what a connection installed, kept as a small
 * text file so that the next daemon can remove it after a crash. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netcfg_internal.h"
#include "record_internal.h"

#define RECORD_MAGIC "vpnd-netcfg 1"

bool nc_conn_name_ok(const char *conn)
{
	size_t i, len = conn ? strlen(conn) : 0;

	if (len == 0 || len >= NETCFG_CONN_MAX || conn[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)conn[i]) && conn[i] != '.' &&
		    conn[i] != '_' && conn[i] != '-')
			return false;
	return true;
}

/* Tokens of the record are separated by spaces: no value may hold one. */
bool nc_token_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len >= max)
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

int netcfg_record_init(struct netcfg_record *rec, const char *conn,
		       struct verr *e)
{
	memset(rec, 0, sizeof(*rec));
	if (!nc_conn_name_ok(conn)) {
		verr_set(e, "connection name \"%s\" unusable for a state "
			 "file (letters, digits, '.', '_', '-')",
			 conn ? conn : "");
		errno = EINVAL;
		return -1;
	}
	snprintf(rec->conn, sizeof(rec->conn), "%s", conn);
	return 0;
}

int netcfg_record_add_addr(struct netcfg_record *rec, int ifindex,
			   const struct netcfg_prefix *a, struct verr *e)
{
	struct netcfg_rec_addr *ra;

	if (rec->n_addrs >= NETCFG_MAX_ADDRS) {
		verr_set(e, "connection %s: more than %d addresses to record",
			 rec->conn, NETCFG_MAX_ADDRS);
		errno = ENOSPC;
		return -1;
	}
	ra = &rec->addrs[rec->n_addrs++];
	memset(ra, 0, sizeof(*ra));
	ra->ifindex = ifindex;
	nc_ifname(ifindex, ra->ifname);
	ra->addr = *a;
	return 0;
}

int netcfg_record_add_route(struct netcfg_record *rec,
			    const struct netcfg_route *r, struct verr *e)
{
	struct netcfg_rec_route *rr;

	if (rec->n_routes >= NETCFG_MAX_ROUTES) {
		verr_set(e, "connection %s: more than %d routes to record",
			 rec->conn, NETCFG_MAX_ROUTES);
		errno = ENOSPC;
		return -1;
	}
	rr = &rec->routes[rec->n_routes++];
	memset(rr, 0, sizeof(*rr));
	rr->route = *r;
	rr->route.table = nc_table(r->table);
	nc_ifname(r->ifindex, rr->ifname);
	return 0;
}

static void format_ip(struct wbuf *w, const char *key,
		      const struct netcfg_ip *ip)
{
	char a[INET6_ADDRSTRLEN];

	wb_printf(w, " %s=%s", key,
		  ip->family ? netcfg_ip_str(ip, a, sizeof(a)) : "-");
}

void nc_record_format(const struct netcfg_record *rec, struct wbuf *w)
{
	char p[INET6_ADDRSTRLEN + 4];
	const struct netcfg_route *r;
	size_t i;

	wb_printf(w, "# Network configuration vpnd installed for connection "
		  "%s;\n# vpnd removes it after a crash. Do not edit.\n",
		  rec->conn);
	wb_printf(w, "%s\nconn %s\n", RECORD_MAGIC, rec->conn);
	for (i = 0; i < rec->n_addrs; i++)
		wb_printf(w, "addr dev=%s ifindex=%d addr=%s\n",
			  rec->addrs[i].ifname, rec->addrs[i].ifindex,
			  netcfg_prefix_str(&rec->addrs[i].addr, p, sizeof(p)));
	for (i = 0; i < rec->n_routes; i++) {
		r = &rec->routes[i].route;
		wb_printf(w, "route dev=%s ifindex=%d dst=%s",
			  rec->routes[i].ifname, r->ifindex,
			  netcfg_prefix_str(&r->dst, p, sizeof(p)));
		format_ip(w, "via", &r->via);
		format_ip(w, "src", &r->src);
		wb_printf(w, " table=%u metric=%u\n", r->table, r->metric);
	}
	if (rec->has_link)
		wb_printf(w, "link kind=%s dev=%s ifindex=%d if_id=%u\n",
			  netcfg_link_kind_name(rec->link.kind),
			  rec->link.ifname, rec->link.ifindex,
			  rec->link.if_id);
	if (rec->has_dns && rec->dns.method != NETCFG_DNS_NONE)
		wb_printf(w, "dns method=%s dev=%s ifindex=%d path=%s\n",
			  netcfg_dns_method_name(rec->dns.method),
			  rec->dns.link[0] ? rec->dns.link : "-",
			  rec->dns.ifindex,
			  rec->dns.path[0] ? rec->dns.path : "-");
}

static int record_path(char *out, size_t outlen, const char *dir,
		       const char *conn, const char *prefix,
		       const char *suffix, struct verr *e)
{
	int n;

	if (!nc_conn_name_ok(conn)) {
		verr_set(e, "connection name \"%s\" unusable for a state file",
			 conn ? conn : "");
		errno = EINVAL;
		return -1;
	}
	n = snprintf(out, outlen, "%s/%s%s%s", dir, prefix, conn, suffix);
	if (n < 0 || (size_t)n >= outlen) {
		verr_set(e, "state directory path too long: %s", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The rename is only durable once the directory entry is on disk. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int nc_write_atomic(const char *path, const char *tmp, const char *dir,
		    const struct wbuf *w, mode_t mode, struct verr *e)
{
	int fd, err;

	if (w->oom) {
		verr_set(e, "writing %s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0)
		goto fail;
	/* The umask must not widen or narrow what the caller asked for. */
	if (fchmod(fd, mode) < 0 || write_all(fd, w->p, w->len) < 0 ||
	    fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		errno = err;
		goto fail;
	}
	sync_dir(dir);
	return 0;
fail:
	err = errno;
	verr_set(e, "writing %s: %s", path, strerror(err));
	errno = err;
	return -1;
}

const char *nc_record_ext(bool link_file)
{
	return link_file ? ".netif" : ".netcfg";
}

int netcfg_record_save(const char *dir, const char *conn,
		       const struct netcfg_record *rec, struct verr *e)
{
	char path[512], tmp[512], tmpext[16];
	const char *ext = nc_record_ext(rec->link_file);
	struct wbuf w;
	int rc;

	snprintf(tmpext, sizeof(tmpext), "%s.tmp", ext);
	if (record_path(path, sizeof(path), dir, conn, "", ext, e) < 0 ||
	    record_path(tmp, sizeof(tmp), dir, conn, ".", tmpext, e) < 0)
		return -1;
	wb_init(&w);
	nc_record_format(rec, &w);
	rc = nc_write_atomic(path, tmp, dir, &w, 0600, e);
	wb_free(&w);
	return rc;
}

int netcfg_record_load(const char *dir, const char *conn,
		       struct netcfg_record *rec, struct verr *e)
{
	return nc_record_load_file(dir, conn, false, rec, e);
}

int nc_record_load_file(const char *dir, const char *conn, bool link_file,
			struct netcfg_record *rec, struct verr *e)
{
	char path[512];
	char buf[RECORD_MAX_SIZE + 1];
	size_t len = 0;
	ssize_t n;
	int fd, err;

	if (record_path(path, sizeof(path), dir, conn, "",
			nc_record_ext(link_file), e) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			errno = err;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > RECORD_MAX_SIZE) {
		verr_set(e, "reading %s: larger than %d bytes", path,
			 RECORD_MAX_SIZE);
		errno = EFBIG;
		return -1;
	}
	if (nc_record_parse(buf, len, path, rec, e) < 0)
		return -1;
	if (strcmp(rec->conn, conn) != 0) {
		verr_set(e, "%s: record is for connection %s", path, rec->conn);
		errno = EINVAL;
		return -1;
	}
	/* Each file holds what its owner installs, nothing else. */
	if (link_file ? (rec->n_addrs || rec->n_routes || rec->has_dns)
		      : rec->has_link) {
		verr_set(e, "%s: entries of the wrong kind for this file",
			 path);
		errno = EINVAL;
		return -1;
	}
	rec->link_file = link_file;
	return 0;
fail:
	err = errno;
	verr_set(e, "reading %s: %s", path, strerror(err));
	errno = err;
	return -1;
}

int netcfg_record_remove(const char *dir, const char *conn, struct verr *e)
{
	return nc_record_remove_file(dir, conn, false, e);
}

int nc_record_remove_file(const char *dir, const char *conn, bool link_file,
			  struct verr *e)
{
	char path[512];
	int err;

	if (record_path(path, sizeof(path), dir, conn, "",
			nc_record_ext(link_file), e) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT) {
		err = errno;
		verr_set(e, "removing %s: %s", path, strerror(err));
		errno = err;
		return -1;
	}
	sync_dir(dir);
	return 0;
}
