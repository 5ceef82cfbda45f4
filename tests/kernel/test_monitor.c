/* Kernel events (synthetic and real) and the transform table. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpnd/ike_const.h"
#include "vpnd/log.h"
#include "kernel_internal.h"
#include "ktest.h"

#define MAX_EV 8

static struct verr err;

struct events {
	struct kernel_event ev[MAX_EV];
	size_t n;
};

static void collect(const struct kernel_event *ev, void *ctx)
{
	struct events *c = ctx;

	if (c->n < MAX_EV)
		c->ev[c->n] = *ev;
	c->n++;
}

static void test_alg_table(void)
{
	const struct kernel_alg *a;

	a = kernel_alg_encr(ENCR_AES_GCM_16, 256);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "rfc4106(gcm(aes))");
	CU_ASSERT_TRUE(a->aead);
	CU_ASSERT_EQUAL(a->icv_bits, 128);
	CU_ASSERT_EQUAL(a->key_bits / 8 + a->salt_bytes, 36);
	a = kernel_alg_encr(ENCR_AES_GCM_16, 128);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->key_bits / 8 + a->salt_bytes, 20);
	a = kernel_alg_encr(ENCR_AES_GCM_8, 128);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->icv_bits, 64);
	a = kernel_alg_encr(ENCR_CHACHA20_POLY1305, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "rfc7539esp(chacha20,poly1305)");
	CU_ASSERT_EQUAL(a->key_bits / 8 + a->salt_bytes, 36);
	CU_ASSERT_EQUAL(a->icv_bits, 128);
	a = kernel_alg_encr(ENCR_AES_CBC, 256);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "cbc(aes)");
	CU_ASSERT_FALSE(a->aead);
	CU_ASSERT_EQUAL(a->salt_bytes, 0);
	CU_ASSERT_PTR_NULL(kernel_alg_encr(ENCR_AES_CBC, 0));
	CU_ASSERT_PTR_NULL(kernel_alg_encr(ENCR_AES_CBC, 100));
	CU_ASSERT_PTR_NULL(kernel_alg_encr(ENCR_3DES, 192));

	a = kernel_alg_integ(INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "hmac(sha256)");
	CU_ASSERT_EQUAL(a->icv_bits, 128);
	CU_ASSERT_EQUAL(a->key_bits, 256);
	a = kernel_alg_integ(INTEG_HMAC_SHA2_384_192);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "hmac(sha384)");
	CU_ASSERT_EQUAL(a->icv_bits, 192);
	a = kernel_alg_integ(INTEG_HMAC_SHA2_512_256);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "hmac(sha512)");
	CU_ASSERT_EQUAL(a->icv_bits, 256);
	a = kernel_alg_integ(INTEG_HMAC_SHA1_96);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "hmac(sha1)");
	CU_ASSERT_EQUAL(a->icv_bits, 96);
	CU_ASSERT_EQUAL(a->key_bits, 160);
	CU_ASSERT_PTR_NULL(kernel_alg_integ(INTEG_NONE));
}

static void put_addr(xfrm_address_t *x, const char *s)
{
	struct kernel_addr a = kt_addr(s);

	kaddr_to_xfrm(&a, x);
}

static struct nlmsghdr *put_msg(uint8_t *buf, size_t *off, uint16_t type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);

	nlh->nlmsg_type = type;
	return nlh;
}

static void end_msg(size_t *off, const struct nlmsghdr *nlh)
{
	*off += MNL_ALIGN(nlh->nlmsg_len);
}

/* EXPIRE, an unknown type, MAPPING, ACQUIRE, a truncated EXPIRE. */
static size_t build_events(uint8_t *buf)
{
	struct xfrm_user_expire *x;
	struct xfrm_user_mapping *m;
	struct xfrm_user_acquire *a;
	struct xfrm_user_tmpl t;
	struct nlmsghdr *nlh;
	size_t off = 0;

	nlh = put_msg(buf, &off, XFRM_MSG_EXPIRE);
	x = mnl_nlmsg_put_extra_header(nlh, sizeof(*x));
	x->state.id.spi = htonl(0xc0ffee01);
	x->state.id.proto = IPPROTO_ESP;
	x->state.family = AF_INET;
	put_addr(&x->state.id.daddr, "192.0.2.2");
	put_addr(&x->state.saddr, "192.0.2.1");
	x->state.reqid = 5;
	x->hard = 0;
	end_msg(&off, nlh);

	nlh = put_msg(buf, &off, XFRM_MSG_NEWAE);
	mnl_nlmsg_put_extra_header(nlh, 16);
	end_msg(&off, nlh);

	nlh = put_msg(buf, &off, XFRM_MSG_MAPPING);
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->id.spi = htonl(0xc0ffee02);
	m->id.proto = IPPROTO_ESP;
	m->id.family = AF_INET6;
	put_addr(&m->id.daddr, "2001:db8::1");
	put_addr(&m->old_saddr, "2001:db8:7::7");
	put_addr(&m->new_saddr, "2001:db8:7::8");
	m->old_sport = htons(4500);
	m->new_sport = htons(31000);
	m->reqid = 6;
	end_msg(&off, nlh);

	nlh = put_msg(buf, &off, XFRM_MSG_ACQUIRE);
	a = mnl_nlmsg_put_extra_header(nlh, sizeof(*a));
	a->id.proto = IPPROTO_ESP;
	a->sel.family = AF_INET;
	put_addr(&a->sel.saddr, "198.51.100.2");
	put_addr(&a->sel.daddr, "203.0.113.3");
	a->sel.prefixlen_s = 32;
	a->sel.prefixlen_d = 32;
	a->sel.proto = IPPROTO_UDP;
	a->sel.dport = htons(53);
	a->sel.dport_mask = 0xffff;
	a->policy.index = 0x1234;
	a->policy.dir = XFRM_POLICY_OUT;
	memset(&t, 0, sizeof(t));
	t.family = AF_INET;
	put_addr(&t.saddr, "192.0.2.2");
	put_addr(&t.id.daddr, "192.0.2.1");
	t.reqid = 9;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	end_msg(&off, nlh);

	nlh = put_msg(buf, &off, XFRM_MSG_EXPIRE);
	mnl_nlmsg_put_extra_header(nlh, 12);
	end_msg(&off, nlh);
	return off;
}

static char logged[256];

static void sink(void *ctx, enum log_level lvl, const char *line)
{
	if (lvl == LOG_DBG && strstr(line, "type 30"))
		snprintf(logged, sizeof(logged), "%s", line);
}

static bool addr_is(const struct kernel_addr *a, const char *s)
{
	struct kernel_addr b = kt_addr(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

static void test_decode_synthetic(void)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	struct events c = { .n = 0 };
	enum log_level old = log_get_level();
	size_t len = build_events(buf);
	const struct kernel_event *ev;
	int rc;

	log_set_level(LOG_DBG);
	log_set_sink(sink, NULL);
	rc = kernel_events_decode(buf, len, collect, &c, &err);
	log_set_sink(NULL, NULL);
	log_set_level(old);

	/* The truncated one is reported, the intact ones still delivered. */
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "type 24 truncated"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "ignoring XFRM message type 30"));
	CU_ASSERT_EQUAL_FATAL(c.n, 3);

	ev = &c.ev[0];
	CU_ASSERT_EQUAL(ev->type, KERNEL_EV_EXPIRE);
	CU_ASSERT_EQUAL(ev->spi, 0xc0ffee01);
	CU_ASSERT_EQUAL(ev->proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(ev->reqid, 5);
	CU_ASSERT_FALSE(ev->hard);
	CU_ASSERT_TRUE(addr_is(&ev->dst, "192.0.2.2"));
	CU_ASSERT_TRUE(addr_is(&ev->src, "192.0.2.1"));

	ev = &c.ev[1];
	CU_ASSERT_EQUAL(ev->type, KERNEL_EV_MAPPING);
	CU_ASSERT_EQUAL(ev->spi, 0xc0ffee02);
	CU_ASSERT_EQUAL(ev->reqid, 6);
	CU_ASSERT_TRUE(addr_is(&ev->dst, "2001:db8::1"));
	CU_ASSERT_TRUE(addr_is(&ev->src, "2001:db8:7::7"));
	CU_ASSERT_TRUE(addr_is(&ev->new_src, "2001:db8:7::8"));
	CU_ASSERT_EQUAL(ev->old_sport, 4500);
	CU_ASSERT_EQUAL(ev->new_sport, 31000);

	ev = &c.ev[2];
	CU_ASSERT_EQUAL(ev->type, KERNEL_EV_ACQUIRE);
	CU_ASSERT_EQUAL(ev->reqid, 9);
	CU_ASSERT_EQUAL(ev->policy_index, 0x1234);
	CU_ASSERT_EQUAL(ev->dir, KERNEL_DIR_OUT);
	CU_ASSERT_TRUE(addr_is(&ev->src, "192.0.2.2"));
	CU_ASSERT_TRUE(addr_is(&ev->dst, "192.0.2.1"));
	CU_ASSERT_TRUE(addr_is(&ev->sel.dst, "203.0.113.3"));
	CU_ASSERT_EQUAL(ev->sel.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(ev->sel.dport, 53);
	CU_ASSERT_EQUAL(ev->sel.sport, 0);
}

/* A length field larger than the buffer must not be followed. */
static void test_decode_lying_length(void)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	struct events c = { .n = 0 };
	size_t len = build_events(buf);

	((struct nlmsghdr *)buf)->nlmsg_len = 60000;
	CU_ASSERT_EQUAL(kernel_events_decode(buf, len, collect, &c, &err), 0);
	CU_ASSERT_EQUAL(c.n, 0);
	CU_ASSERT_EQUAL(kernel_events_decode(buf, 3, collect, &c, &err), 0);
	CU_ASSERT_EQUAL(c.n, 0);
}

/* Traffic that hits an out policy without SA makes the kernel ask. */
static void test_real_acquire(void)
{
	struct kernel *k = kernel_open(&err);
	struct kernel_monitor *m = kernel_monitor_open(&err);
	struct events c = { .n = 0 };
	struct kernel_policy p;
	struct sockaddr_in to;
	int fd, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT(kernel_monitor_fd(m) >= 0);
	KT_OK(kernel_monitor_read(m, collect, &c, &err), &err);
	CU_ASSERT_EQUAL(c.n, 0);

	memset(&p, 0, sizeof(p));
	p.dir = KERNEL_DIR_OUT;
	p.sel.src = kt_addr(KT_LOCAL4);
	p.sel.src_prefix = 32;
	p.sel.dst = kt_addr("192.0.2.77");
	p.sel.dst_prefix = 32;
	p.tmpl_src = kt_addr(KT_LOCAL4);
	p.tmpl_dst = kt_addr("192.0.2.1");
	p.reqid = 11;
	KT_OK(kernel_add_policy(k, &p, &err), &err);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	inet_pton(AF_INET, "192.0.2.77", &to.sin_addr);
	/* Dropped while the SA is missing; only the ACQUIRE matters. */
	(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	for (i = 0; i < 20 && c.n == 0; i++) {
		KT_OK(kernel_monitor_read(m, collect, &c, &err), &err);
		usleep(50 * 1000);
	}
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_EQUAL(c.ev[0].type, KERNEL_EV_ACQUIRE);
	CU_ASSERT_EQUAL(c.ev[0].reqid, 11);
	CU_ASSERT_EQUAL(c.ev[0].proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(c.ev[0].spi, 0);
	CU_ASSERT_TRUE(addr_is(&c.ev[0].src, KT_LOCAL4));
	CU_ASSERT_TRUE(addr_is(&c.ev[0].dst, "192.0.2.1"));
	CU_ASSERT_TRUE(addr_is(&c.ev[0].sel.dst, "192.0.2.77"));
	CU_ASSERT_EQUAL(c.ev[0].sel.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(c.ev[0].sel.dport, 9);
	CU_ASSERT_EQUAL(c.ev[0].dir, KERNEL_DIR_OUT);
	KT_OK(kernel_del_policy(k, &p, &err), &err);
	kernel_monitor_close(m);
	kernel_close(k);
}

void add_monitor_tests(void)
{
	CU_pSuite s = CU_add_suite("kernel events and algorithms", NULL, NULL);

	CU_add_test(s, "IKE transform to kernel algorithm", test_alg_table);
	CU_add_test(s, "decode synthetic events", test_decode_synthetic);
	CU_add_test(s, "lying length fields", test_decode_lying_length);
	CU_add_test(s, "real ACQUIRE from traffic", test_real_acquire);
}
