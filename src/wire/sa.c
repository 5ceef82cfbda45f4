/* SA payload (RFC 7296 3.3): proposals, transforms, attributes. */
#include <string.h>

#include "wire_int.h"

#define PROP_HDR_LEN 8
#define TRANS_HDR_LEN 8
#define PROP_LAST 0
#define PROP_MORE 2
#define TRANS_LAST 0
#define TRANS_MORE 3

/* Only Key Length is defined; unknown attributes are skipped as the RFC
 * asks, but a Key Length must be in TV form and appear once. */
static int parse_attrs(struct rbuf *r, struct ike_transform *t,
		       size_t pn, size_t tn, struct verr *e)
{
	bool have_keylen = false;

	while (rb_left(r)) {
		uint16_t af_type, val;
		uint16_t type;

		if (!rb_u16(r, &af_type) || !rb_u16(r, &val)) {
			verr_set(e, "proposal %zu transform %zu: attribute header cut short",
				 pn, tn);
			return -1;
		}
		type = af_type & (uint16_t)~TRANS_ATTR_TV;
		if (!(af_type & TRANS_ATTR_TV)) {
			if (type == TRANS_ATTR_KEYLEN) {
				verr_set(e, "proposal %zu transform %zu: key length attribute in TLV form",
					 pn, tn);
				return -1;
			}
			if (!rb_skip(r, val)) {
				verr_set(e, "proposal %zu transform %zu: attribute %u length %u exceeds the %zu bytes left",
					 pn, tn, type, val, rb_left(r));
				return -1;
			}
			continue;
		}
		if (type != TRANS_ATTR_KEYLEN)
			continue;
		if (have_keylen || val == 0) {
			verr_set(e, "proposal %zu transform %zu: %s key length attribute",
				 pn, tn, have_keylen ? "duplicate" : "zero");
			return -1;
		}
		have_keylen = true;
		t->keylen = val;
	}
	return 0;
}

static int parse_transform(struct rbuf *r, bool last_expected,
			   struct ike_transform *t, size_t pn, size_t tn,
			   struct verr *e)
{
	uint8_t flag, rsv, type, rsv2;
	uint16_t tlen, id;
	const uint8_t *body;
	struct rbuf ar;
	size_t left = rb_left(r);

	if (left < TRANS_HDR_LEN) {
		verr_set(e, "proposal %zu transform %zu: header needs 8 bytes, %zu left",
			 pn, tn, left);
		return -1;
	}
	rb_u8(r, &flag);
	rb_u8(r, &rsv);
	rb_u16(r, &tlen);
	rb_u8(r, &type);
	rb_u8(r, &rsv2);
	rb_u16(r, &id);
	if (flag != (last_expected ? TRANS_LAST : TRANS_MORE)) {
		verr_set(e, "proposal %zu transform %zu: last/more flag %u, expected %u",
			 pn, tn, flag, last_expected ? TRANS_LAST : TRANS_MORE);
		return -1;
	}
	if (tlen < TRANS_HDR_LEN || tlen > left) {
		verr_set(e, "proposal %zu transform %zu: length %u outside 8..%zu",
			 pn, tn, tlen, left);
		return -1;
	}
	rb_ptr(r, tlen - TRANS_HDR_LEN, &body);
	t->type = type;
	t->id = id;
	t->keylen = 0;
	rb_init(&ar, body, tlen - TRANS_HDR_LEN);
	return parse_attrs(&ar, t, pn, tn, e);
}

struct prop_hdr {
	uint8_t flag;
	uint16_t len;
	uint8_t ntrans;
};

static int parse_prop_hdr(struct rbuf *r, struct ike_proposal *p,
			  struct prop_hdr *ph, size_t pn, struct verr *e)
{
	uint8_t rsv;
	size_t left = rb_left(r);

	if (left < PROP_HDR_LEN) {
		verr_set(e, "proposal %zu: header needs 8 bytes, %zu left",
			 pn, left);
		return -1;
	}
	rb_u8(r, &ph->flag);
	rb_u8(r, &rsv);
	rb_u16(r, &ph->len);
	rb_u8(r, &p->num);
	rb_u8(r, &p->proto);
	rb_u8(r, &p->spi_size);
	rb_u8(r, &ph->ntrans);
	if (ph->flag != PROP_LAST && ph->flag != PROP_MORE) {
		verr_set(e, "proposal %zu: last/more flag %u is neither 0 nor 2",
			 pn, ph->flag);
		return -1;
	}
	if (ph->len < PROP_HDR_LEN || ph->len > left) {
		verr_set(e, "proposal %zu: length %u outside 8..%zu",
			 pn, ph->len, left);
		return -1;
	}
	if (p->spi_size != 0 && p->spi_size != 4 && p->spi_size != 8) {
		verr_set(e, "proposal %zu: SPI size %u is not 0, 4 or 8",
			 pn, p->spi_size);
		return -1;
	}
	if (ph->ntrans == 0 || ph->ntrans > SA_MAX_TRANSFORMS) {
		verr_set(e, "proposal %zu: %u transforms, allowed 1..%d",
			 pn, ph->ntrans, SA_MAX_TRANSFORMS);
		return -1;
	}
	return 0;
}

static int parse_proposal(struct rbuf *r, struct ike_proposal *p,
			  uint8_t *flag, size_t pn, struct verr *e)
{
	struct prop_hdr ph;
	const uint8_t *body;
	struct rbuf pr;

	if (parse_prop_hdr(r, p, &ph, pn, e) < 0)
		return -1;
	*flag = ph.flag;
	rb_ptr(r, ph.len - PROP_HDR_LEN, &body);
	rb_init(&pr, body, ph.len - PROP_HDR_LEN);
	if (!rb_copy(&pr, p->spi, p->spi_size)) {
		verr_set(e, "proposal %zu: SPI of %u bytes overruns the proposal",
			 pn, p->spi_size);
		return -1;
	}
	for (p->n = 0; p->n < ph.ntrans; p->n++) {
		if (parse_transform(&pr, p->n + 1 == ph.ntrans, &p->t[p->n],
				    pn, p->n + 1, e) < 0)
			return -1;
	}
	if (rb_left(&pr)) {
		verr_set(e, "proposal %zu: %zu bytes left after its %u transforms",
			 pn, rb_left(&pr), ph.ntrans);
		return -1;
	}
	return 0;
}

/* Proposals count up from 1; a lone proposal (a responder's choice) may
 * carry the number of the proposal it accepted (RFC 7296 3.3.1). */
static int check_number(const struct ike_proposal *p, size_t idx, bool lone,
			struct verr *e)
{
	if (lone ? p->num != 0 : p->num == idx + 1)
		return 0;
	verr_set(e, "proposal %zu: number %u, expected %zu", idx + 1, p->num,
		 lone ? (size_t)1 : idx + 1);
	return -1;
}

int sa_parse(const uint8_t *b, size_t len, struct sa_payload *out,
	     struct verr *e)
{
	struct rbuf r;
	uint8_t flag = PROP_MORE;

	out->n = 0;
	rb_init(&r, b, len);
	if (len == 0) {
		verr_set(e, "SA payload without proposals");
		return -1;
	}
	while (flag == PROP_MORE) {
		struct ike_proposal *p;

		if (out->n == SA_MAX_PROPOSALS) {
			verr_set(e, "more than %d proposals", SA_MAX_PROPOSALS);
			return -1;
		}
		if (!rb_left(&r)) {
			verr_set(e, "proposal %zu says more follow, none does",
				 out->n);
			return -1;
		}
		p = &out->p[out->n];
		if (parse_proposal(&r, p, &flag, out->n + 1, e) < 0)
			return -1;
		if (check_number(p, out->n,
				 out->n == 0 && flag == PROP_LAST, e) < 0)
			return -1;
		out->n++;
	}
	if (rb_left(&r)) {
		verr_set(e, "%zu bytes after the last proposal", rb_left(&r));
		return -1;
	}
	return 0;
}

static void build_transform(struct wbuf *w, const struct ike_transform *t,
			    bool last)
{
	wb_u8(w, last ? TRANS_LAST : TRANS_MORE);
	wb_u8(w, 0);
	wb_u16(w, t->keylen ? TRANS_HDR_LEN + 4 : TRANS_HDR_LEN);
	wb_u8(w, t->type);
	wb_u8(w, 0);
	wb_u16(w, t->id);
	if (t->keylen) {
		wb_u16(w, TRANS_ATTR_TV | TRANS_ATTR_KEYLEN);
		wb_u16(w, t->keylen);
	}
}

static void build_proposal(struct wbuf *w, const struct ike_proposal *p,
			   bool last)
{
	size_t start = w->len;
	uint8_t spi_size = p->spi_size <= 8 ? p->spi_size : 8;
	size_t nt = p->n <= SA_MAX_TRANSFORMS ? p->n : SA_MAX_TRANSFORMS;

	wb_u8(w, last ? PROP_LAST : PROP_MORE);
	wb_u8(w, 0);
	wb_u16(w, 0);
	wb_u8(w, p->num);
	wb_u8(w, p->proto);
	wb_u8(w, spi_size);
	wb_u8(w, (uint8_t)nt);
	wb_put(w, p->spi, spi_size);
	for (size_t i = 0; i < nt; i++)
		build_transform(w, &p->t[i], i + 1 == nt);
	if (!w->oom && w->len - start > UINT16_MAX)
		w->oom = true;
	wb_patch_u16(w, start + 2, (uint16_t)(w->len - start));
}

void sa_build(struct pl_chain *c, const struct sa_payload *sa)
{
	size_t h = chain_begin(c, PL_SA, false);
	size_t np = sa->n <= SA_MAX_PROPOSALS ? sa->n : SA_MAX_PROPOSALS;

	for (size_t i = 0; i < np; i++)
		build_proposal(c->wb, &sa->p[i], i + 1 == np);
	chain_end(c, h);
}
