/* The connection's VPN interface: an XFRM interface where the kernel
 * has them, a TUN device otherwise (vpnd/netcfg.h says why). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vpnd/log.h"
#include "netcfg_internal.h"
#include "record_internal.h"

const char *netcfg_link_kind_name(enum netcfg_link_kind k)
{
	switch (k) {
	case NETCFG_LINK_XFRM:
		return "xfrm";
	case NETCFG_LINK_TUN:
		return "tun";
	case NETCFG_LINK_NONE:
		break;
	}
	return "none";
}

unsigned netcfg_if_mtu(int ifindex)
{
	struct ifreq ifr;
	int fd;
	unsigned mtu = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
	return mtu;
}

void nc_put_xfrm_link(struct nlmsghdr *nlh, const char *name,
		      uint32_t if_id, int uplink, unsigned mtu)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *info, *data;

	ifi->ifi_family = AF_UNSPEC;
	/* Up as it is made: one step, nothing to undo in between. */
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "xfrm");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (uplink > 0)
		mnl_attr_put_u32(nlh, IFLA_XFRM_LINK, (uint32_t)uplink);
	mnl_attr_put_u32(nlh, IFLA_XFRM_IF_ID, if_id);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
}

void nc_put_link_up(struct nlmsghdr *nlh, int ifindex, unsigned mtu)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
}

void nc_put_link_del(struct nlmsghdr *nlh, int ifindex, const char *name)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifindex <= 0)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

int nc_link_delete(struct netcfg *n, int ifindex, const char *name,
		   struct verr *e)
{
	char what[64];

	snprintf(what, sizeof(what), "deleting interface %s", name);
	nc_put_link_del(ncnl_start(n, RTM_DELLINK, 0), ifindex, name);
	return ncnl_request(n, e, what);
}

static int save(const struct netcfg_link_req *r,
		const struct netcfg_record *rec, struct verr *e)
{
	if (!r->state_dir)
		return 0;
	return netcfg_record_save(r->state_dir, rec->conn, rec, e);
}

/* -1 with errno EOPNOTSUPP: this kernel has no XFRM interfaces. */
static int make_xfrm(struct netcfg *n, const struct netcfg_link_req *r,
		     const char *name, struct verr *e)
{
	char what[80];

	snprintf(what, sizeof(what), "creating XFRM interface %s (if_id %u)",
		 name, r->if_id);
	nc_put_xfrm_link(ncnl_start(n, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL),
			 name, r->if_id, r->uplink, r->mtu);
	return ncnl_request(n, e, what);
}

/* Persistent, so that after a crash it is still there for the cleanup
 * to find by its record (rather than gone with an fd the kernel closed
 * at some point); held open so that its carrier is up while we live. */
static int make_tun(const char *name, int *fd_out, struct verr *e)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		goto fail;
	*fd_out = fd;
	return 0;
fail:
	err = errno;
	verr_set(e, "creating TUN device %s: %s", name, strerror(err));
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

static int bring_up(struct netcfg *n, int ifindex, const char *name,
		    unsigned mtu, struct verr *e)
{
	char what[64];

	snprintf(what, sizeof(what), "bringing up interface %s", name);
	nc_put_link_up(ncnl_start(n, RTM_NEWLINK, 0), ifindex, mtu);
	return ncnl_request(n, e, what);
}

/* The profile's name, or the first "vpnd<N>" not in use. */
static int pick_name(const struct netcfg_link_req *r, char *name,
		     struct verr *e)
{
	unsigned i;

	if (r->name && r->name[0]) {
		if (strlen(r->name) >= IF_NAMESIZE ||
		    !nc_token_ok(r->name, IF_NAMESIZE) ||
		    strchr(r->name, '/') || strchr(r->name, '%')) {
			verr_set(e, "interface name \"%s\" unusable (at most "
				 "%d characters, no spaces, '/' or '%%')",
				 r->name, IF_NAMESIZE - 1);
			errno = EINVAL;
			return -1;
		}
		if (if_nametoindex(r->name)) {
			verr_set(e, "interface %s exists already and is not "
				 "this connection's", r->name);
			errno = EEXIST;
			return -1;
		}
		snprintf(name, IF_NAMESIZE, "%s", r->name);
		return 0;
	}
	/* Each name taken is an interface: the loop ends. */
	for (i = 0;; i++) {
		snprintf(name, IF_NAMESIZE, "vpnd%u", i);
		if (!if_nametoindex(name))
			return 0;
	}
}

static int create_steps(struct netcfg *n, const struct netcfg_link_req *r,
			struct netcfg_record *rec, struct netcfg_link *l,
			struct verr *e)
{
	struct netcfg_rec_link *rl = &rec->link;
	struct verr xe = { { 0 } };
	unsigned idx;

	if (save(r, rec, e) < 0)
		return -1;
	if (r->no_xfrm || make_xfrm(n, r, rl->ifname, &xe) < 0) {
		if (!r->no_xfrm && errno != EOPNOTSUPP) {
			*e = xe;
			return -1;
		}
		if (!r->no_xfrm)
			log_dbg("netcfg: no XFRM interfaces here (%s); a TUN "
				"device instead", xe.msg);
		rl->kind = l->kind = NETCFG_LINK_TUN;
		rl->if_id = l->if_id = 0;
		if (save(r, rec, e) < 0 ||
		    make_tun(rl->ifname, &l->tun_fd, e) < 0)
			return -1;
	}
	idx = if_nametoindex(rl->ifname);
	if (!idx) {
		verr_set(e, "interface %s vanished as it was made",
			 rl->ifname);
		errno = ENODEV;
		return -1;
	}
	rl->ifindex = l->ifindex = (int)idx;
	if (save(r, rec, e) < 0)
		return -1;
	if (l->kind == NETCFG_LINK_TUN &&
	    bring_up(n, l->ifindex, rl->ifname, r->mtu, e) < 0)
		return -1;
	return 0;
}

int netcfg_link_create(struct netcfg *n, const struct netcfg_link_req *r,
		       struct netcfg_link *l, struct verr *e)
{
	struct netcfg_record rec;
	struct verr ignored;
	int err;

	memset(l, 0, sizeof(*l));
	l->tun_fd = -1;
	if (r->if_id == 0 && !r->no_xfrm) {
		verr_set(e, "creating the VPN interface: if_id 0");
		errno = EINVAL;
		return -1;
	}
	if (netcfg_record_init(&rec, r->conn, e) < 0 ||
	    pick_name(r, rec.link.ifname, e) < 0)
		return -1;
	rec.link_file = true;
	rec.has_link = true;
	rec.link.kind = l->kind = NETCFG_LINK_XFRM;
	rec.link.if_id = l->if_id = r->if_id;
	memcpy(l->name, rec.link.ifname, sizeof(l->name));
	if (create_steps(n, r, &rec, l, e) == 0)
		return 0;
	err = errno;
	if (netcfg_undo(n, &rec, &ignored) < 0)
		log_warn("netcfg: undoing a failed interface: %s", ignored.msg);
	if (l->tun_fd >= 0)
		close(l->tun_fd);
	(void)nc_settle(r->state_dir, &rec, &ignored);
	memset(l, 0, sizeof(*l));
	l->tun_fd = -1;
	errno = err;
	return -1;
}

int netcfg_link_remove(struct netcfg *n, const char *state_dir,
		       const char *conn, struct netcfg_link *l, struct verr *e)
{
	struct netcfg_record rec;
	int rc;

	if (l->kind == NETCFG_LINK_NONE)
		return 0;
	if (netcfg_record_init(&rec, conn, e) < 0)
		return -1;
	rec.link_file = true;
	rec.has_link = true;
	rec.link.kind = l->kind;
	rec.link.ifindex = l->ifindex;
	rec.link.if_id = l->if_id;
	memcpy(rec.link.ifname, l->name, sizeof(rec.link.ifname));
	rc = netcfg_undo(n, &rec, e);
	/* A TUN device's fd goes after its deletion: closing it first
	 * would take the carrier down under its routes for nothing. */
	if (l->tun_fd >= 0)
		close(l->tun_fd);
	l->tun_fd = -1;
	if (rc == 0) {
		rc = nc_settle(state_dir, &rec, e);
		memset(l, 0, sizeof(*l));
		l->tun_fd = -1;
	}
	return rc;
}
