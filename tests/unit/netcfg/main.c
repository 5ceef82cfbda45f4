/* test-netmon: netmon_fold on rtnetlink notifications made in code, as
 * the kernel sends them to the link, address and route groups. */
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libmnl/libmnl.h>

#include "vpnd/netmon.h"

static uint8_t buf[4096] __attribute__((aligned(8)));
static size_t used;

static void *add(uint16_t type, size_t hdr_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + used);

	nlh->nlmsg_type = type;
	return mnl_nlmsg_put_extra_header(nlh, hdr_len);
}

static void close_msg(void)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + used);

	used += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void add_link(uint16_t type, unsigned flags)
{
	struct ifinfomsg *ifi = add(type, sizeof(*ifi));

	ifi->ifi_index = 2;
	ifi->ifi_flags = flags;
	close_msg();
}

static void add_addr(uint16_t type)
{
	struct ifaddrmsg *ifa = add(type, sizeof(*ifa));
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + used);
	uint8_t a[4] = { 192, 0, 2, 9 };

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), a);
	close_msg();
}

static void add_route(uint16_t type, unsigned flags)
{
	struct rtmsg *rt = add(type, sizeof(*rt));

	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_flags = flags;
	close_msg();
}

static int fold(struct netmon_change *ch)
{
	struct verr e = { { 0 } };

	memset(ch, 0, sizeof(*ch));
	return netmon_fold(buf, used, ch, &e);
}

static void test_roam(void)
{
	struct netmon_change ch;

	used = 0;
	add_addr(RTM_DELADDR);
	add_route(RTM_DELROUTE, 0);
	add_addr(RTM_NEWADDR);
	add_route(RTM_NEWROUTE, 0);
	CU_ASSERT_EQUAL(fold(&ch), 0);
	CU_ASSERT_EQUAL(ch.what, NETMON_ADDR | NETMON_ROUTE);
	CU_ASSERT_EQUAL(ch.events, 4);
	CU_ASSERT_TRUE(ch.addr_removed);
	CU_ASSERT_FALSE(ch.link_down);
}

static void test_links(void)
{
	struct netmon_change ch;

	used = 0;
	add_link(RTM_NEWLINK, IFF_UP | IFF_RUNNING);
	CU_ASSERT_EQUAL(fold(&ch), 0);
	CU_ASSERT_EQUAL(ch.what, NETMON_LINK);
	CU_ASSERT_FALSE(ch.link_down);
	/* up without carrier: no path through it */
	add_link(RTM_NEWLINK, IFF_UP);
	CU_ASSERT_EQUAL(fold(&ch), 0);
	CU_ASSERT_TRUE(ch.link_down);
	used = 0;
	add_link(RTM_DELLINK, IFF_UP | IFF_RUNNING);
	CU_ASSERT_EQUAL(fold(&ch), 0);
	CU_ASSERT_TRUE(ch.link_down);
}

/* Route cache clones and other message types are not changes. */
static void test_not_changes(void)
{
	struct netmon_change ch;

	used = 0;
	add_route(RTM_NEWROUTE, RTM_F_CLONED);
	add(RTM_NEWNEIGH, sizeof(struct ndmsg));
	close_msg();
	CU_ASSERT_EQUAL(fold(&ch), 0);
	CU_ASSERT_EQUAL(ch.what, 0);
	CU_ASSERT_EQUAL(ch.events, 0);
}

/* A header shorter than its type needs, a length past the end. */
static void test_malformed(void)
{
	struct netmon_change ch;
	struct nlmsghdr *nlh;

	used = 0;
	add_addr(RTM_NEWADDR);
	nlh = mnl_nlmsg_put_header(buf + used);
	nlh->nlmsg_type = RTM_NEWROUTE;
	mnl_nlmsg_put_extra_header(nlh, 4); /* an rtmsg is 12 bytes */
	close_msg();
	CU_ASSERT_EQUAL(fold(&ch), -1);
	CU_ASSERT_EQUAL(ch.what, NETMON_ADDR); /* what came before stays */
	used = 0;
	add_addr(RTM_NEWADDR);
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)used + 64;
	CU_ASSERT_EQUAL(fold(&ch), -1);
	CU_ASSERT_EQUAL(ch.events, 0);
}

int main(void)
{
	CU_pSuite s;
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("netmon", NULL, NULL);
	CU_add_test(s, "a roam folds into one change", test_roam);
	CU_add_test(s, "links up, without carrier, gone", test_links);
	CU_add_test(s, "clones and neighbours are no change",
		    test_not_changes);
	CU_add_test(s, "malformed notifications", test_malformed);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
