/* IPsec policies (SPD entries) and the IKE socket bypass. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/udp.h>

#include "vpnd/log.h"
#include "kernel_internal.h"

static const char *dir_name(enum kernel_dir dir)
{
	switch (dir) {
	case KERNEL_DIR_IN:
		return "in";
	case KERNEL_DIR_OUT:
		return "out";
	case KERNEL_DIR_FWD:
		return "fwd";
	}
	return "?";
}

static void describe(const struct kernel_policy *p, const char *verb,
		     char *out, size_t outlen)
{
	char sel[128];

	snprintf(out, outlen, "%s %s policy %s (reqid %u)", verb,
		 dir_name(p->dir), ksel_str(&p->sel, sel, sizeof(sel)),
		 p->reqid);
}

static const char *check_policy(const struct kernel_policy *p)
{
	const struct kernel_selector *s = &p->sel;
	unsigned max = s->src.family == AF_INET6 ? 128 : 32;

	if (p->dir != KERNEL_DIR_IN && p->dir != KERNEL_DIR_OUT &&
	    p->dir != KERNEL_DIR_FWD)
		return "invalid direction";
	if ((s->src.family != AF_INET && s->src.family != AF_INET6) ||
	    s->src.family != s->dst.family)
		return "selector address families differ or are unset";
	if (s->src_prefix > max || s->dst_prefix > max)
		return "selector prefix too long";
	if (p->tmpl_src.family != AF_INET && p->tmpl_src.family != AF_INET6)
		return "tunnel endpoints unset";
	if (p->tmpl_src.family != p->tmpl_dst.family)
		return "tunnel endpoint families differ";
	return NULL;
}

static int put_tmpl(struct nlmsghdr *nlh, const struct kernel_policy *p)
{
	struct xfrm_user_tmpl *t = knl_put(nlh, XFRMA_TMPL, sizeof(*t));

	if (!t)
		return -1;
	kaddr_to_xfrm(&p->tmpl_dst, &t->id.daddr);
	kaddr_to_xfrm(&p->tmpl_src, &t->saddr);
	t->id.proto = IPPROTO_ESP;
	t->family = (uint16_t)p->tmpl_src.family;
	t->reqid = p->reqid;
	t->mode = XFRM_MODE_TUNNEL;
	t->aalgos = ~0u;
	t->ealgos = ~0u;
	t->calgos = ~0u;
	return 0;
}

int kernel_add_policy(struct kernel *k, const struct kernel_policy *p,
		      struct verr *e)
{
	const char *bad = check_policy(p);
	struct xfrm_userpolicy_info *pi;
	struct nlmsghdr *nlh;
	char what[192];

	describe(p, "adding", what, sizeof(what));
	if (bad) {
		verr_set(e, "%s: %s", what, bad);
		errno = EINVAL;
		return -1;
	}
	nlh = knl_start(k, p->replace ? XFRM_MSG_UPDPOLICY :
					  XFRM_MSG_NEWPOLICY, 0);
	pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));
	ksel_to_xfrm(&p->sel, &pi->sel);
	klifetime_to_xfrm(NULL, &pi->lft);
	pi->priority = p->priority;
	pi->dir = (uint8_t)p->dir;
	pi->action = XFRM_POLICY_ALLOW;
	if (put_tmpl(nlh, p) < 0) {
		verr_set(e, "%s: message too long", what);
		errno = EMSGSIZE;
		return -1;
	}
	knl_put_mark(nlh, &p->mark);
	knl_put_if_id(nlh, p->if_id);
	if (knl_talk(k, NULL, NULL) < 0) {
		knl_fail(k, e, what, k->ch.err == EEXIST ?
			 "a policy with this selector exists" : NULL);
		return -1;
	}
	log_dbg("kernel: %s", what);
	return 0;
}

int kernel_del_policy(struct kernel *k, const struct kernel_policy *p,
		      struct verr *e)
{
	struct xfrm_userpolicy_id *id;
	struct nlmsghdr *nlh;
	char what[192];

	describe(p, "deleting", what, sizeof(what));
	nlh = knl_start(k, XFRM_MSG_DELPOLICY, 0);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	ksel_to_xfrm(&p->sel, &id->sel);
	id->dir = (uint8_t)p->dir;
	knl_put_mark(nlh, &p->mark);
	knl_put_if_id(nlh, p->if_id);
	if (knl_talk(k, NULL, NULL) < 0) {
		knl_fail(k, e, what, k->ch.err == ENOENT ? "no such policy" : NULL);
		return -1;
	}
	return 0;
}

int kernel_migrate(struct kernel *k, const struct kernel_policy *p,
		   const struct kernel_move *m, struct verr *e)
{
	struct xfrm_userpolicy_id *id;
	struct xfrm_user_migrate *um;
	struct xfrm_encap_tmpl *t;
	struct nlmsghdr *nlh;
	char what[192];

	describe(p, "moving", what, sizeof(what));
	if (m->old_src.family != m->old_dst.family ||
	    m->new_src.family != m->new_dst.family ||
	    (m->new_src.family != AF_INET && m->new_src.family != AF_INET6)) {
		verr_set(e, "%s: tunnel endpoint families differ or are unset",
			 what);
		errno = EINVAL;
		return -1;
	}
	nlh = knl_start(k, XFRM_MSG_MIGRATE, 0);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	ksel_to_xfrm(&p->sel, &id->sel);
	id->dir = (uint8_t)p->dir;
	um = knl_put(nlh, XFRMA_MIGRATE, sizeof(*um));
	if (!um)
		goto too_long;
	kaddr_to_xfrm(&m->old_dst, &um->old_daddr);
	kaddr_to_xfrm(&m->old_src, &um->old_saddr);
	kaddr_to_xfrm(&m->new_dst, &um->new_daddr);
	kaddr_to_xfrm(&m->new_src, &um->new_saddr);
	um->proto = IPPROTO_ESP;
	um->mode = XFRM_MODE_TUNNEL;
	um->reqid = m->reqid;
	um->old_family = (uint16_t)m->old_src.family;
	um->new_family = (uint16_t)m->new_src.family;
	if (m->encap) {
		t = knl_put(nlh, XFRMA_ENCAP, sizeof(*t));
		if (!t)
			goto too_long;
		t->encap_type = UDP_ENCAP_ESPINUDP;
		t->encap_sport = htons(m->encap_sport);
		t->encap_dport = htons(m->encap_dport);
	}
	knl_put_mark(nlh, &p->mark);
	knl_put_if_id(nlh, p->if_id);
	if (knl_talk(k, NULL, NULL) < 0) {
		knl_fail(k, e, what, k->ch.err == ENOENT ?
			 "no such policy or SA at the old addresses" :
			 k->ch.err == ENOPROTOOPT ?
			 "the kernel has no XFRM_MIGRATE" : NULL);
		return -1;
	}
	log_dbg("kernel: %s", what);
	return 0;
too_long:
	verr_set(e, "%s: message too long", what);
	errno = EMSGSIZE;
	return -1;
}

struct list_ctx {
	kernel_policy_cb cb;
	void *ctx;
};

static int on_policy_attr(const struct nlattr *a, void *data)
{
	struct kernel_policy *p = data;
	const struct xfrm_user_tmpl *t;
	const struct xfrm_mark *m;

	switch (mnl_attr_get_type(a)) {
	case XFRMA_TMPL:
		/* Ours carry one template; report the first. */
		if (mnl_attr_get_payload_len(a) < sizeof(*t) || p->has_tmpl)
			break;
		t = mnl_attr_get_payload(a);
		kaddr_from_xfrm(t->family, &t->saddr, &p->tmpl_src);
		kaddr_from_xfrm(t->family, &t->id.daddr, &p->tmpl_dst);
		p->reqid = t->reqid;
		p->has_tmpl = true;
		break;
	case XFRMA_MARK:
		if (mnl_attr_get_payload_len(a) < sizeof(*m))
			break;
		m = mnl_attr_get_payload(a);
		p->mark.value = m->v;
		p->mark.mask = m->m;
		break;
	case XFRMA_IF_ID:
		if (mnl_attr_get_payload_len(a) < sizeof(uint32_t))
			break;
		p->if_id = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int on_policy(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *l = data;
	struct xfrm_userpolicy_info pi;
	struct kernel_policy p;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    !knl_payload(nlh, &pi, sizeof(pi))) {
		log_dbg("kernel: unexpected message %u in policy dump",
			nlh->nlmsg_type);
		return MNL_CB_OK;
	}
	memset(&p, 0, sizeof(p));
	ksel_from_xfrm(&pi.sel, &p.sel);
	p.dir = (enum kernel_dir)pi.dir;
	p.priority = pi.priority;
	p.index = pi.index;
	mnl_attr_parse(nlh, sizeof(pi), on_policy_attr, &p);
	return l->cb(&p, l->ctx) ? MNL_CB_STOP : MNL_CB_OK;
}

int kernel_list_policies(struct kernel *k, kernel_policy_cb cb, void *ctx,
			 struct verr *e)
{
	struct list_ctx l = { cb, ctx };

	knl_start(k, XFRM_MSG_GETPOLICY, NLM_F_DUMP);
	if (knl_talk(k, on_policy, &l) < 0) {
		knl_fail(k, e, "listing IPsec policies", NULL);
		return -1;
	}
	return 0;
}

int kernel_socket_bypass(int fd, int family, struct verr *e)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;
	uint8_t dir;

	for (dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = (uint16_t)family;
		pol.dir = dir;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0) {
			int err = errno;

			verr_set(e, "IPsec bypass (%s) on IKE socket %d: %s%s",
				 dir == XFRM_POLICY_IN ? "in" : "out", fd,
				 strerror(err), err == EPERM ?
				 " (needs CAP_NET_ADMIN)" : "");
			errno = err;
			return -1;
		}
	}
	return 0;
}
