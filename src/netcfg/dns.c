/* DNS servers and domains from the CP reply, handed to whichever DNS
 * manager the host runs. We never edit /etc/resolv.conf ourselves. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netcfg_internal.h"
#include "record_internal.h"
#include "spawn_internal.h"

#define PROG_TIMEOUT_MS 10000
#define RESOLVCONF_SUFFIX ".vpnd"
#define NO_MANAGER "no DNS manager (systemd-resolved or resolvconf) " \
		   "found; DNS servers not applied"

struct dns_req {
	const char *link;
	const struct netcfg_ip *servers;
	size_t n_servers;
	const char *const *domains;
	size_t n_domains;
};

const char *netcfg_dns_method_name(enum netcfg_dns_method m)
{
	switch (m) {
	case NETCFG_DNS_FILE:
		return "file";
	case NETCFG_DNS_RESOLVED:
		return "resolved";
	case NETCFG_DNS_RESOLVCONF:
		return "resolvconf";
	default:
		return "none";
	}
}

/* The names end up in argv: one starting with '-' would be an option. */
static bool link_ok(const char *link)
{
	return link && nc_token_ok(link, IF_NAMESIZE) && link[0] != '-' &&
	       !strchr(link, '/');
}

static bool domain_ok(const char *d)
{
	size_t len = d ? strlen(d) : 0;

	if (len == 0 || len > 253 || d[0] == '-' || d[0] == '.')
		return false;
	for (; *d; d++)
		if (!isalnum((unsigned char)*d) && *d != '-' && *d != '.' &&
		    *d != '_')
			return false;
	return true;
}

static int check_req(const struct dns_req *q, struct verr *e)
{
	size_t i;

	if (!link_ok(q->link)) {
		verr_set(e, "applying DNS: invalid link name");
		goto inval;
	}
	if (q->n_servers == 0 || q->n_servers > NETCFG_MAX_DNS ||
	    q->n_domains > NETCFG_MAX_DOMAINS) {
		verr_set(e, "applying DNS to link %s: %zu servers and %zu "
			 "domains (1-%d and 0-%d)", q->link, q->n_servers,
			 q->n_domains, NETCFG_MAX_DNS, NETCFG_MAX_DOMAINS);
		goto inval;
	}
	for (i = 0; i < q->n_servers; i++)
		if (!nc_addr_len(q->servers[i].family)) {
			verr_set(e, "applying DNS to link %s: server %zu is "
				 "not an address", q->link, i + 1);
			goto inval;
		}
	for (i = 0; i < q->n_domains; i++)
		if (!domain_ok(q->domains[i])) {
			verr_set(e, "applying DNS to link %s: invalid "
				 "domain \"%.64s\"", q->link,
				 q->domains[i] ? q->domains[i] : "");
			goto inval;
		}
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

/* resolv.conf syntax, for resolvconf and the test file. */
static void resolv_lines(const struct dns_req *q, struct wbuf *w)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < q->n_servers; i++)
		wb_printf(w, "nameserver %s\n",
			  netcfg_ip_str(&q->servers[i], a, sizeof(a)));
	if (q->n_domains) {
		wb_printf(w, "search");
		for (i = 0; i < q->n_domains; i++)
			wb_printf(w, " %s", q->domains[i]);
		wb_printf(w, "\n");
	}
}

/* Runs argv; on failure e says what, with the program's first line. */
static int run(char *const argv[], const char *input, const char *what,
	       struct verr *e)
{
	char out[256], *nl;
	int rc = nc_run(argv, input, out, sizeof(out), PROG_TIMEOUT_MS);
	int err = errno;

	if (rc == 0)
		return 0;
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	if (rc < 0)
		verr_set(e, "%s: %s: %s", what, argv[0],
			 err == ETIMEDOUT ? "no answer in 10 s, killed"
					  : strerror(err));
	else
		verr_set(e, "%s: %s exited with status %d%s%s", what, argv[0],
			 rc, out[0] ? ": " : "", out);
	errno = rc < 0 ? err : EIO;
	return -1;
}

static int apply_file(const struct dns_req *q, const char *path,
		      struct netcfg_dns *d, struct verr *e)
{
	char tmp[300], dir[256], *slash;
	struct wbuf w;
	int rc;

	if (!nc_token_ok(path, sizeof(d->path)) || path[0] != '/') {
		verr_set(e, "VPND_DNS_FILE must be an absolute path without "
			 "spaces");
		errno = EINVAL;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.vpnd-tmp", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*(slash == dir ? slash + 1 : slash) = '\0';
	wb_init(&w);
	wb_printf(&w, "# DNS servers vpnd applied for link %s\n", q->link);
	resolv_lines(q, &w);
	rc = nc_write_atomic(path, tmp, dir, &w, 0644, e);
	wb_free(&w);
	if (rc == 0) {
		d->method = NETCFG_DNS_FILE;
		snprintf(d->path, sizeof(d->path), "%s", path);
	}
	return rc;
}

/* resolvectl answers "status" only while systemd-resolved runs. */
static bool resolved_running(char *prog, size_t len)
{
	char out[64];
	char *argv[] = { prog, "status", NULL };

	if (!nc_find_prog("resolvectl", prog, len))
		return false;
	return nc_run(argv, NULL, out, sizeof(out), PROG_TIMEOUT_MS) == 0;
}

static int apply_resolved(const struct dns_req *q, char *prog,
			  struct netcfg_dns *d, struct verr *e)
{
	char srv[NETCFG_MAX_DNS][INET6_ADDRSTRLEN], what[64];
	char *argv[4 + NETCFG_MAX_DNS + NETCFG_MAX_DOMAINS];
	char *link = (char *)q->link;
	char *rv[] = { prog, "revert", link, NULL };
	size_t i, n = 0;

	snprintf(what, sizeof(what), "setting DNS servers on link %s",
		 q->link);
	argv[n++] = prog;
	argv[n++] = "dns";
	argv[n++] = link;
	for (i = 0; i < q->n_servers; i++)
		argv[n++] = (char *)netcfg_ip_str(&q->servers[i], srv[i],
						  sizeof(srv[i]));
	argv[n] = NULL;
	if (run(argv, NULL, what, e) < 0)
		return -1;
	if (q->n_domains) {
		snprintf(what, sizeof(what), "setting DNS domains on link %s",
			 q->link);
		n = 1;
		argv[n++] = "domain";
		argv[n++] = link;
		for (i = 0; i < q->n_domains; i++)
			argv[n++] = (char *)q->domains[i];
		argv[n] = NULL;
		if (run(argv, NULL, what, e) < 0) {
			(void)run(rv, NULL, what, NULL);
			return -1;
		}
	}
	d->method = NETCFG_DNS_RESOLVED;
	return 0;
}

static int apply_resolvconf(const struct dns_req *q, char *prog,
			    struct netcfg_dns *d, struct verr *e)
{
	char name[IF_NAMESIZE + sizeof(RESOLVCONF_SUFFIX)], what[80];
	char *argv[] = { prog, "-a", name, NULL };
	struct wbuf w;
	int rc;

	snprintf(name, sizeof(name), "%s" RESOLVCONF_SUFFIX, q->link);
	snprintf(what, sizeof(what), "adding DNS record %s", name);
	wb_init(&w);
	resolv_lines(q, &w);
	wb_u8(&w, 0);
	rc = w.oom ? -1 : run(argv, (const char *)w.p, what, e);
	if (w.oom)
		verr_set(e, "%s: out of memory", what);
	wb_free(&w);
	if (rc == 0)
		d->method = NETCFG_DNS_RESOLVCONF;
	return rc;
}

int netcfg_dns_apply(const char *link, const struct netcfg_ip *servers,
		     size_t n_servers, const char *const *domains,
		     size_t n_domains, struct netcfg_dns *applied,
		     struct verr *e)
{
	struct dns_req q = { link, servers, n_servers, domains, n_domains };
	const char *file = getenv("VPND_DNS_FILE");
	char prog[256];

	memset(applied, 0, sizeof(*applied));
	if (check_req(&q, e) < 0)
		return -1;
	snprintf(applied->link, sizeof(applied->link), "%s", link);
	if (file && *file)
		return apply_file(&q, file, applied, e);
	if (resolved_running(prog, sizeof(prog)))
		return apply_resolved(&q, prog, applied, e);
	if (nc_find_prog("resolvconf", prog, sizeof(prog)))
		return apply_resolvconf(&q, prog, applied, e);
	verr_set(e, NO_MANAGER);
	errno = ENOENT;
	return -1;
}

static int revert_prog(const struct netcfg_dns *d, struct verr *e)
{
	char name[IF_NAMESIZE + sizeof(RESOLVCONF_SUFFIX)], prog[256];
	char what[80];
	bool resolved = d->method == NETCFG_DNS_RESOLVED;
	char *rv[] = { prog, "revert", (char *)d->link, NULL };
	char *rc[] = { prog, "-d", name, NULL };

	snprintf(name, sizeof(name), "%s" RESOLVCONF_SUFFIX, d->link);
	snprintf(what, sizeof(what), "reverting DNS on link %s", d->link);
	if (!link_ok(d->link)) {
		verr_set(e, "reverting DNS: invalid link name");
		errno = EINVAL;
		return -1;
	}
	/* Per-link settings go away with the link. */
	if (resolved && !if_nametoindex(d->link))
		return 0;
	if (!nc_find_prog(resolved ? "resolvectl" : "resolvconf", prog,
			  sizeof(prog))) {
		verr_set(e, "%s: %s not found", what,
			 resolved ? "resolvectl" : "resolvconf");
		errno = ENOENT;
		return -1;
	}
	return run(resolved ? rv : rc, NULL, what, e);
}

int netcfg_dns_revert(const struct netcfg_dns *d, struct verr *e)
{
	int err;

	switch (d->method) {
	case NETCFG_DNS_NONE:
		return 0;
	case NETCFG_DNS_FILE:
		if (unlink(d->path) < 0 && errno != ENOENT) {
			err = errno;
			verr_set(e, "removing DNS file %s: %s", d->path,
				 strerror(err));
			errno = err;
			return -1;
		}
		return 0;
	case NETCFG_DNS_RESOLVED:
	case NETCFG_DNS_RESOLVCONF:
		return revert_prog(d, e);
	}
	return 0;
}
