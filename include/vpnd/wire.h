/* IKEv2 wire codec: one parser and one builder per wire structure.
 * Parsers take (pointer, length) of exactly the structure's bytes, check
 * every length against what is really there, and return 0 on success or
 * -1 with a reason in *e. Parsed structures point into the caller's
 * buffer (no copies), so they live as long as that buffer. */
#ifndef VPND_WIRE_H
#define VPND_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"
#include "vpnd/ike_const.h"

/* ---- IKE header (RFC 7296 3.1) ---- */
struct ike_hdr {
	uint8_t spi_i[8];
	uint8_t spi_r[8];
	uint8_t next;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length;
};

/* Checks version 2.x, length field == len (a datagram holds exactly one
 * message), length >= 28. */
int ike_hdr_parse(const uint8_t *b, size_t len, struct ike_hdr *h,
		  struct verr *e);
void ike_hdr_write(uint8_t out[IKE_HDR_LEN], const struct ike_hdr *h);

/* ---- generic payload chain (RFC 7296 3.2) ---- */
#define IKE_MAX_PAYLOADS 48

struct ike_payload {
	uint8_t type;
	uint8_t next;      /* for SK/SKF: type of the first inner payload */
	bool critical;
	size_t offset;     /* of the generic header within the parsed area */
	const uint8_t *body; /* after the 4-byte generic header */
	size_t len;          /* body length */
};

struct payload_list {
	struct ike_payload pl[IKE_MAX_PAYLOADS];
	size_t n;
};

/* Walks the chain that starts with payload type 'first'. An SK or SKF
 * payload must be the last one (its next field names the inner chain).
 * More than IKE_MAX_PAYLOADS payloads, a length < 4 or past the end, or
 * trailing bytes after the last payload are errors. Unknown payload types
 * are kept in the list (the caller decides about critical ones). */
int payload_chain_parse(uint8_t first, const uint8_t *b, size_t len,
			struct payload_list *out, struct verr *e);
/* First payload of a type, or NULL. */
const struct ike_payload *payload_find(const struct payload_list *l,
				       uint8_t type);
/* First unknown payload with the critical bit set, or NULL. */
const struct ike_payload *payload_unknown_critical(const struct payload_list *l);
bool payload_type_known(uint8_t type);

/* Builder: appends payloads to a wbuf and links each one's next-payload
 * field to the following payload. */
struct pl_chain {
	struct wbuf *wb;
	size_t start;    /* wb->len when the chain began */
	size_t prev_hdr; /* offset of the previous payload header */
	uint8_t first;   /* type of the first payload, PL_NONE if empty */
	bool any;
};

void chain_init(struct pl_chain *c, struct wbuf *wb);
/* Writes a generic header and returns its offset, to pass to chain_end. */
size_t chain_begin(struct pl_chain *c, uint8_t type, bool critical);
/* Patches the payload length once its body is written. */
void chain_end(struct pl_chain *c, size_t hdr_off);
/* A whole payload at once. */
void chain_add(struct pl_chain *c, uint8_t type, const void *body, size_t len);

/* ---- SA (3.3) ---- */
#define SA_MAX_PROPOSALS 16
#define SA_MAX_TRANSFORMS 48

struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen; /* bits, 0 when there is no key length attribute */
};

struct ike_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[8];
	size_t n;
	struct ike_transform t[SA_MAX_TRANSFORMS];
};

struct sa_payload {
	size_t n;
	struct ike_proposal p[SA_MAX_PROPOSALS];
};

/* Rejects: proposal numbering not starting at 1 and increasing by one,
 * last/more flags inconsistent with the count, SPI sizes other than 0, 4
 * or 8, transform counts that lie, attributes in TLV form other than
 * skipped unknown ones, lengths that overrun. Unknown transform types and
 * attributes are kept/skipped as RFC 7296 asks. */
int sa_parse(const uint8_t *b, size_t len, struct sa_payload *out,
	     struct verr *e);
void sa_build(struct pl_chain *c, const struct sa_payload *sa);

/* ---- KE (3.4) ---- */
struct ke_payload {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};
int ke_parse(const uint8_t *b, size_t len, struct ke_payload *out,
	     struct verr *e);
void ke_build(struct pl_chain *c, uint16_t group, const uint8_t *data,
	      size_t len);

/* ---- Nonce (3.9): 16..256 bytes ---- */
int nonce_parse(const uint8_t *b, size_t len, struct verr *e);

/* ---- ID (3.5) ---- */
struct id_payload {
	uint8_t type;
	const uint8_t *data;
	size_t len;
};
int id_parse(const uint8_t *b, size_t len, struct id_payload *out,
	     struct verr *e);
void id_build(struct pl_chain *c, uint8_t pl_type, uint8_t id_type,
	      const uint8_t *data, size_t len);

/* ---- CERT (3.6) and CERTREQ (3.7) ---- */
struct cert_payload {
	uint8_t encoding;
	const uint8_t *data;
	size_t len;
};
int cert_parse(const uint8_t *b, size_t len, struct cert_payload *out,
	       struct verr *e);
void cert_build(struct pl_chain *c, uint8_t pl_type, uint8_t encoding,
		const uint8_t *data, size_t len);

/* ---- AUTH (3.8) ---- */
struct auth_payload {
	uint8_t method;
	const uint8_t *data;
	size_t len;
};
int auth_parse(const uint8_t *b, size_t len, struct auth_payload *out,
	       struct verr *e);
void auth_build(struct pl_chain *c, uint8_t method, const uint8_t *data,
		size_t len);

/* ---- Notify (3.10) ---- */
struct notify_payload {
	uint8_t proto;
	uint8_t spi_size;
	const uint8_t *spi;
	uint16_t type;
	const uint8_t *data;
	size_t len;
};
int notify_parse(const uint8_t *b, size_t len, struct notify_payload *out,
		 struct verr *e);
void notify_build(struct pl_chain *c, uint8_t proto, const uint8_t *spi,
		  uint8_t spi_size, uint16_t type, const uint8_t *data,
		  size_t len);

/* ---- Delete (3.11) ---- */
struct delete_payload {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t num_spi;
	const uint8_t *spis; /* num_spi * spi_size bytes */
};
int delete_parse(const uint8_t *b, size_t len, struct delete_payload *out,
		 struct verr *e);
void delete_build(struct pl_chain *c, uint8_t proto, uint8_t spi_size,
		  uint16_t num_spi, const uint8_t *spis);

/* ---- Vendor ID (3.12): opaque, any length ---- */

/* ---- Traffic selectors (3.13) ---- */
#define TS_MAX 16
struct ts_entry {
	uint8_t type;      /* TS_IPV4_ADDR_RANGE or TS_IPV6_ADDR_RANGE */
	uint8_t ip_proto;  /* 0 = any */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16]; /* 4 bytes used for IPv4 */
	uint8_t end[16];
};
struct ts_payload {
	size_t n;
	struct ts_entry ts[TS_MAX];
};
int ts_parse(const uint8_t *b, size_t len, struct ts_payload *out,
	     struct verr *e);
void ts_build(struct pl_chain *c, uint8_t pl_type, const struct ts_payload *ts);

/* ---- CP (3.15) ---- */
#define CP_MAX_ATTRS 32
struct cp_attr {
	uint16_t type; /* without the R bit */
	const uint8_t *val;
	uint16_t len;
};
struct cp_payload {
	uint8_t cfg_type;
	size_t n;
	struct cp_attr a[CP_MAX_ATTRS];
};
int cp_parse(const uint8_t *b, size_t len, struct cp_payload *out,
	     struct verr *e);
void cp_build(struct pl_chain *c, const struct cp_payload *cp);

/* ---- EAP (3.16) ---- */
struct eap_payload {
	uint8_t code;
	uint8_t ident;
	uint16_t length;
	uint8_t type; /* 0 for Success/Failure, which carry no type */
	const uint8_t *data;
	size_t len;
};
int eap_parse(const uint8_t *b, size_t len, struct eap_payload *out,
	      struct verr *e);

/* ---- SKF, the Encrypted Fragment payload (RFC 7383 2.5) ---- */
/* Generic header (4) | Fragment Number (2) | Total Fragments (2): what a
 * fragment's ICV covers after the IKE header. */
#define SKF_HDR_LEN 8

struct skf_payload {
	uint16_t frag_num;
	uint16_t total;
	const uint8_t *data; /* IV | ciphertext | ICV */
	size_t len;
};
/* b is the body after the generic header. Fragment number 0, a number
 * above the total (so also a total of 0) and an empty IV/ciphertext/ICV
 * are errors. */
int skf_parse(const uint8_t *b, size_t len, struct skf_payload *out,
	      struct verr *e);
/* The fixed part of an SKF payload of data_len bytes of IV, ciphertext
 * and ICV; next is the first inner payload's type in fragment 1 and 0 in
 * the others (the caller's choice: RFC 7383 2.5). Returns -1 when the
 * payload would not fit its 16-bit length. */
int skf_header_write(uint8_t out[SKF_HDR_LEN], uint8_t next,
		     uint16_t frag_num, uint16_t total, size_t data_len);
/* Appends a whole SKF payload (header, then data) to w; too long a
 * payload marks w out of memory, as every builder's failure does. */
void skf_build(struct wbuf *w, uint8_t next, uint16_t frag_num,
	       uint16_t total, const uint8_t *data, size_t len);

/* ---- Vendor ID (3.12) ---- */
/* Whether one of the list's V payloads is exactly vid (len bytes). The
 * builder is chain_add(c, PL_VENDOR, vid, len). */
bool vendor_id_present(const struct payload_list *pl, const uint8_t *vid,
		       size_t len);

/* ---- notify data (RFC 5685, 5723, 7296, 7427) ---- */
struct gw_ident {
	uint8_t type; /* GW_IPV4, GW_IPV6, GW_FQDN */
	uint8_t len;
	uint8_t data[255];
};
/* REDIRECT: GW ident plus optional nonce data (IKE_SA_INIT only). A
 * malformed identity (wrong length for its type, FQDN with NUL or
 * non-printable bytes) is an error. */
int notify_redirect_parse(const uint8_t *b, size_t len, struct gw_ident *gw,
			  const uint8_t **nonce, size_t *nonce_len,
			  struct verr *e);
/* REDIRECTED_FROM: GW ident only, no trailing bytes. */
int notify_redirected_from_parse(const uint8_t *b, size_t len,
				 struct gw_ident *gw, struct verr *e);
void gw_ident_build(struct wbuf *w, const struct gw_ident *gw);
/* "192.0.2.1", "2001:db8::1", "gw.example.org" */
const char *gw_ident_str(const struct gw_ident *gw, char *out, size_t outlen);

int notify_natd_parse(const uint8_t *b, size_t len, struct verr *e); /* 20 bytes */
int notify_cookie_parse(const uint8_t *b, size_t len, struct verr *e); /* 1..64 */
int notify_invalid_ke_parse(const uint8_t *b, size_t len, uint16_t *group,
			    struct verr *e);
#define SIGHASH_MAX 16
int notify_sighash_parse(const uint8_t *b, size_t len, uint16_t *algs,
			 size_t *n, struct verr *e);
/* N(VPND_ALT_GW_LIST): at most max GW identities back to back; each is
 * checked as in REDIRECT. */
int notify_alt_gw_list_parse(const uint8_t *b, size_t len,
			     struct gw_ident *gws, size_t max, size_t *n,
			     struct verr *e);
int notify_ticket_lt_parse(const uint8_t *b, size_t len, uint32_t *lifetime,
			   const uint8_t **ticket, size_t *ticket_len,
			   struct verr *e);

#endif
