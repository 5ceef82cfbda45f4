/* Kernel IPsec (XFRM) through netlink: SPIs, SAs, policies, events.
 *
 * Every function returns 0 on success or -1 with errno set (the kernel's
 * errno when the kernel refused) and a reason in struct verr that names
 * the SA or policy concerned. Numbers in these structs are host order. */
#ifndef VPND_KERNEL_H
#define VPND_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"

struct kernel;

struct kernel_addr {
	int family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16];	/* IPv4 uses the first 4 bytes */
};

/* Traffic selector as the kernel knows it: prefixes and single ports. */
struct kernel_selector {
	struct kernel_addr src, dst;	/* family 0 = empty selector */
	uint8_t src_prefix, dst_prefix;
	uint8_t proto;			/* IP protocol, 0 = any */
	uint16_t sport, dport;		/* 0 = any */
};

/* 0 = no limit (the kernel's "infinite"). */
struct kernel_lifetime {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_secs, hard_secs;
};

/* mask 0 = no mark. */
struct kernel_mark {
	uint32_t value, mask;
};

/* A kernel algorithm and the key it needs, from kernel_alg_encr/integ. */
struct kernel_alg {
	const char *name;	/* kernel crypto name, e.g. "rfc4106(gcm(aes))" */
	uint16_t key_bits;	/* key without salt */
	uint8_t salt_bytes;	/* appended to the key (AEAD, CTR) */
	uint16_t icv_bits;	/* AEAD: ICV length; integrity: truncation */
	bool aead;
};

/* The kernel algorithm for an IKE ENCR transform; key_bits is the key
 * length attribute (0 if absent). NULL if the kernel has no mapping. The
 * IKE engine takes key_bits/8 + salt_bytes of KEYMAT for it. */
const struct kernel_alg *kernel_alg_encr(uint16_t encr_id, uint16_t key_bits);
/* The kernel algorithm for an IKE INTEG transform, NULL if unknown. */
const struct kernel_alg *kernel_alg_integ(uint16_t integ_id);

struct kernel_sa {
	struct kernel_addr src, dst;	/* tunnel endpoints */
	uint32_t spi;
	uint32_t reqid;
	bool inbound;
	/* Inbound SPI from kernel_alloc_spi: the SA replaces the larval
	 * state (UPDSA), or is added anew if that already expired. */
	bool spi_allocated;
	const struct kernel_alg *encr;	/* AEAD or cipher */
	const uint8_t *encr_key;	/* key then salt */
	size_t encr_key_len;
	const struct kernel_alg *integ;	/* NULL with AEAD */
	const uint8_t *integ_key;
	size_t integ_key_len;
	bool encap;			/* ESP in UDP (NAT-T) */
	uint16_t encap_sport, encap_dport;
	bool esn;
	uint32_t replay_window;		/* packets; 0 for outbound SAs */
	struct kernel_selector sel;	/* may be empty */
	struct kernel_lifetime life;
	struct kernel_mark mark;
	/* The XFRM interface the SA belongs to (XFRMA_IF_ID); 0 = none. */
	uint32_t if_id;
};

enum kernel_dir {
	KERNEL_DIR_IN = 0,	/* XFRM_POLICY_IN */
	KERNEL_DIR_OUT = 1,
	KERNEL_DIR_FWD = 2,
};

struct kernel_policy {
	enum kernel_dir dir;
	struct kernel_selector sel;
	struct kernel_addr tmpl_src, tmpl_dst;	/* tunnel endpoints */
	uint32_t reqid;
	uint32_t priority;	/* lower wins */
	struct kernel_mark mark;
	/* XFRMA_IF_ID, 0 = none: such a policy applies only to traffic
	 * through the XFRM interface with that if_id. Part of the policy's
	 * identity, so deletes and moves (kernel_migrate) give it too. */
	uint32_t if_id;
	/* Replace an identical policy in one step (UPDPOLICY), so that a
	 * new SA takes over the traffic without a moment in the clear. */
	bool replace;
	uint32_t index;		/* filled by kernel_list_policies only */
	bool has_tmpl;		/* filled by kernel_list_policies only */
};

struct kernel *kernel_open(struct verr *e);
void kernel_close(struct kernel *k);

/* Reserves an inbound SPI in 0xc0000000..0xcfffffff. The kernel holds it
 * in a larval state (even without ESP support) that it drops after
 * net.core.xfrm_acq_expires seconds (30 by default), with a hard EXPIRE
 * event for the SPI, unless kernel_add_sa fills it in first. An unused
 * SPI can be released with kernel_del_sa. */
int kernel_alloc_spi(struct kernel *k, const struct kernel_addr *src,
		     const struct kernel_addr *dst, uint8_t proto,
		     uint32_t reqid, uint32_t *spi, struct verr *e);
/* Keys are wiped from the netlink buffers once sent. */
int kernel_add_sa(struct kernel *k, const struct kernel_sa *sa,
		  struct verr *e);
int kernel_del_sa(struct kernel *k, const struct kernel_addr *dst,
		  uint32_t spi, uint8_t proto, const struct kernel_mark *mark,
		  struct verr *e);

int kernel_add_policy(struct kernel *k, const struct kernel_policy *p,
		      struct verr *e);
/* Matches on dir, selector, mark and if_id (not on priority or reqid). */
int kernel_del_policy(struct kernel *k, const struct kernel_policy *p,
		      struct verr *e);

/* A move of tunnel endpoints (MOBIKE, RFC 4555): the policy's template
 * and the SAs it names go from old_* to new_*, keeping their keys,
 * sequence numbers and replay state (XFRM_MSG_MIGRATE). src and dst are
 * as the policy's template has them: for an outbound policy ours and
 * the peer's, for in and fwd the other way round. */
struct kernel_move {
	struct kernel_addr old_src, old_dst, new_src, new_dst;
	uint32_t reqid;
	bool encap;                     /* ESP in UDP after the move */
	uint16_t encap_sport, encap_dport; /* ... as the SAs send it */
};
int kernel_migrate(struct kernel *k, const struct kernel_policy *p,
		   const struct kernel_move *m, struct verr *e);

/* Called once per policy; a non-zero return stops the walk. */
typedef int (*kernel_policy_cb)(const struct kernel_policy *p, void *ctx);
int kernel_list_policies(struct kernel *k, kernel_policy_cb cb, void *ctx,
			 struct verr *e);

/* An SA as a dump shows it: identity, owner and use so far. */
struct kernel_sa_info {
	struct kernel_addr src, dst;
	uint32_t spi;
	uint8_t proto;
	uint32_t reqid;
	uint64_t bytes, packets;
};

/* Called once per SA (larval ones included); non-zero stops the walk. */
typedef int (*kernel_sa_cb)(const struct kernel_sa_info *sa, void *ctx);
int kernel_list_sas(struct kernel *k, kernel_sa_cb cb, void *ctx,
		    struct verr *e);

/* Lets IKE traffic of this socket bypass every IPsec policy, so that the
 * IKE SA is never tunnelled through its own Child SAs. */
int kernel_socket_bypass(int fd, int family, struct verr *e);

/* Events from the kernel. */
enum kernel_event_type {
	KERNEL_EV_ACQUIRE = 1,	/* traffic hit a policy without SA */
	KERNEL_EV_EXPIRE,	/* SA lifetime reached (soft: rekey) */
	KERNEL_EV_MAPPING,	/* NAT mapping of an ESP-in-UDP SA moved */
	KERNEL_EV_POLEXPIRE,	/* policy lifetime reached */
};

struct kernel_event {
	enum kernel_event_type type;
	uint32_t spi;		/* EXPIRE, MAPPING; 0 for ACQUIRE */
	uint8_t proto;
	uint32_t reqid;
	struct kernel_addr src, dst;	/* SA endpoints / ACQUIRE tmpl */
	bool hard;		/* EXPIRE, POLEXPIRE */
	struct kernel_selector sel;	/* ACQUIRE, POLEXPIRE */
	uint32_t policy_index;	/* ACQUIRE, POLEXPIRE */
	enum kernel_dir dir;	/* ACQUIRE, POLEXPIRE */
	struct kernel_addr new_src;	/* MAPPING */
	uint16_t old_sport, new_sport;	/* MAPPING */
};

typedef void (*kernel_event_cb)(const struct kernel_event *ev, void *ctx);

struct kernel_monitor;

/* Subscribed to ACQUIRE, EXPIRE (incl. policy expiry) and MAPPING. */
struct kernel_monitor *kernel_monitor_open(struct verr *e);
/* Non-blocking; for the event loop. */
int kernel_monitor_fd(const struct kernel_monitor *m);
/* Reads all that is queued and calls cb per event. -1 with errno ENOBUFS
 * means the kernel dropped events (the caller should resynchronise);
 * -1 with EBADMSG that an event was malformed (the others were still
 * delivered). */
int kernel_monitor_read(struct kernel_monitor *m, kernel_event_cb cb,
			void *ctx, struct verr *e);
void kernel_monitor_close(struct kernel_monitor *m);
/* Decodes a buffer of netlink messages as received from the kernel.
 * Messages that are not events are logged at debug level. */
int kernel_events_decode(const void *buf, size_t len, kernel_event_cb cb,
			 void *ctx, struct verr *e);

/* "192.0.2.1" / "2001:db8::1"; returns false if not an address. */
bool kernel_addr_parse(const char *s, struct kernel_addr *a);
/* Printable form, "?" for an unset address. */
const char *kernel_addr_str(const struct kernel_addr *a, char *out,
			    size_t outlen);

#endif
