/* Ticket store internals, shared with the unit tests.
 *
 * File format, version 1 (all integers big-endian):
 *
 *   header  "VTKT" | u8 version | u8 flags (0) | u16 reserved (0) |
 *           u32 body_len
 *   body    u8 len, profile name
 *           u32 expires_hi, u32 expires_lo  (seconds since the epoch)
 *           u8 gsc
 *           u16 prf, u16 encr, u16 encr_keylen, u16 integ
 *           u16 len, SK_d
 *           u16 len, ticket
 *           u8 IDi type, u16 len, IDi data
 *           u8 IDr type, u16 len, IDr data
 *           u8 flags (1 = IPv4 and 2 = IPv6 virtual address valid,
 *                     4 = the issuing gateway showed vpnd's Vendor ID),
 *           4 bytes IPv4, 16 bytes IPv6
 *           u16 len, issuing gateway
 *           u8 count, count * (u16 len, backup gateway)
 *   trailer HMAC-SHA256(store key, header | body)
 *
 * The profile name is inside the MAC so that a file renamed to another
 * profile is refused. */
#ifndef VPND_TICKET_INTERNAL_H
#define VPND_TICKET_INTERNAL_H

#include <sys/stat.h>

#include "vpnd/buf.h"
#include "vpnd/ticket.h"

#define TKF_MAGIC "VTKT"
#define TKF_VERSION 1
#define TKF_HDR_LEN 12
#define TKF_MAC_LEN 32
#define TKF_FILE_MAX 8192
#define TKF_VIP4 0x01
#define TKF_VIP6 0x02
#define TKF_GW_VPND 0x04

#define STORE_KEY_NAME "store.key"
#define STORE_KEY_LEN 32

#define TICKET_SUFFIX ".ticket"
/* Temp and claimed files end in these; no ticket file name can. */
#define TMP_SUFFIX ".tmp"
#define CLAIM_SUFFIX ".take"

struct ticket_store {
	int dfd;
	uint8_t key[STORE_KEY_LEN];
};

/* ---- codec.c ---- */
/* Field limits shared by save and load. */
int tkf_check(const struct resume_ticket *t, struct verr *e);
int tkf_mac(const uint8_t key[STORE_KEY_LEN], const uint8_t *p, size_t len,
	    uint8_t mac[TKF_MAC_LEN]);
int tkf_encode(const uint8_t key[STORE_KEY_LEN], const char *profile,
	       const struct resume_ticket *t, struct wbuf *out,
	       struct verr *e);
/* -1 with a reason if the bytes are not a sound ticket for 'profile';
 * *out is wiped then. Does not look at the expiry. */
int tkf_decode(const uint8_t key[STORE_KEY_LEN], const char *profile,
	       const uint8_t *p, size_t len, struct resume_ticket *out,
	       struct verr *e);

/* ---- fileio.c ---- */
/* name = prefix + "." + 16 random hex digits + suffix */
int random_name(char *out, size_t outlen, const char *prefix,
		const char *suffix);
int fsync_dir(int dfd, struct verr *e);
/* Writes a new 0600 file as a temp file and moves it to 'name'.
 * With replace=false an existing 'name' is kept (EEXIST). */
int write_file_atomic(int dfd, const char *name, const uint8_t *p,
		      size_t len, bool replace, struct verr *e);
/* A regular file owned by us and private (mode & 077 == 0). */
int check_private_file(const struct stat *st, const char *what,
		       struct verr *e);
/* Reads at most max bytes; -1 with a reason if the file is longer. */
int read_fd_bounded(int fd, uint8_t *buf, size_t max, size_t *len,
		    struct verr *e);
/* Unlinks 'name' only if it is still the inode *st (not a newer file). */
void unlink_if_same(int dfd, const char *name, const struct stat *st);

#endif
