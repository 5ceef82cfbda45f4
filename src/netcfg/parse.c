/* Reading a record file back. It is ours, but it sits on disk across a
 * crash: every field is checked before anything is removed for it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcfg_internal.h"
#include "record_internal.h"

#define MAX_KV 8

struct kv {
	const char *key;
	const char *val;
};

struct line {
	const char *name;
	unsigned no;
	size_t n;
	struct kv kv[MAX_KV];
};

static int bad(const struct line *l, struct verr *e, const char *what)
{
	verr_set(e, "%s:%u: %s", l->name, l->no, what);
	errno = EINVAL;
	return -1;
}

static int split_kv(char *rest, struct line *l, struct verr *e)
{
	char *save = NULL, *tok, *eq;
	size_t i;

	l->n = 0;
	for (tok = strtok_r(rest, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			return bad(l, e, "expected key=value");
		if (l->n >= MAX_KV)
			return bad(l, e, "too many fields");
		*eq = '\0';
		for (i = 0; i < l->n; i++)
			if (strcmp(l->kv[i].key, tok) == 0)
				return bad(l, e, "repeated field");
		l->kv[l->n].key = tok;
		l->kv[l->n++].val = eq + 1;
	}
	return 0;
}

/* Every listed key must be there and no other. */
static int expect_keys(const struct line *l, const char *const *keys,
		       size_t nkeys, struct verr *e)
{
	char msg[80];
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < nkeys; j++)
			if (strcmp(l->kv[i].key, keys[j]) == 0)
				break;
		if (j == nkeys) {
			snprintf(msg, sizeof(msg), "unknown field %.40s",
				 l->kv[i].key);
			return bad(l, e, msg);
		}
	}
	if (l->n != nkeys)
		return bad(l, e, "missing field");
	return 0;
}

static const char *get(const struct line *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->kv[i].key, key) == 0)
			return l->kv[i].val;
	return "";
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool parse_dev(const struct line *l, char *name, int *ifindex)
{
	uint32_t idx;

	if (!nc_token_ok(get(l, "dev"), IF_NAMESIZE) ||
	    strchr(get(l, "dev"), '/') ||
	    !parse_u32(get(l, "ifindex"), 0x7fffffff, &idx) || idx == 0)
		return false;
	snprintf(name, IF_NAMESIZE, "%s", get(l, "dev"));
	*ifindex = (int)idx;
	return true;
}

static bool parse_opt_ip(const char *s, int family, struct netcfg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (strcmp(s, "-") == 0)
		return true;
	return netcfg_ip_parse(s, ip) && ip->family == family;
}

static int parse_addr(const struct line *l, struct netcfg_record *rec,
		      struct verr *e)
{
	static const char *const keys[] = { "dev", "ifindex", "addr" };
	struct netcfg_rec_addr *ra;

	if (expect_keys(l, keys, 3, e) < 0)
		return -1;
	if (rec->n_addrs >= NETCFG_MAX_ADDRS)
		return bad(l, e, "too many addresses");
	ra = &rec->addrs[rec->n_addrs];
	if (!parse_dev(l, ra->ifname, &ra->ifindex) ||
	    !netcfg_prefix_parse(get(l, "addr"), &ra->addr))
		return bad(l, e, "invalid address entry");
	rec->n_addrs++;
	return 0;
}

static int parse_route(const struct line *l, struct netcfg_record *rec,
		       struct verr *e)
{
	static const char *const keys[] = { "dev", "ifindex", "dst", "via",
					    "src", "table", "metric" };
	struct netcfg_rec_route *rr;
	struct netcfg_route *r;

	if (expect_keys(l, keys, 7, e) < 0)
		return -1;
	if (rec->n_routes >= NETCFG_MAX_ROUTES)
		return bad(l, e, "too many routes");
	rr = &rec->routes[rec->n_routes];
	r = &rr->route;
	if (!parse_dev(l, rr->ifname, &r->ifindex) ||
	    !netcfg_prefix_parse(get(l, "dst"), &r->dst) ||
	    !parse_opt_ip(get(l, "via"), r->dst.ip.family, &r->via) ||
	    !parse_opt_ip(get(l, "src"), r->dst.ip.family, &r->src) ||
	    !parse_u32(get(l, "table"), UINT32_MAX, &r->table) ||
	    r->table == 0 ||
	    !parse_u32(get(l, "metric"), UINT32_MAX, &r->metric))
		return bad(l, e, "invalid route entry");
	rec->n_routes++;
	return 0;
}

static int parse_dns(const struct line *l, struct netcfg_record *rec,
		     struct verr *e)
{
	static const char *const keys[] = { "method", "dev", "ifindex",
					    "path" };
	const char *m = get(l, "method"), *link = get(l, "dev");
	const char *path = get(l, "path");
	struct netcfg_dns *d = &rec->dns;

	if (expect_keys(l, keys, 4, e) < 0)
		return -1;
	if (rec->has_dns)
		return bad(l, e, "more than one dns entry");
	memset(d, 0, sizeof(*d));
	if (strcmp(m, "file") == 0)
		d->method = NETCFG_DNS_FILE;
	else if (strcmp(m, "resolved") == 0)
		d->method = NETCFG_DNS_RESOLVED;
	else if (strcmp(m, "resolvconf") == 0)
		d->method = NETCFG_DNS_RESOLVCONF;
	else
		return bad(l, e, "unknown dns method");
	if (strcmp(link, "-") != 0 && !parse_dev(l, d->link, &d->ifindex))
		return bad(l, e, "invalid dns link");
	if (strcmp(path, "-") != 0) {
		if (!nc_token_ok(path, sizeof(d->path)) || path[0] != '/')
			return bad(l, e, "invalid dns path");
		snprintf(d->path, sizeof(d->path), "%s", path);
	}
	if ((d->method == NETCFG_DNS_FILE && !d->path[0]) ||
	    (d->method != NETCFG_DNS_FILE && !d->link[0]))
		return bad(l, e, "dns entry lacks its link or path");
	rec->has_dns = true;
	return 0;
}

static int parse_link(const struct line *l, struct netcfg_record *rec,
		      struct verr *e)
{
	static const char *const keys[] = { "kind", "dev", "ifindex",
					    "if_id" };
	struct netcfg_rec_link *rl = &rec->link;
	const char *kind = get(l, "kind"), *dev = get(l, "dev");
	uint32_t idx;

	if (expect_keys(l, keys, 4, e) < 0)
		return -1;
	if (rec->has_link)
		return bad(l, e, "more than one link entry");
	memset(rl, 0, sizeof(*rl));
	if (strcmp(kind, "xfrm") == 0)
		rl->kind = NETCFG_LINK_XFRM;
	else if (strcmp(kind, "tun") == 0)
		rl->kind = NETCFG_LINK_TUN;
	else
		return bad(l, e, "unknown link kind");
	/* ifindex 0: written before the kernel made the interface. */
	if (!nc_token_ok(dev, IF_NAMESIZE) || strchr(dev, '/') ||
	    !parse_u32(get(l, "ifindex"), 0x7fffffff, &idx) ||
	    !parse_u32(get(l, "if_id"), UINT32_MAX, &rl->if_id))
		return bad(l, e, "invalid link entry");
	snprintf(rl->ifname, sizeof(rl->ifname), "%s", dev);
	rl->ifindex = (int)idx;
	rec->has_link = true;
	return 0;
}

static int parse_line(char *text, struct line *l, bool *magic,
		      struct netcfg_record *rec, struct verr *e)
{
	char *sp;

	if (!*magic) {
		if (strcmp(text, "vpnd-netcfg 1") != 0)
			return bad(l, e, "not a vpnd network record "
				   "(version 1)");
		*magic = true;
		return 0;
	}
	sp = strchr(text, ' ');
	if (!sp)
		return bad(l, e, "expected an entry");
	*sp++ = '\0';
	if (strcmp(text, "conn") == 0) {
		if (rec->conn[0] || !nc_conn_name_ok(sp))
			return bad(l, e, "invalid or repeated conn line");
		snprintf(rec->conn, sizeof(rec->conn), "%s", sp);
		return 0;
	}
	if (!rec->conn[0])
		return bad(l, e, "entry before the conn line");
	if (split_kv(sp, l, e) < 0)
		return -1;
	if (strcmp(text, "addr") == 0)
		return parse_addr(l, rec, e);
	if (strcmp(text, "route") == 0)
		return parse_route(l, rec, e);
	if (strcmp(text, "dns") == 0)
		return parse_dns(l, rec, e);
	if (strcmp(text, "link") == 0)
		return parse_link(l, rec, e);
	return bad(l, e, "unknown entry");
}

int nc_record_parse(const char *text, size_t len, const char *name,
		    struct netcfg_record *rec, struct verr *e)
{
	char buf[RECORD_MAX_SIZE + 1];
	struct line l = { .name = name };
	char *p = buf, *nl;
	bool magic = false;

	memset(rec, 0, sizeof(*rec));
	if (len > RECORD_MAX_SIZE || memchr(text, '\0', len)) {
		verr_set(e, "%s: not a vpnd network record", name);
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	while (*p) {
		l.no++;
		nl = strchr(p, '\n');
		if (!nl) {
			/* Written with a final newline: a torn file. */
			return bad(&l, e, "truncated line");
		}
		*nl = '\0';
		if (*p && *p != '#' && parse_line(p, &l, &magic, rec, e) < 0)
			return -1;
		p = nl + 1;
	}
	if (!magic || !rec->conn[0]) {
		verr_set(e, "%s: not a vpnd network record (no header)", name);
		errno = EINVAL;
		return -1;
	}
	return 0;
}
