/* libFuzzer harness for the RFC 7383 reassembly (src/ike/frag.c).
 * Random bytes almost never authenticate, so the input is a script:
 * records that either make a real fragment with the harness's keys
 * (message ID, number, total, next and contents chosen by the input:
 * lying totals, duplicates, gaps, any order) or hand over raw bytes as a
 * datagram (the parsers and the opener on garbage). Limits are small so
 * the size and count bounds are reached.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Isrc/ike -Isrc/crypto tests/fuzz/fuzz_frag.c src/ike/frag.c src/crypto/[a-z]*.c src/wire/[a-z]*.c src/common/buf.c src/common/names.c src/common/log.c -lcrypto -o fuzz-frag
 * Without libFuzzer, add -DFUZZ_FRAG_MAIN (and drop "fuzzer," from the
 * sanitizers) for a main that runs each file named on its command line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_keys keys;

static void fill(struct chunk *c, size_t len, uint8_t seed)
{
	if (!chunk_alloc(c, len))
		abort();
	for (size_t i = 0; i < len; i++)
		c->p[i] = (uint8_t)(seed + i);
}

static void make_keys(void)
{
	if (keys.sk_ei.p)
		return;
	keys = (struct ike_keys){ .encr = ENCR_AES_GCM_16, .encr_keylen = 128,
				  .integ = INTEG_NONE,
				  .prf = PRF_HMAC_SHA2_256 };
	fill(&keys.sk_ei, 20, 1);
	fill(&keys.sk_er, 20, 2);
}

static void take(struct frag_asm *a, const uint8_t *msg, size_t len,
		 uint64_t now)
{
	struct ike_hdr h;
	struct payload_list pl;
	struct frag_msg m;
	struct verr e;
	enum frag_rc rc;

	if (ike_hdr_parse(msg, len, &h, &e) < 0 ||
	    payload_chain_parse(h.next, msg + IKE_HDR_LEN, len - IKE_HDR_LEN,
				&pl, &e) < 0 || pl.n == 0 ||
	    pl.pl[pl.n - 1].type != PL_SKF)
		return;
	rc = frag_take(a, &keys, false, msg, len, &h, &pl.pl[pl.n - 1], now,
		       &m, &e);
	if (rc == FRAG_DONE)
		frag_msg_free(&m);
}

/* Record: kind | mid | num | total | next | len | len bytes. */
static size_t forge_and_take(struct frag_asm *a, const uint8_t *r,
			     size_t left, uint64_t now)
{
	struct ike_hdr h = { .version = IKE_VERSION, .exchange = EXCH_IKE_AUTH,
			     .flags = IKE_FLAG_R };
	struct wbuf w;
	size_t plen;

	if (left < 6)
		return left;
	plen = r[5] < left - 6 ? r[5] : left - 6;
	h.msg_id = r[1] & 7;
	wb_init(&w);
	if (ike_protect_fragment(&keys, false, &h, r[4], r[2], r[3], r + 6,
				 plen, &w) == 0)
		take(a, w.p, w.len, now);
	wb_free(&w);
	return 6 + plen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct frag_limits lim = { .max_fragments = 16,
					 .max_size = 600,
					 .timeout_ms = 50 };
	struct frag_asm a;
	uint64_t now = 0;
	size_t off = 0;

	make_keys();
	frag_init(&a, &lim);
	while (off < size) {
		uint8_t kind = data[off];
		size_t used;

		now += kind >> 4; /* time moves on: the timeout fires */
		if (kind & 1) {
			used = forge_and_take(&a, data + off, size - off, now);
		} else {
			/* Raw: a length byte (in 4s), then that many bytes. */
			size_t avail = size - off >= 2 ? size - off - 2 : 0;
			size_t n = avail ? data[off + 1] * 4u : 0;

			if (n > avail)
				n = avail;
			if (avail)
				take(&a, data + off + 2, n, now);
			used = 2 + n;
		}
		off += used;
	}
	frag_free(&a);
	return 0;
}

#ifdef FUZZ_FRAG_MAIN
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		static uint8_t buf[1 << 20];
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f)
			return 1;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#endif
