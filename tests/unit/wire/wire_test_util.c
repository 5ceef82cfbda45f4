#include <ctype.h>
#include <string.h>

#include "wire_test_util.h"

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t hex2bin(const char *hex, uint8_t *out, size_t outlen)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (isspace((unsigned char)*hex) || *hex == '|')
			continue;
		v = nibble(*hex);
		if (v < 0)
			return 0;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == outlen)
			return 0;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? n : 0;
}

/* Header: SPIi 0102..08, SPIr 0, next SA, v2.0, IKE_SA_INIT, I flag,
 * MID 0, length 272. Payload data are recognisable byte ramps. */
const char golden_sa_init_hex[] =
	"0102030405060708 0000000000000000 21 20 22 08 00000000 00000110"
	/* SA: one IKE proposal, 3 transforms */
	"22 00 0028"
	"  00 00 0024 01 01 00 03"
	"    03 00 000c 01 00 0014 800e 0100" /* ENCR AES-GCM-16, 256 bits */
	"    03 00 0008 02 00 0006"           /* PRF HMAC-SHA2-384 */
	"    00 00 0008 04 00 0014"           /* DH ECP-384 */
	/* KE: group 20, 96 bytes */
	"28 00 0068 0014 0000"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	/* Ni: 32 bytes */
	"29 00 0024"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	/* N(NAT_DETECTION_SOURCE_IP) */
	"29 00 001c 00 00 4004 404142434445464748494a4b4c4d4e4f50515253"
	/* N(NAT_DETECTION_DESTINATION_IP) */
	"29 00 001c 00 00 4005 606162636465666768696a6b6c6d6e6f70717273"
	/* N(REDIRECT_SUPPORTED) */
	"00 00 0008 00 00 4016";

static void ramp(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

void build_golden_sa_init(struct wbuf *w)
{
	struct ike_hdr h = {
		.spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.version = IKE_VERSION,
		.exchange = EXCH_IKE_SA_INIT,
		.flags = IKE_FLAG_I,
	};
	static struct sa_payload sa;
	struct pl_chain c;
	uint8_t ke[96], ni[32], natd_s[20], natd_d[20];

	memset(&sa, 0, sizeof(sa));
	sa.n = 1;
	sa.p[0] = (struct ike_proposal){ .num = 1, .proto = PROTO_IKE, .n = 3 };
	sa.p[0].t[0] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_GCM_16, 256 };
	sa.p[0].t[1] = (struct ike_transform){ TRANS_PRF, PRF_HMAC_SHA2_384, 0 };
	sa.p[0].t[2] = (struct ike_transform){ TRANS_DH, DH_ECP384, 0 };
	ramp(ke, sizeof(ke), 0xa0);
	ramp(ni, sizeof(ni), 0x20);
	ramp(natd_s, sizeof(natd_s), 0x40);
	ramp(natd_d, sizeof(natd_d), 0x60);

	wb_zero(w, IKE_HDR_LEN);
	chain_init(&c, w);
	sa_build(&c, &sa);
	ke_build(&c, DH_ECP384, ke, sizeof(ke));
	chain_add(&c, PL_NONCE, ni, sizeof(ni));
	notify_build(&c, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, natd_s, 20);
	notify_build(&c, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, natd_d, 20);
	notify_build(&c, 0, NULL, 0, N_REDIRECT_SUPPORTED, NULL, 0);
	h.next = c.first;
	h.length = (uint32_t)w->len;
	if (!w->oom)
		ike_hdr_write(w->p, &h);
}

static int walk_notify_data(const struct notify_payload *n, struct verr *e)
{
	struct gw_ident gw;
	const uint8_t *p;
	size_t plen;
	uint16_t algs[SIGHASH_MAX];
	uint32_t lt;
	uint16_t g;
	struct gw_ident gws[8];

	switch (n->type) {
	case N_REDIRECT:
		return notify_redirect_parse(n->data, n->len, &gw, &p, &plen, e);
	case N_REDIRECTED_FROM:
		return notify_redirected_from_parse(n->data, n->len, &gw, e);
	case N_NAT_DETECTION_SOURCE_IP:
	case N_NAT_DETECTION_DESTINATION_IP:
		return notify_natd_parse(n->data, n->len, e);
	case N_COOKIE:
		return notify_cookie_parse(n->data, n->len, e);
	case N_INVALID_KE_PAYLOAD:
		return notify_invalid_ke_parse(n->data, n->len, &g, e);
	case N_SIGNATURE_HASH_ALGORITHMS:
		return notify_sighash_parse(n->data, n->len, algs, &plen, e);
	case N_TICKET_LT_OPAQUE:
		return notify_ticket_lt_parse(n->data, n->len, &lt, &p, &plen, e);
	case N_VPND_ALT_GW_LIST:
		return notify_alt_gw_list_parse(n->data, n->len, gws, 8, &plen,
						e);
	default:
		return 0;
	}
}

/* Big parse results live in static storage: the harness runs
 * single-threaded and small stacks (fuzzers) dislike 20 KiB frames. */
static int walk_payload(const struct ike_payload *pl, struct verr *e)
{
	static struct sa_payload sa;
	static struct ts_payload ts;
	static struct cp_payload cp;
	union {
		struct ke_payload ke;
		struct id_payload id;
		struct cert_payload cert;
		struct auth_payload auth;
		struct notify_payload n;
		struct delete_payload d;
		struct eap_payload eap;
		struct skf_payload skf;
	} u;

	switch (pl->type) {
	case PL_SA: return sa_parse(pl->body, pl->len, &sa, e);
	case PL_KE: return ke_parse(pl->body, pl->len, &u.ke, e);
	case PL_IDI:
	case PL_IDR: return id_parse(pl->body, pl->len, &u.id, e);
	case PL_CERT:
	case PL_CERTREQ: return cert_parse(pl->body, pl->len, &u.cert, e);
	case PL_AUTH: return auth_parse(pl->body, pl->len, &u.auth, e);
	case PL_NONCE: return nonce_parse(pl->body, pl->len, e);
	case PL_NOTIFY:
		if (notify_parse(pl->body, pl->len, &u.n, e) < 0)
			return -1;
		return walk_notify_data(&u.n, e);
	case PL_DELETE: return delete_parse(pl->body, pl->len, &u.d, e);
	case PL_TSI:
	case PL_TSR: return ts_parse(pl->body, pl->len, &ts, e);
	case PL_CP: return cp_parse(pl->body, pl->len, &cp, e);
	case PL_EAP: return eap_parse(pl->body, pl->len, &u.eap, e);
	case PL_SKF: return skf_parse(pl->body, pl->len, &u.skf, e);
	default: return 0;
	}
}

int walk_chain(uint8_t first, const uint8_t *b, size_t len, struct verr *e)
{
	static struct payload_list l;

	if (payload_chain_parse(first, b, len, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (walk_payload(&l.pl[i], e) < 0)
			return -1;
	if (payload_unknown_critical(&l)) {
		verr_set(e, "unknown critical payload");
		return -1;
	}
	return 0;
}

int walk_message(const uint8_t *b, size_t len, struct verr *e)
{
	struct ike_hdr h;

	if (ike_hdr_parse(b, len, &h, e) < 0)
		return -1;
	return walk_chain(h.next, b + IKE_HDR_LEN, len - IKE_HDR_LEN, e);
}
