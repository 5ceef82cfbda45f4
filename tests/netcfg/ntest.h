/* Shared by the netcfg tests. */
#ifndef NTEST_H
#define NTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "netns.h"
#include "vpnd/netcfg.h"

/* The namespace: veth0 (192.0.2.2/24, 2001:db8::2/64) with its peer
 * veth1, default routes via NT_ROUTER4 and NT_ROUTER6. */
#define NT_DEV "veth0"
#define NT_LOCAL4 "192.0.2.2"
#define NT_LOCAL6 "2001:db8::2"
#define NT_ROUTER4 "192.0.2.1"
#define NT_ROUTER6 "2001:db8::1"

/* tn_enter with those addresses, then the two default routes. */
int nt_enter_netns(void);

/* Independent of the code under test: raw rtnetlink through libmnl. */
struct nt_addr {
	bool found;
	uint32_t flags;		/* IFA_FLAGS, or ifa_flags without it */
};
struct nt_addr nt_find_addr(const char *dev, const char *addr,
			    uint8_t prefix);

struct nt_route {
	bool found;
	int oif;
	char via[48];		/* "" when none */
	char src[48];		/* "" when none */
	uint32_t metric;
	uint8_t protocol;
	unsigned count;		/* routes to that prefix in the table */
};
/* Looks for "a.b.c.d/len" in 'table' (254 = main); with metric >= 0
 * only a route of that metric counts as found. */
struct nt_route nt_find_route(const char *prefix, uint32_t table,
			      long metric);

/* Foreign routes, as an administrator would add them (foreign addresses:
 * tn_add_addr, tn_del_addr). via may be NULL; protocol RTPROT_BOOT like
 * ip(8). */
int nt_add_route(const char *prefix, const char *via, const char *dev,
		 uint32_t metric);
int nt_del_route(const char *prefix, const char *via, const char *dev,
		 uint32_t metric);

struct netcfg_ip nt_ip(const char *s);
struct netcfg_prefix nt_prefix(const char *s);

/* A fresh directory below /tmp, and its removal with its files. */
const char *nt_tmpdir(void);
void nt_rmdir(const char *dir);

#define NT_OK(call, e)                                                   \
	do {                                                             \
		int rc_ = (call);                                        \
		CU_ASSERT_EQUAL(rc_, 0);                                 \
		if (rc_ != 0)                                            \
			fprintf(stderr, "\n  %s: %s\n", #call, (e)->msg);\
	} while (0)

#define NT_STR_EQ(got, want)                                             \
	do {                                                             \
		CU_ASSERT_STRING_EQUAL(got, want);                       \
		if (strcmp(got, want) != 0)                              \
			fprintf(stderr, "\n  got  \"%s\"\n  want \"%s\"\n",\
				got, want);                              \
	} while (0)

/* The kernel may append its extended ack: " [kernel: ...]". */
#define NT_PREFIX(got, want)                                             \
	do {                                                             \
		CU_ASSERT_NSTRING_EQUAL(got, want, strlen(want));        \
		if (strncmp(got, want, strlen(want)) != 0)               \
			fprintf(stderr, "\n  got  \"%s\"\n  want \"%s...\"\n",\
				got, want);                              \
	} while (0)

void add_addr_tests(void);
void add_route_tests(void);
void add_tunnel_tests(void);
void add_record_tests(void);
void add_dns_tests(void);
void add_monitor_tests(void);
void add_link_tests(void);

#endif
