/* The methods' side of the EAP peer: each method is one file defining
 * one struct eap_method, found by type in eap.c's table. */
#ifndef VPND_EAP_INT_H
#define VPND_EAP_INT_H

#include "vpnd/eap.h"

enum method_rc {
	METHOD_REPLY,   /* reply holds the Type-Data of our Response */
	METHOD_DONE,    /* reply holds the last Response (it may be empty
			   Type-Data); the gateway is authenticated and the
			   MSK is ready: an EAP-Success may follow */
	METHOD_VERIFIED, /* as METHOD_DONE, but the gateway may still send
			   Requests of the method before its EAP-Success:
			   with TLS 1.3 the gateway is authenticated at our
			   Finished, and its protected success indication
			   (RFC 9190 2.5) may follow or not (strongSwan
			   before 5.9.10 sends EAP-Success at once) */
	METHOD_FAILED,  /* e says why */
};

struct eap_method {
	uint8_t type;
	const char *name;
	/* Authenticates the gateway as well as us (RFC 5998 4). */
	bool mutual;
	/* Makes the method's state for one conversation. */
	void *(*init)(const struct eap_peer_cfg *cfg, struct verr *e);
	/* One Request of this type: its Type-Data (after the type byte).
	 * reply gets the Type-Data of our Response; eap.c adds the EAP
	 * header with the Request's identifier. */
	enum method_rc (*process)(void *st, const uint8_t *data, size_t len,
				  struct wbuf *reply, struct verr *e);
	/* When the EAP-Success came after METHOD_DONE or METHOD_VERIFIED:
	 * the MSK into msk (secure heap), or leaves it
	 * empty for a method without one. 0 or -1. */
	int (*msk)(void *st, struct chunk *msk, struct verr *e);
	/* Frees the state, wiping every secret. */
	void (*free)(void *st);
};

extern const struct eap_method eap_mschapv2_method;
extern const struct eap_method eap_tls_method;

#endif
