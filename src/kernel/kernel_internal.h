/* Shared between the files of the kernel (XFRM netlink) module. */
#ifndef VPND_KERNEL_INTERNAL_H
#define VPND_KERNEL_INTERNAL_H

#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "vpnd/kernel.h"
#include "vpnd/nlchan.h"

/* Large enough for the kernel's dump batches (it sizes them to what the
 * reader accepts, up to 32 KiB). */
#define KERNEL_RX_SIZE 32768
#define KERNEL_TX_SIZE 4096

struct kernel {
	struct nl_chan ch;
	/* 8-aligned: XFRM structs hold 64-bit counters. */
	uint8_t tx[KERNEL_TX_SIZE] __attribute__((aligned(8)));
	uint8_t rx[KERNEL_RX_SIZE] __attribute__((aligned(8)));
};

/* Starts a request in k->tx with a fresh sequence number. */
struct nlmsghdr *knl_start(struct kernel *k, uint16_t type, uint16_t flags);
/* Sends the request in k->tx and runs cb (may be NULL) on each reply
 * until the ACK/DONE. Wipes k->tx afterwards: it may hold keys. On error
 * returns -1 with errno set and k->ch.err/k->ch.ext_msg filled. */
int knl_talk(struct kernel *k, mnl_cb_t cb, void *ctx);
/* Fills e with "<what>: <strerror>[ (<hint>)][ [kernel: <extack>]]". */
void knl_fail(struct kernel *k, struct verr *e, const char *what,
	      const char *hint);

void kaddr_to_xfrm(const struct kernel_addr *a, xfrm_address_t *x);
void kaddr_from_xfrm(int family, const xfrm_address_t *x,
		     struct kernel_addr *a);
void ksel_to_xfrm(const struct kernel_selector *s, struct xfrm_selector *x);
void ksel_from_xfrm(const struct xfrm_selector *x, struct kernel_selector *s);
/* "10.0.0.0/24->10.1.0.0/24" (with proto/ports when set). */
const char *ksel_str(const struct kernel_selector *s, char *out,
		     size_t outlen);
void klifetime_to_xfrm(const struct kernel_lifetime *l,
		       struct xfrm_lifetime_cfg *x);



/* Appends a zeroed attribute of 'len' payload bytes; NULL if k->tx is
 * full. */
void *knl_put(struct nlmsghdr *nlh, uint16_t type, size_t len);
void knl_put_mark(struct nlmsghdr *nlh, const struct kernel_mark *m);
/* XFRMA_IF_ID, unless 0 (no XFRM interface). */
void knl_put_if_id(struct nlmsghdr *nlh, uint32_t if_id);
/* Copies the fixed header of a message's payload: messages after the
 * first of a batch are only 4-aligned. False if the payload is short. */
bool knl_payload(const struct nlmsghdr *nlh, void *dst, size_t len);
const char *kproto_name(uint8_t proto, char *out, size_t outlen);
#endif
