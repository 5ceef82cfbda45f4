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

/* By index while the index has the recorded name; by name when the
 * record was written before the kernel made it (ifindex 0). */
static bool undo_link(struct netcfg *n, const struct netcfg_rec_link *rl,
		      struct verr *e, bool *failed)
{
	struct verr one;
	int ifindex = rl->ifindex;

	if (ifindex > 0 && !same_iface(ifindex, rl->ifname))
		return true;
	if (ifindex <= 0 && !if_nametoindex(rl->ifname))
		return true;
	if (nc_link_delete(n, ifindex, rl->ifname, &one) == 0 ||
	    nc_gone(errno)) {
		log_dbg("netcfg: interface %s removed", rl->ifname);
		return true;
	}
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
	/* Last: what was on the interface went first, one by one, so that
	 * a failure to delete it leaves a record that still says so. */
	if (rec->has_link && undo_link(n, &rec->link, e, &failed))
		rec->has_link = false;
	if (failed) {
		errno = EBUSY;
		return -1;
	}
	return 0;
}

static bool record_empty(const struct netcfg_record *rec)
{
	return !rec->n_addrs && !rec->n_routes && !rec->has_dns &&
	       !rec->has_link;
}

/* Whatever could not be removed stays on disk for the next attempt. */
int nc_settle(const char *dir, struct netcfg_record *rec, struct verr *e)
{
	if (!dir)
		return 0;
	if (record_empty(rec))
		return nc_record_remove_file(dir, rec->conn, rec->link_file, e);
	return netcfg_record_save(dir, rec->conn, rec, e);
}

static int cleanup_file(struct netcfg *n, const char *dir, const char *conn,
			bool link_file, struct verr *e)
{
	struct netcfg_record rec;
	struct verr one;
	int rc;

	if (nc_record_load_file(dir, conn, link_file, &rec, e) < 0)
		return errno == ENOENT ? 0 : -1;
	if (link_file)
		log_info("netcfg: removing the interface %s connection %s "
			 "left behind", rec.link.ifname, conn);
	else
		log_info("netcfg: removing what connection %s left behind "
			 "(%zu addresses, %zu routes%s)", conn, rec.n_addrs,
			 rec.n_routes, rec.has_dns ? ", DNS" : "");
	rc = netcfg_undo(n, &rec, e);
	if (nc_settle(dir, &rec, rc < 0 ? &one : e) < 0 && rc == 0)
		rc = -1;
	return rc;
}

/* The SA's record first: its DNS and routes are undone one by one
 * before the interface they were on goes. */
static int cleanup_one(struct netcfg *n, const char *dir, const char *conn,
		       struct verr *e)
{
	struct verr one;
	int rc = cleanup_file(n, dir, conn, false, e);

	if (cleanup_file(n, dir, conn, true, rc < 0 ? &one : e) < 0)
		rc = -1;
	return rc;
}

static bool record_name(const char *file, const char *ext, char *conn,
			size_t len)
{
	size_t n = strlen(file), sl = strlen(ext);

	if (n <= sl || file[0] == '.' || strcmp(file + n - sl, ext))
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
	/* Every connection with either file; one whose .netcfg is gone
	 * may still have its .netif. cleanup_one of a connection seen
	 * twice finds nothing the second time. */
	while ((de = readdir(d)) != NULL) {
		if (!record_name(de->d_name, ".netcfg", conn, sizeof(conn)) &&
		    !record_name(de->d_name, ".netif", conn, sizeof(conn)))
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
