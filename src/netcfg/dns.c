/* DNS servers and domains from the CP reply, handed to whichever DNS
 * manager the host runs, for the VPN's link only. We never edit
 * /etc/resolv.conf ourselves. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_internal.h"
#include "netcfg_internal.h"
#include "record_internal.h"
#include "spawn_internal.h"

#define RESOLVCONF_SUFFIX ".vpnd"
#define NO_MANAGER "no DNS manager (systemd-resolved or resolvconf) " \
		   "found; DNS servers not applied"

struct dns_req {
	const struct netcfg_dns_config *c;
	char link[IF_NAMESIZE];
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

static bool label_ok(const char *l, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || l[0] == '-' || l[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)l[i]) && l[i] != '-' &&
		    l[i] != '_')
			return false;
	return true;
}

bool netcfg_domain_ok(const char *name, size_t len)
{
	size_t start = 0, i;

	if (!name)
		return false;
	if (len && name[len - 1] == '.')
		len--; /* the root's dot, once */
	if (len == 0 || len > NETCFG_DOMAIN_MAX - 1)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (!label_ok(name + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/* The names end up in argv: one starting with '-' would be an option. */
static bool link_ok(const char *link)
{
	return link && nc_token_ok(link, IF_NAMESIZE) && link[0] != '-' &&
	       !strchr(link, '/');
}

static int check_req(struct dns_req *q, struct verr *e)
{
	const struct netcfg_dns_config *c = q->c;
	size_t i;

	if (c->ifindex <= 0 || !if_indextoname((unsigned)c->ifindex, q->link) ||
	    !link_ok(q->link)) {
		verr_set(e, "applying DNS: no usable link with index %d",
			 c->ifindex);
		goto inval;
	}
	if (c->n_servers == 0 || c->n_servers > NETCFG_MAX_DNS) {
		verr_set(e, "applying DNS to link %s: %zu servers (1-%d)",
			 q->link, c->n_servers, NETCFG_MAX_DNS);
		goto inval;
	}
	for (i = 0; i < c->n_servers; i++)
		if (!nc_addr_len(c->servers[i].family)) {
			verr_set(e, "applying DNS to link %s: server %zu is "
				 "not an address", q->link, i + 1);
			goto inval;
		}
	for (i = 0; i < c->n_domains; i++)
		if (!c->domains[i] ||
		    !netcfg_domain_ok(c->domains[i], strlen(c->domains[i]))) {
			verr_set(e, "applying DNS to link %s: invalid "
				 "domain \"%.64s\"", q->link,
				 c->domains[i] ? c->domains[i] : "");
			goto inval;
		}
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

/* resolv.conf syntax, for resolvconf and the test file. resolv.conf
 * cannot route by domain: the split-DNS domains are a comment there
 * (not search domains, which would qualify every short name). */
static void resolv_lines(const struct dns_req *q, struct wbuf *w)
{
	const struct netcfg_dns_config *c = q->c;
	char a[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < c->n_servers; i++)
		wb_printf(w, "nameserver %s\n",
			  netcfg_ip_str(&c->servers[i], a, sizeof(a)));
	if (c->n_domains || c->default_route) {
		wb_printf(w, "# routing domains:");
		for (i = 0; i < c->n_domains; i++)
			wb_printf(w, " ~%s", c->domains[i]);
		wb_printf(w, "%s\n", c->default_route ? " ~." : "");
	}
}

/* Runs argv; on failure e says what, with the program's first line. */
static int run(char *const argv[], const char *input, const char *what,
	       struct verr *e)
{
	char out[256], *nl;
	int rc = nc_run(argv, input, out, sizeof(out), DNS_TIMEOUT_MS);
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

static int apply_resolved(const struct dns_req *q, struct netcfg_dns *d,
			  struct verr *e)
{
	if (nc_resolved_apply(q->c, q->link, e) < 0)
		return -1;
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

int netcfg_dns_apply(const struct netcfg_dns_config *c,
		     struct netcfg_dns *applied, struct verr *e)
{
	struct dns_req q = { .c = c };
	const char *file = getenv("VPND_DNS_FILE");
	char prog[256];

	memset(applied, 0, sizeof(*applied));
	if (check_req(&q, e) < 0)
		return -1;
	applied->ifindex = c->ifindex;
	snprintf(applied->link, sizeof(applied->link), "%s", q.link);
	if (file && *file)
		return apply_file(&q, file, applied, e);
	if (nc_resolved_present())
		return apply_resolved(&q, applied, e);
	if (nc_find_prog("resolvconf", prog, sizeof(prog)))
		return apply_resolvconf(&q, prog, applied, e);
	verr_set(e, NO_MANAGER);
	errno = ENOENT;
	return -1;
}

/* The link of the record is still the one we set: same index, same
 * name. A replaced link (a new TUN device reusing the index under
 * another name) is not ours to revert. */
static bool same_link(const struct netcfg_dns *d)
{
	char now[IF_NAMESIZE];

	return d->ifindex > 0 && if_indextoname((unsigned)d->ifindex, now) &&
	       strcmp(now, d->link) == 0;
}

static int revert_resolvconf(const struct netcfg_dns *d, struct verr *e)
{
	char name[IF_NAMESIZE + sizeof(RESOLVCONF_SUFFIX)], prog[256];
	char what[80];
	char *argv[] = { prog, "-d", name, NULL };

	snprintf(name, sizeof(name), "%s" RESOLVCONF_SUFFIX, d->link);
	snprintf(what, sizeof(what), "reverting DNS on link %s", d->link);
	if (!nc_find_prog("resolvconf", prog, sizeof(prog))) {
		verr_set(e, "%s: resolvconf not found", what);
		errno = ENOENT;
		return -1;
	}
	return run(argv, NULL, what, e);
}

int netcfg_dns_revert(const struct netcfg_dns *d, struct verr *e)
{
	int err;

	if (d->method != NETCFG_DNS_NONE && d->method != NETCFG_DNS_FILE &&
	    !link_ok(d->link)) {
		verr_set(e, "reverting DNS: invalid link name");
		errno = EINVAL;
		return -1;
	}
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
		/* Per-link settings go away with the link. */
		if (!same_link(d))
			return 0;
		return nc_resolved_revert(d->ifindex, d->link, e);
	case NETCFG_DNS_RESOLVCONF:
		/* Its record is a file of resolvconf's, kept by name. */
		return revert_resolvconf(d, e);
	}
	return 0;
}
