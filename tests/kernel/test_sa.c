/* SPI allocation, ESP SAs (which this kernel may refuse: no ESP) and the
 * IKE socket bypass. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpnd/ike_const.h"
#include "kernel_internal.h"
#include "ktest.h"

#define REQID 7
#define SPI_OUT 0xc1234567u

static struct kernel *k;
static struct verr err;

static const uint8_t cbc_key[16] = {
	0x4b, 0x45, 0x59, 0x21, 0x10, 0x32, 0x54, 0x76,
	0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67,
};
static const uint8_t hmac_key[32] = {
	0x48, 0x4d, 0x41, 0x43, 0xde, 0xad, 0xbe, 0xef,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
};
static const uint8_t gcm_key[20] = {
	0x47, 0x43, 0x4d, 0x21, 0xa1, 0xb2, 0xc3, 0xd4,
	0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c,
	0x53, 0x41, 0x4c, 0x54, /* salt */
};

static struct kernel_sa cbc_sa(const char *src, const char *dst,
			       uint32_t spi, bool inbound)
{
	struct kernel_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.src = kt_addr(src);
	sa.dst = kt_addr(dst);
	sa.spi = spi;
	sa.reqid = REQID;
	sa.inbound = inbound;
	sa.encr = kernel_alg_encr(ENCR_AES_CBC, 128);
	sa.encr_key = cbc_key;
	sa.encr_key_len = sizeof(cbc_key);
	sa.integ = kernel_alg_integ(INTEG_HMAC_SHA2_256_128);
	sa.integ_key = hmac_key;
	sa.integ_key_len = sizeof(hmac_key);
	sa.life.soft_secs = 3000;
	sa.life.hard_secs = 3600;
	sa.life.hard_bytes = 1ull << 40;
	return sa;
}

/* Either the kernel takes the SA (then it must also delete it) or it
 * refuses for lack of ESP with a message naming the SA. */
static void expect_added_or_no_esp(const struct kernel_sa *sa,
				   const char *expect_prefix)
{
	int rc = kernel_add_sa(k, sa, &err);
	int saved = errno;

	if (rc == 0) {
		fprintf(stderr, "\n  (this kernel has ESP: SA added)\n");
		KT_OK(kernel_del_sa(k, &sa->dst, sa->spi, IPPROTO_ESP, NULL,
				    &err), &err);
		return;
	}
	fprintf(stderr, "\n  (this kernel: %s)\n", err.msg);
	CU_ASSERT_EQUAL(saved, EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(strncmp(err.msg, expect_prefix, strlen(expect_prefix)),
			0);
	if (saved != EPROTONOSUPPORT ||
	    strncmp(err.msg, expect_prefix, strlen(expect_prefix)) != 0)
		fprintf(stderr, "\n  got: %s (errno %d)\n", err.msg, saved);
}

static void test_alloc_spi(void)
{
	struct kernel_addr gw = kt_addr("192.0.2.1"), me = kt_addr(KT_LOCAL4);
	uint32_t a = 0, b = 0;

	KT_OK(kernel_alloc_spi(k, &gw, &me, IPPROTO_ESP, REQID, &a, &err),
	      &err);
	KT_OK(kernel_alloc_spi(k, &gw, &me, IPPROTO_ESP, REQID, &b, &err),
	      &err);
	CU_ASSERT(a >= 0xc0000000u && a <= 0xcfffffffu);
	CU_ASSERT(b >= 0xc0000000u && b <= 0xcfffffffu);
	CU_ASSERT_NOT_EQUAL(a, b);
	/* The kernel holds each SPI in a larval (ACQ) state that SA
	 * deletion finds: it exists, and is gone after one delete. */
	KT_OK(kernel_del_sa(k, &me, a, IPPROTO_ESP, NULL, &err), &err);
	KT_OK(kernel_del_sa(k, &me, b, IPPROTO_ESP, NULL, &err), &err);
	CU_ASSERT_EQUAL(kernel_del_sa(k, &me, a, IPPROTO_ESP, NULL, &err),
			-1);
	CU_ASSERT_EQUAL(errno, ESRCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "deleting ESP SA spi 0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "dst 192.0.2.2: No such "
				      "process (no such SA)"));
}

static void test_alloc_spi_ipv6(void)
{
	struct kernel_addr gw = kt_addr("2001:db8::1"),
			   me = kt_addr(KT_LOCAL6), v4 = kt_addr(KT_LOCAL4);
	uint32_t a = 0;

	KT_OK(kernel_alloc_spi(k, &gw, &me, IPPROTO_ESP, REQID, &a, &err),
	      &err);
	CU_ASSERT(a >= 0xc0000000u && a <= 0xcfffffffu);
	KT_OK(kernel_del_sa(k, &me, a, IPPROTO_ESP, NULL, &err), &err);
	CU_ASSERT_EQUAL(kernel_alloc_spi(k, &gw, &v4, IPPROTO_ESP, REQID, &a,
					 &err), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
}

static void on_event(const struct kernel_event *ev, void *ctx)
{
	struct kernel_event *last = ctx;

	*last = *ev;
}

/* A larval SPI lives for net.core.xfrm_acq_expires seconds; then the
 * kernel deletes it and reports a hard EXPIRE for it. */
static void test_larval_expires(void)
{
	struct kernel_addr gw = kt_addr("192.0.2.1"), me = kt_addr(KT_LOCAL4);
	struct kernel_monitor *m = kernel_monitor_open(&err);
	struct kernel_event ev = { .type = 0 };
	uint32_t spi = 0;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(tn_sysctl("core/xfrm_acq_expires", "1"), 0);
	KT_OK(kernel_alloc_spi(k, &gw, &me, IPPROTO_ESP, REQID, &spi, &err),
	      &err);
	for (i = 0; i < 40 && ev.type == 0; i++) {
		usleep(100 * 1000);
		KT_OK(kernel_monitor_read(m, on_event, &ev, &err), &err);
	}
	CU_ASSERT_EQUAL(ev.type, KERNEL_EV_EXPIRE);
	CU_ASSERT_EQUAL(ev.spi, spi);
	CU_ASSERT_TRUE(ev.hard);
	CU_ASSERT_EQUAL(ev.proto, IPPROTO_ESP);
	CU_ASSERT_EQUAL(ev.reqid, REQID);
	CU_ASSERT_EQUAL(memcmp(&ev.dst, &me, sizeof(me)), 0);
	CU_ASSERT_EQUAL(kernel_del_sa(k, &me, spi, IPPROTO_ESP, NULL, &err),
			-1);
	CU_ASSERT_EQUAL(errno, ESRCH);
	tn_sysctl("core/xfrm_acq_expires", "30");
	kernel_monitor_close(m);
}

static void test_esp_sa_ipv4(void)
{
	struct kernel_sa sa = cbc_sa(KT_LOCAL4, "192.0.2.1", SPI_OUT, false);

	sa.esn = true;
	sa.encap = true;
	sa.encap_sport = 4500;
	sa.encap_dport = 4500;
	sa.sel.src = kt_addr("198.51.100.2");
	sa.sel.src_prefix = 32;
	sa.sel.dst = kt_addr("203.0.113.0");
	sa.sel.dst_prefix = 24;
	expect_added_or_no_esp(&sa, "adding ESP SA spi 0xc1234567 "
			       "192.0.2.2->192.0.2.1: Protocol not supported "
			       "(this kernel has no ESP support: "
			       "CONFIG_INET_ESP)");
}

static void test_esp_sa_ipv6_esn(void)
{
	struct kernel_sa sa = cbc_sa("2001:db8::1", KT_LOCAL6, 0xc0000042,
				     true);

	sa.esn = true;
	sa.replay_window = 128;
	expect_added_or_no_esp(&sa, "adding ESP SA spi 0xc0000042 "
			       "2001:db8::1->2001:db8::2: Protocol not "
			       "supported (this kernel has no ESP support: "
			       "CONFIG_INET6_ESP)");
}

/* The inbound SA fills in the larval state ALLOCSPI made (UPDSA). */
static void test_inbound_on_allocated_spi(void)
{
	struct kernel_sa sa = cbc_sa("192.0.2.1", KT_LOCAL4, 0, true);
	char prefix[160];

	KT_OK(kernel_alloc_spi(k, &sa.src, &sa.dst, IPPROTO_ESP, REQID,
			       &sa.spi, &err), &err);
	sa.spi_allocated = true;
	sa.replay_window = 32;
	snprintf(prefix, sizeof(prefix), "adding ESP SA spi 0x%08x "
		 "192.0.2.1->192.0.2.2: Protocol not supported", sa.spi);
	expect_added_or_no_esp(&sa, prefix);
	/* Without ESP the larval state is still there: clean it up. */
	kernel_del_sa(k, &sa.dst, sa.spi, IPPROTO_ESP, NULL, &err);
}

/* GCM depends on the kernel crypto API as well as on ESP. */
static void test_aead_sa(void)
{
	struct kernel_sa sa = cbc_sa(KT_LOCAL4, "192.0.2.1", SPI_OUT + 1,
				     false);
	int rc;

	sa.encr = kernel_alg_encr(ENCR_AES_GCM_16, 128);
	sa.encr_key = gcm_key;
	sa.encr_key_len = sizeof(gcm_key);
	sa.integ = NULL;
	sa.integ_key = NULL;
	sa.integ_key_len = 0;
	rc = kernel_add_sa(k, &sa, &err);
	if (rc == 0) {
		KT_OK(kernel_del_sa(k, &sa.dst, sa.spi, IPPROTO_ESP, NULL,
				    &err), &err);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "adding ESP SA spi 0xc1234568 "
				      "192.0.2.2->192.0.2.1: "));
	if (errno == ENOSYS) {
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "kernel crypto lacks "
					      "rfc4106(gcm(aes))"));
	} else {
		CU_ASSERT_EQUAL(errno, EPROTONOSUPPORT);
	}
	fprintf(stderr, "\n  (this kernel: %s)\n", err.msg);
}

static bool holds(const uint8_t *buf, size_t len, const uint8_t *key,
		  size_t klen)
{
	return memmem(buf, len, key, klen) != NULL;
}

static void test_keys_wiped(void)
{
	struct kernel_sa sa = cbc_sa(KT_LOCAL4, "192.0.2.1", SPI_OUT + 2,
				     false);

	if (kernel_add_sa(k, &sa, &err) == 0)
		kernel_del_sa(k, &sa.dst, sa.spi, IPPROTO_ESP, NULL, &err);
	CU_ASSERT_FALSE(holds(k->tx, sizeof(k->tx), cbc_key, 8));
	CU_ASSERT_FALSE(holds(k->tx, sizeof(k->tx), hmac_key, 8));
	CU_ASSERT_FALSE(holds(k->rx, sizeof(k->rx), cbc_key, 8));
	CU_ASSERT_FALSE(holds(k->rx, sizeof(k->rx), hmac_key, 8));
}

static void test_sa_checks(void)
{
	struct kernel_sa sa = cbc_sa(KT_LOCAL4, "192.0.2.1", SPI_OUT, false);

	sa.encr_key_len = 15;
	CU_ASSERT_EQUAL(kernel_add_sa(k, &sa, &err), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "adding ESP SA spi 0xc1234567 "
			       "192.0.2.2->192.0.2.1: encryption key length "
			       "does not fit the algorithm");
	sa = cbc_sa(KT_LOCAL4, "192.0.2.1", SPI_OUT, false);
	sa.integ = NULL;
	CU_ASSERT_EQUAL(kernel_add_sa(k, &sa, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cipher without integrity"));
	sa = cbc_sa(KT_LOCAL4, "2001:db8::1", SPI_OUT, false);
	CU_ASSERT_EQUAL(kernel_add_sa(k, &sa, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "families differ"));
}

static void bypass(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0);
	KT_OK(kernel_socket_bypass(fd, family, &err), &err);
	close(fd);
}

static void test_socket_bypass(void)
{
	bypass(AF_INET);
	bypass(AF_INET6);
	CU_ASSERT_EQUAL(kernel_socket_bypass(-1, AF_INET, &err), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "IPsec bypass (in) on IKE "
				      "socket -1: Bad file descriptor"));
}

static int open_kernel(void)
{
	k = kernel_open(&err);
	return k ? 0 : -1;
}

static int close_kernel(void)
{
	kernel_close(k);
	return 0;
}

void add_sa_tests(void)
{
	CU_pSuite s = CU_add_suite("kernel SAs", open_kernel, close_kernel);

	CU_add_test(s, "ALLOCSPI in range, distinct", test_alloc_spi);
	CU_add_test(s, "ALLOCSPI IPv6", test_alloc_spi_ipv6);
	CU_add_test(s, "larval SPI expires with EXPIRE", test_larval_expires);
	CU_add_test(s, "ESP SA IPv4 NAT-T ESN out", test_esp_sa_ipv4);
	CU_add_test(s, "ESP SA IPv6 ESN in", test_esp_sa_ipv6_esn);
	CU_add_test(s, "inbound SA on allocated SPI",
		    test_inbound_on_allocated_spi);
	CU_add_test(s, "AEAD SA", test_aead_sa);
	CU_add_test(s, "keys wiped from netlink buffers", test_keys_wiped);
	CU_add_test(s, "SA parameter checks", test_sa_checks);
	CU_add_test(s, "IKE socket bypass", test_socket_bypass);
}
