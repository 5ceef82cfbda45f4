/* Client side of RFC 5723 session resumption: the tickets a gateway gave
 * us, kept on disk (one file per profile) so that they survive a daemon
 * restart, a reboot or a suspend. A ticket is single-use: ticket_take
 * removes it from disk before handing it out. */
#ifndef VPND_TICKET_H
#define VPND_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vpnd/buf.h"

#define TICKET_MAX_LEN 2048      /* opaque bytes of N(TICKET_LT_OPAQUE) */
#define TICKET_SKD_MAX 64        /* SK_d: up to prf_len(PRF_HMAC_SHA2_512) */
#define TICKET_ID_MAX 512        /* IDi/IDr data (a DER DN can be long) */
#define TICKET_STR_MAX 256       /* gateway address or host name, + NUL */
#define TICKET_PROFILE_MAX 64    /* [A-Za-z0-9._-]{1,63} + NUL */
#define TICKET_MAX_BACKUPS 8
#define TICKET_GSC_MAX 15        /* 4-bit Gateway Switch Count */
/* A gateway may announce any lifetime; we keep a ticket at most this long
 * (RFC 5723 6.2: no longer than the IKE SA it stands for anyway). */
#define TICKET_LIFETIME_MAX (24 * 3600)

struct ticket_id {
	uint8_t type;            /* enum ike_id_type */
	uint8_t data[TICKET_ID_MAX];
	size_t len;
};

struct resume_ticket {
	char profile[TICKET_PROFILE_MAX]; /* set by ticket_take; "" or equal
					     to the profile on save */
	uint8_t ticket[TICKET_MAX_LEN];   /* opaque, sent in N(TICKET_OPAQUE) */
	size_t ticket_len;
	time_t expires;                   /* wall clock: see ticket_expiry */
	uint8_t gsc;                      /* 0..TICKET_GSC_MAX */

	/* what IKE_SESSION_RESUME needs: SKEYSEED = prf(SK_d, ...) */
	uint16_t prf;
	uint16_t encr;
	uint16_t encr_keylen;             /* bits; 0 for fixed-size ciphers */
	uint16_t integ;                   /* INTEG_NONE with AEAD */
	uint8_t sk_d[TICKET_SKD_MAX];     /* secret */
	size_t sk_d_len;
	struct ticket_id idi, idr;

	/* virtual addresses last assigned, to ask for them again */
	bool has_vip4;
	uint8_t vip4[4];
	bool has_vip6;
	uint8_t vip6[16];

	char gateway[TICKET_STR_MAX];     /* the gateway that issued it */
	bool gw_vpnd;                     /* ... showed vpnd's Vendor ID */
	size_t n_backups;                 /* gateways it announced */
	char backups[TICKET_MAX_BACKUPS][TICKET_STR_MAX];
};

/* What `vpnctl status` may show: nothing secret. */
struct ticket_info {
	time_t expires;
	uint8_t gsc;
	char gateway[TICKET_STR_MAX];
	size_t n_backups;
};

enum ticket_status {
	TICKET_ERROR = -1,   /* I/O or argument error; reason in *e */
	TICKET_OK = 0,
	TICKET_NONE = 1,     /* no ticket stored for this profile */
	TICKET_EXPIRED = 2,  /* was stored but expired; now deleted */
	TICKET_REJECTED = 3, /* corrupt, tampered or unsafe file; now deleted */
};

const char *ticket_status_name(enum ticket_status s);

struct ticket_store;

/* Opens (creating it 0700 if missing) the ticket directory. Refuses a
 * directory that is group/world-writable, owned by another user or a
 * symlink. Creates the store's MAC key "<dir>/store.key" (0600) on first
 * use and removes temp files left over by a crash. */
struct ticket_store *ticket_store_open(const char *dir, struct verr *e);
void ticket_store_close(struct ticket_store *s);

/* Profile names are [A-Za-z0-9._-]{1,63}: they become file names. */
bool ticket_profile_name_ok(const char *name);

/* Absolute expiry for a ticket received at 'now' with the relative
 * lifetime of N(TICKET_LT_OPAQUE), capped at TICKET_LIFETIME_MAX. */
time_t ticket_expiry(time_t now, uint32_t lifetime);

/* Stores t as the ticket of 'profile' (replacing any older one),
 * atomically and durably. 0 or -1 with a reason. */
int ticket_save(struct ticket_store *s, const char *profile,
		const struct resume_ticket *t, struct verr *e);

/* Loads the ticket of 'profile' and deletes it from disk in the same
 * step: TICKET_OK only once the deletion is durable, so that a ticket is
 * never used twice. Expired or bad files are deleted too. On anything
 * but TICKET_OK, *out is wiped. now: time(NULL), the wall clock. */
enum ticket_status ticket_take(struct ticket_store *s, const char *profile,
			       time_t now, struct resume_ticket *out,
			       struct verr *e);

/* Forgets the ticket of 'profile' (after TICKET_NACK, a redirect or a
 * failed resume). 0 also when there was none; -1 on error. */
int ticket_drop(struct ticket_store *s, const char *profile);

/* Reads the ticket's public facts without consuming it. An expired or
 * bad file is deleted (and reported as such), as ticket_take would. */
enum ticket_status ticket_peek(struct ticket_store *s, const char *profile,
			       time_t now, struct ticket_info *info);

/* Wipes the whole ticket, SK_d and the ticket bytes included. */
void ticket_wipe(struct resume_ticket *t);

#endif
