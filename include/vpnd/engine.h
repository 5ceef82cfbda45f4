/* The IKE engine as one object: made by the daemon (or a test) before
 * any connection, it owns what the connections share: the UDP sockets
 * and the table that routes datagrams to IKE SAs, the Child SA backend
 * (the kernel's XFRM, none, or a test double), the host configuration
 * (virtual IPs, routes, DNS), the resumption ticket store, the state
 * directory and the name resolver. Nothing of it is process-wide: two
 * engines in one process do not see each other. */
#ifndef VPND_ENGINE_H
#define VPND_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vpnd/buf.h"
#include "vpnd/kernel.h"
#include "vpnd/loop.h"
#include "vpnd/suspend.h"

struct engine;

/* Where Child SAs go. Each call mirrors the kernel_* function of the
 * same name (vpnd/kernel.h) with the backend's ctx in place of the
 * netlink handle; a test double records them instead. */
struct child_backend_ops {
	int (*alloc_spi)(void *ctx, const struct kernel_addr *src,
			 const struct kernel_addr *dst, uint8_t proto,
			 uint32_t reqid, uint32_t *spi, struct verr *e);
	int (*add_sa)(void *ctx, const struct kernel_sa *sa, struct verr *e);
	int (*del_sa)(void *ctx, const struct kernel_addr *dst, uint32_t spi,
		      uint8_t proto, const struct kernel_mark *mark,
		      struct verr *e);
	int (*add_policy)(void *ctx, const struct kernel_policy *p,
			  struct verr *e);
	int (*del_policy)(void *ctx, const struct kernel_policy *p,
			  struct verr *e);
	int (*list_policies)(void *ctx, kernel_policy_cb cb, void *cb_ctx,
			     struct verr *e);
	int (*list_sas)(void *ctx, kernel_sa_cb cb, void *cb_ctx,
			struct verr *e);
	/* MOBIKE: a policy and its SAs to new tunnel endpoints. */
	int (*migrate)(void *ctx, const struct kernel_policy *p,
		       const struct kernel_move *m, struct verr *e);
	/* IKE sockets bypass the policies (may be NULL). */
	int (*socket_bypass)(void *ctx, int fd, int family, struct verr *e);
};

/* How the engine sees the host's network; NULL in engine_config: the
 * host's own (net.c). A test's lets it move addresses at will. */
struct engine_host_ops {
	/* The source address the kernel would pick towards 'to' now (port
	 * left 0): 0, or -1 when there is no route. */
	int (*route_source)(void *ctx, const struct sockaddr_storage *to,
			    struct sockaddr_storage *src);
	/* The address is still one of the host's. */
	bool (*is_local)(void *ctx, const struct sockaddr_storage *addr);
};

enum engine_child {
	ENGINE_CHILD_NONE,   /* negotiate Child SAs, install nothing */
	ENGINE_CHILD_KERNEL, /* XFRM over netlink, with its event monitor */
	ENGINE_CHILD_OPS,    /* child_ops/child_ctx (a test double) */
};

struct engine_config {
	/* Ownership records and tickets live here; NULL keeps neither (no
	 * resumption across restarts, no crash recovery). */
	const char *state_dir;
	enum engine_child child;
	const struct child_backend_ops *child_ops; /* ENGINE_CHILD_OPS */
	void *child_ctx;
	const struct engine_host_ops *host_ops;
	void *host_ctx;
	/* Watch links, addresses and routes (rtnetlink) and suspends, and
	 * check every connection's path after each change (vpnd: on). */
	bool watch_network;
	/* Watch for suspends only, on these clocks (a test's); NULL with
	 * watch_network: the real ones. */
	const struct suspend_clock *suspend_clock;
	/* The host side (VPN interface, virtual IP, routes, DNS) with
	 * ENGINE_CHILD_OPS too: for a privileged test in a network
	 * namespace of its own, where the kernel has no ESP. */
	bool host_config;
};
/* The host side is configured with the kernel backend, or with
 * host_config: otherwise a test double must not change the test host. */

/* Sockets open on first use. NULL (reason in e) when out of memory. */
struct engine *engine_new(struct loop *l, const struct engine_config *cfg,
			  struct verr *e);
/* After every connection made on it is freed. */
void engine_free(struct engine *eng);
struct loop *engine_loop(const struct engine *eng);

/* Removes what a previous vpnd left behind after a crash: SAs and
 * policies in vpnd's reqid range (nothing else), then virtual IPs,
 * routes and DNS settings recorded in the state directory. */
int engine_cleanup_stale(struct engine *eng, struct verr *e);

/* A kernel event (EXPIRE, ACQUIRE, MAPPING) for the Child SAs: what the
 * kernel backend's monitor delivers, and a test double's way in. */
void engine_child_event(struct engine *eng, const struct kernel_event *ev);

/* The network changed, or the machine woke (why, for the log and the
 * path history): every connection checks its path to its gateway now.
 * The watch calls it; so can a test. */
void engine_network_changed(struct engine *eng, const char *why);

/* Datagrams the engine sends go to the hook instead of a socket, and no
 * socket is opened (tests capture what the engine sends, and from which
 * of our addresses: from may be NULL or unspecified, "any"). NULL goes
 * back to the sockets. */
typedef int (*engine_send_fn)(void *ctx, const struct sockaddr_storage *to,
			      bool natt, const uint8_t *msg, size_t len,
			      const struct sockaddr_storage *from);
void engine_set_send_hook(struct engine *eng, engine_send_fn fn, void *ctx);
/* A datagram from the gateway (without the non-ESP marker), routed to
 * the IKE SA our SPI in it names: what the sockets hand over, and a
 * test's way in. */
void engine_input(struct engine *eng, const uint8_t *msg, size_t len,
		  const struct sockaddr_storage *from, bool natt);

#endif
