/* test-netcfg-msg: the VPN interface's rtnetlink messages (link.c),
 * byte for byte as the kernel reads them (little-endian hosts). */
#include <linux/rtnetlink.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libmnl/libmnl.h>

#include "netcfg_internal.h"

static uint8_t buf[512] __attribute__((aligned(8)));

static struct nlmsghdr *msg(uint16_t type)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	return nlh;
}

static void expect(const struct nlmsghdr *nlh, const uint8_t *want,
		   size_t len)
{
	size_t i;

	CU_ASSERT_EQUAL_FATAL(nlh->nlmsg_len, len);
	for (i = 0; i < len; i++)
		if (buf[i] != want[i]) {
			fprintf(stderr, "byte %zu: 0x%02x, want 0x%02x\n", i,
				buf[i], want[i]);
			CU_FAIL("message differs");
			return;
		}
}

/* RTM_NEWLINK of "vpnd0", if_id 7 over ifindex 2, MTU 1400, up. */
static void test_xfrm_newlink(void)
{
	static const uint8_t want[] = {
		0x58, 0, 0, 0, RTM_NEWLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* ifinfomsg: AF_UNSPEC, index 0, flags IFF_UP, change IFF_UP */
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		/* IFLA_IFNAME "vpnd0" */
		10, 0, IFLA_IFNAME, 0, 'v', 'p', 'n', 'd', '0', 0, 0, 0,
		/* IFLA_MTU 1400 */
		8, 0, IFLA_MTU, 0, 0x78, 0x05, 0, 0,
		/* IFLA_LINKINFO (nested) */
		36, 0, IFLA_LINKINFO, 0x80,
		9, 0, IFLA_INFO_KIND, 0, 'x', 'f', 'r', 'm', 0, 0, 0, 0,
		/* IFLA_INFO_DATA (nested): IFLA_XFRM_LINK 2, IFLA_XFRM_IF_ID 7 */
		20, 0, IFLA_INFO_DATA, 0x80,
		8, 0, 1, 0, 2, 0, 0, 0,
		8, 0, 2, 0, 7, 0, 0, 0,
	};
	struct nlmsghdr *nlh = msg(RTM_NEWLINK);

	nc_put_xfrm_link(nlh, "vpnd0", 7, 2, 1400);
	expect(nlh, want, sizeof(want));
}

/* Without an uplink or MTU, neither attribute. */
static void test_xfrm_newlink_bare(void)
{
	static const uint8_t want[] = {
		0x4c, 0, 0, 0, RTM_NEWLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		/* IFLA_IFNAME "work-vpn" */
		13, 0, IFLA_IFNAME, 0, 'w', 'o', 'r', 'k', '-', 'v', 'p', 'n',
		0, 0, 0, 0,
		28, 0, IFLA_LINKINFO, 0x80,
		9, 0, IFLA_INFO_KIND, 0, 'x', 'f', 'r', 'm', 0, 0, 0, 0,
		12, 0, IFLA_INFO_DATA, 0x80,
		8, 0, 2, 0, 0x01, 0x6e, 0x70, 0x76,
	};
	struct nlmsghdr *nlh = msg(RTM_NEWLINK);

	nc_put_xfrm_link(nlh, "work-vpn", 0x76706e01, 0, 0);
	expect(nlh, want, sizeof(want));
}

static void test_link_up(void)
{
	static const uint8_t want[] = {
		0x28, 0, 0, 0, RTM_NEWLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* index 5 */
		0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		8, 0, IFLA_MTU, 0, 0x00, 0x05, 0, 0,
	};
	struct nlmsghdr *nlh = msg(RTM_NEWLINK);

	nc_put_link_up(nlh, 5, 1280);
	expect(nlh, want, sizeof(want));
}

static void test_link_del(void)
{
	static const uint8_t by_index[] = {
		0x20, 0, 0, 0, RTM_DELLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t by_name[] = {
		0x2c, 0, 0, 0, RTM_DELLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		10, 0, IFLA_IFNAME, 0, 'v', 'p', 'n', 'd', '3', 0, 0, 0,
	};
	struct nlmsghdr *nlh = msg(RTM_DELLINK);

	nc_put_link_del(nlh, 9, "vpnd3");
	expect(nlh, by_index, sizeof(by_index));
	nlh = msg(RTM_DELLINK);
	nc_put_link_del(nlh, 0, "vpnd3");
	expect(nlh, by_name, sizeof(by_name));
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("link messages", NULL, NULL);
	CU_add_test(s, "xfrm newlink", test_xfrm_newlink);
	CU_add_test(s, "xfrm newlink without uplink or MTU",
		    test_xfrm_newlink_bare);
	CU_add_test(s, "link up with MTU", test_link_up);
	CU_add_test(s, "dellink by index and by name", test_link_del);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
