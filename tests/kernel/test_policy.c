/* Tunnel policies in/out/fwd: add, dump, remove only our own. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "kernel_internal.h"
#include "ktest.h"

#define OUR_REQID 7
#define OUR_PRIO 100
#define FOREIGN_REQID 99
#define FOREIGN_PRIO 5000
#define MAX_SEEN 16

static struct kernel *k;
static struct verr err;

struct seen {
	struct kernel_policy p[MAX_SEEN];
	size_t n;
};

static int collect(const struct kernel_policy *p, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN)
		s->p[s->n] = *p;
	s->n++;
	return 0;
}

static size_t dump(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	KT_OK(kernel_list_policies(k, collect, s, &err), &err);
	return s->n;
}

static const struct kernel_policy *find(const struct seen *s,
					enum kernel_dir dir, uint32_t reqid)
{
	size_t i;

	for (i = 0; i < s->n && i < MAX_SEEN; i++)
		if (s->p[i].dir == dir && s->p[i].reqid == reqid)
			return &s->p[i];
	return NULL;
}

/* The client side of a tunnel: local inner address to a remote subnet
 * out, the reverse in and fwd, through the local->gw endpoints. */
static struct kernel_policy tunnel(enum kernel_dir dir, const char *inner,
				   uint8_t inner_len, const char *net,
				   uint8_t net_len, const char *local,
				   const char *gw)
{
	struct kernel_policy p;
	bool out = dir == KERNEL_DIR_OUT;

	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.sel.src = kt_addr(out ? inner : net);
	p.sel.src_prefix = out ? inner_len : net_len;
	p.sel.dst = kt_addr(out ? net : inner);
	p.sel.dst_prefix = out ? net_len : inner_len;
	p.tmpl_src = kt_addr(out ? local : gw);
	p.tmpl_dst = kt_addr(out ? gw : local);
	p.reqid = OUR_REQID;
	p.priority = OUR_PRIO;
	return p;
}

/* Deleting inside the dump would disturb it: collect ours first. */
static int collect_ours(const struct kernel_policy *p, void *ctx)
{
	if (p->reqid == OUR_REQID && p->priority == OUR_PRIO)
		return collect(p, ctx);
	return 0;
}

static void remove_ours(void)
{
	struct seen mine = { .n = 0 };
	size_t i;

	KT_OK(kernel_list_policies(k, collect_ours, &mine, &err), &err);
	for (i = 0; i < mine.n && i < MAX_SEEN; i++)
		KT_OK(kernel_del_policy(k, &mine.p[i], &err), &err);
}

static void check_family(const char *inner, uint8_t inner_len,
			 const char *net, uint8_t net_len, const char *local,
			 const char *gw, const char *fnet)
{
	enum kernel_dir dirs[] = { KERNEL_DIR_OUT, KERNEL_DIR_IN,
				   KERNEL_DIR_FWD };
	struct kernel_policy p, foreign;
	const struct kernel_policy *got;
	struct seen s;
	size_t i;

	for (i = 0; i < 3; i++) {
		p = tunnel(dirs[i], inner, inner_len, net, net_len, local, gw);
		KT_OK(kernel_add_policy(k, &p, &err), &err);
	}
	foreign = tunnel(KERNEL_DIR_OUT, inner, inner_len, fnet, net_len,
			 local, gw);
	foreign.reqid = FOREIGN_REQID;
	foreign.priority = FOREIGN_PRIO;
	KT_OK(kernel_add_policy(k, &foreign, &err), &err);

	CU_ASSERT_EQUAL(dump(&s), 4);
	for (i = 0; i < 3; i++) {
		p = tunnel(dirs[i], inner, inner_len, net, net_len, local, gw);
		got = find(&s, dirs[i], OUR_REQID);
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_EQUAL(got->priority, OUR_PRIO);
		CU_ASSERT_TRUE(got->has_tmpl);
		CU_ASSERT_EQUAL(got->sel.src.family, p.sel.src.family);
		CU_ASSERT_EQUAL(memcmp(got->sel.src.bytes, p.sel.src.bytes,
				       16), 0);
		CU_ASSERT_EQUAL(memcmp(got->sel.dst.bytes, p.sel.dst.bytes,
				       16), 0);
		CU_ASSERT_EQUAL(got->sel.src_prefix, p.sel.src_prefix);
		CU_ASSERT_EQUAL(got->sel.dst_prefix, p.sel.dst_prefix);
		CU_ASSERT_EQUAL(memcmp(&got->tmpl_src, &p.tmpl_src,
				       sizeof(p.tmpl_src)), 0);
		CU_ASSERT_EQUAL(memcmp(&got->tmpl_dst, &p.tmpl_dst,
				       sizeof(p.tmpl_dst)), 0);
		CU_ASSERT_NOT_EQUAL(got->index, 0);
	}

	remove_ours();
	CU_ASSERT_EQUAL(dump(&s), 1);
	got = find(&s, KERNEL_DIR_OUT, FOREIGN_REQID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(got->priority, FOREIGN_PRIO);
	KT_OK(kernel_del_policy(k, &foreign, &err), &err);
	CU_ASSERT_EQUAL(dump(&s), 0);
}

static void test_policies_ipv4(void)
{
	check_family("198.51.100.2", 32, "203.0.113.0", 25, "192.0.2.2", "192.0.2.1",
		     "203.0.113.128");
}

static void test_policies_ipv6(void)
{
	check_family("2001:db8:3::2", 128, "2001:db8:1::", 48, KT_LOCAL6,
		     "2001:db8::1", "2001:db8:9::");
}

static void test_ports_and_mark(void)
{
	struct kernel_policy p = tunnel(KERNEL_DIR_OUT, "198.51.100.2", 32,
					"203.0.113.0", 25, "192.0.2.2",
					"192.0.2.1");
	struct seen s;

	p.sel.proto = IPPROTO_UDP;
	p.sel.dport = 53;
	p.mark.value = 0x2a;
	p.mark.mask = 0xff;
	KT_OK(kernel_add_policy(k, &p, &err), &err);
	CU_ASSERT_EQUAL_FATAL(dump(&s), 1);
	CU_ASSERT_EQUAL(s.p[0].sel.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(s.p[0].sel.dport, 53);
	CU_ASSERT_EQUAL(s.p[0].sel.sport, 0);
	CU_ASSERT_EQUAL(s.p[0].mark.value, 0x2a);
	CU_ASSERT_EQUAL(s.p[0].mark.mask, 0xff);

	/* Without the mark it is another policy: nothing to delete. */
	p.mark.mask = 0;
	CU_ASSERT_EQUAL(kernel_del_policy(k, &p, &err), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	p.mark.mask = 0xff;
	KT_OK(kernel_del_policy(k, &p, &err), &err);
	CU_ASSERT_EQUAL(dump(&s), 0);
}

/* An XFRM interface's policy: the if_id is kept, listed, and part of
 * what names it (a delete without it finds nothing), beside a policy
 * with the same selector and no if_id. */
static void test_if_id(void)
{
	struct kernel_policy p = tunnel(KERNEL_DIR_OUT, "198.51.100.2", 32,
					"203.0.113.0", 25, "192.0.2.2",
					"192.0.2.1");
	struct kernel_policy plain = p;
	struct seen s;

	p.if_id = 0x76706e01;
	KT_OK(kernel_add_policy(k, &p, &err), &err);
	KT_OK(kernel_add_policy(k, &plain, &err), &err);
	CU_ASSERT_EQUAL_FATAL(dump(&s), 2);
	CU_ASSERT((s.p[0].if_id == 0x76706e01 && s.p[1].if_id == 0) ||
		  (s.p[1].if_id == 0x76706e01 && s.p[0].if_id == 0));
	KT_OK(kernel_del_policy(k, &plain, &err), &err);
	CU_ASSERT_EQUAL(kernel_del_policy(k, &plain, &err), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_EQUAL_FATAL(dump(&s), 1);
	CU_ASSERT_EQUAL(s.p[0].if_id, 0x76706e01);
	/* As the stale cleanup deletes: the listed policy as it is. */
	KT_OK(kernel_del_policy(k, &s.p[0], &err), &err);
	CU_ASSERT_EQUAL(dump(&s), 0);
}

static void test_policy_errors(void)
{
	struct kernel_policy p = tunnel(KERNEL_DIR_IN, "198.51.100.2", 32,
					"203.0.113.0", 25, "192.0.2.2",
					"192.0.2.1");

	KT_OK(kernel_add_policy(k, &p, &err), &err);
	CU_ASSERT_EQUAL(kernel_add_policy(k, &p, &err), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_STRING_EQUAL(err.msg, "adding in policy "
			       "203.0.113.0/25->198.51.100.2/32 (reqid 7): File "
			       "exists (a policy with this selector exists)");
	KT_OK(kernel_del_policy(k, &p, &err), &err);
	CU_ASSERT_EQUAL(kernel_del_policy(k, &p, &err), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "deleting in policy "
				      "203.0.113.0/25->198.51.100.2/32"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no such policy"));

	p.sel.dst = kt_addr("2001:db8::9");
	CU_ASSERT_EQUAL(kernel_add_policy(k, &p, &err), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "families differ"));
}

/* Replies nobody read (an abandoned dump, an error) must not be taken
 * for the answer to the next request. */
static void test_stale_replies_skipped(void)
{
	struct kernel_policy p = tunnel(KERNEL_DIR_OUT, "198.51.100.2", 32,
					"203.0.113.0", 25, "192.0.2.2",
					"192.0.2.1");
	struct nlmsghdr *nlh;
	struct seen s;

	KT_OK(kernel_add_policy(k, &p, &err), &err);
	nlh = knl_start(k, XFRM_MSG_GETPOLICY, NLM_F_DUMP);
	CU_ASSERT(mnl_socket_sendto(k->ch.nl, nlh, nlh->nlmsg_len) > 0);
	nlh = knl_start(k, XFRM_MSG_DELPOLICY, 0);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct xfrm_userpolicy_id));
	CU_ASSERT(mnl_socket_sendto(k->ch.nl, nlh, nlh->nlmsg_len) > 0);
	KT_OK(kernel_del_policy(k, &p, &err), &err);
	CU_ASSERT_EQUAL(dump(&s), 0);
}

static int open_kernel(void)
{
	k = kernel_open(&err);
	if (!k)
		fprintf(stderr, "kernel_open: %s\n", err.msg);
	return k ? 0 : -1;
}

static int close_kernel(void)
{
	kernel_close(k);
	return 0;
}

void add_policy_tests(void)
{
	CU_pSuite s = CU_add_suite("kernel policies", open_kernel,
				   close_kernel);

	CU_add_test(s, "in/out/fwd IPv4, foreign survives", test_policies_ipv4);
	CU_add_test(s, "in/out/fwd IPv6, foreign survives", test_policies_ipv6);
	CU_add_test(s, "ports and mark", test_ports_and_mark);
	CU_add_test(s, "errors name the policy", test_policy_errors);
	CU_add_test(s, "if_id of an XFRM interface", test_if_id);
	CU_add_test(s, "stale replies skipped", test_stale_replies_skipped);
}
