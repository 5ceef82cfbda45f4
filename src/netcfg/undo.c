/* Removing what a record lists: on disconnect, on a failed setup, and
 * after a crash. Only what the record names is touched. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vpnd/log.h"
#include "netcfg_internal.h"
#include "record_internal.h"

/* If the index now carries another name (or none), the interface we
 * used is gone, and so is everything we put on it. */
static bool same_iface(int ifindex, const char *name)
{
	char now[IF_NAMESIZE];

	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, now))
		return false;
	return strcmp(now, name) == 0;
}

static void keep_first(struct verr *e, bool *failed, const struct verr *one)
{
	if (!*failed && e)
		*e = *one;
	*failed = true;
}

/* true: the route is gone (removed now or before). */
static bool undo_route(struct netcfg *n, const struct netcfg_rec_route *rr,
		       struct verr *e, bool *failed)
{
	char desc[200];
	struct verr one;

	if (!same_iface(rr->route.ifindex, rr->ifname)) {
		log_dbg("netcfg: dev %s is gone, and route %s with it",
			rr->ifname, nc_route_str(&rr->route, desc,
						 sizeof(desc)));
		return true;
	}
	if (netcfg_route_del(n, &rr->route, &one) == 0 || nc_gone(errno))
		return true;
	keep_first(e, failed, &one);
	return false;
}

static bool undo_addr(struct netcfg *n, const struct netcfg_rec_addr *ra,
		      struct verr *e, bool *failed)
{
	struct verr one;

	if (!same_iface(ra->ifindex, ra->ifname))
		return true;
	if (netcfg_addr_del(n, ra->ifindex, &ra->addr, &one) == 0 ||
	    nc_gone(errno))
		return true;
	keep_first(e, failed, &one);
	return false;
}

/* Newest first: a route may depend on the address it uses as source. */
int netcfg_undo(struct netcfg *n, struct netcfg_record *rec, struct verr *e)
{
	struct verr one;
	bool failed = false;
	size_t i, kept;

	if (rec->has_dns) {
		if (netcfg_dns_revert(&rec->dns, &one) == 0)
			rec->has_dns = false;
		else
			keep_first(e, &failed, &one);
	}
	kept = rec->n_routes;
	for (i = rec->n_routes; i-- > 0;)
		if (undo_route(n, &rec->routes[i], e, &failed)) {
			memmove(&rec->routes[i], &rec->routes[i + 1],
				(--kept - i) * sizeof(rec->routes[0]));
		}
	rec->n_routes = kept;
	kept = rec->n_addrs;
	for (i = rec->n_addrs; i-- > 0;)
		if (undo_addr(n, &rec->addrs[i], e, &failed)) {
			memmove(&rec->addrs[i], &rec->addrs[i + 1],
				(--kept - i) * sizeof(rec->addrs[0]));
		}
	rec->n_addrs = kept;
	if (failed) {
		errno = EBUSY;
		return -1;
	}
	return 0;
}

static bool record_empty(const struct netcfg_record *rec)
{
	return !rec->n_addrs && !rec->n_routes && !rec->has_dns;
}

/* Whatever could not be removed stays on disk for the next attempt. */
int nc_settle(const char *dir, struct netcfg_record *rec, struct verr *e)
{
	if (!dir)
		return 0;
	if (record_empty(rec))
		return netcfg_record_remove(dir, rec->conn, e);
	return netcfg_record_save(dir, rec->conn, rec, e);
}

static int cleanup_one(struct netcfg *n, const char *dir, const char *conn,
		       struct verr *e)
{
	struct netcfg_record rec;
	struct verr one;
	int rc;

	if (netcfg_record_load(dir, conn, &rec, e) < 0)
		return errno == ENOENT ? 0 : -1;
	log_info("netcfg: removing what connection %s left behind "
		 "(%zu addresses, %zu routes%s)", conn, rec.n_addrs,
		 rec.n_routes, rec.has_dns ? ", DNS" : "");
	rc = netcfg_undo(n, &rec, e);
	if (nc_settle(dir, &rec, rc < 0 ? &one : e) < 0 && rc == 0)
		rc = -1;
	return rc;
}

static bool record_name(const char *file, char *conn, size_t len)
{
	size_t n = strlen(file), sl = strlen(".netcfg");

	if (n <= sl || file[0] == '.' || strcmp(file + n - sl, ".netcfg"))
		return false;
	if (n - sl >= len)
		return false;
	memcpy(conn, file, n - sl);
	conn[n - sl] = '\0';
	return nc_conn_name_ok(conn);
}

static int cleanup_all(struct netcfg *n, const char *dir, struct verr *e)
{
	char conn[NETCFG_CONN_MAX];
	struct dirent *de;
	struct verr one;
	bool failed = false;
	DIR *d = opendir(dir);
	int err;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		err = errno;
		verr_set(e, "reading state directory %s: %s", dir,
			 strerror(err));
		errno = err;
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!record_name(de->d_name, conn, sizeof(conn)))
			continue;
		if (cleanup_one(n, dir, conn, &one) < 0)
			keep_first(e, &failed, &one);
	}
	closedir(d);
	if (failed) {
		errno = EBUSY;
		return -1;
	}
	return 0;
}

int netcfg_cleanup_stale(struct netcfg *n, const char *dir, const char *conn,
			 struct verr *e)
{
	if (conn)
		return cleanup_one(n, dir, conn, e);
	return cleanup_all(n, dir, e);
}
