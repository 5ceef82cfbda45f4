/* Damaged and edited ticket files: every one is refused with a reason and
 * deleted, and never yields a ticket. Some edits are resealed with the
 * store key so that the length checks behind the MAC are reached too. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ticket_internal.h"
#include "tutil.h"

static struct resume_ticket in, out;
static uint8_t *orig;
static size_t orig_len;

/* Offsets of the fields in the sample file (profile "c", small ticket). */
struct layout {
	size_t profile_len, expires, gsc, skd_len, ticket_len, idi, vip, gw,
	       n_backups;
};

static struct layout lay;

static struct ticket_store *setup_sample(void)
{
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };

	if (!s)
		return NULL;
	tu_fill(&in, false, 21);
	CU_ASSERT_FATAL(ticket_save(s, "c", &in, &e) == 0);
	orig = tu_read("c.ticket", &orig_len);
	CU_ASSERT_FATAL(orig != NULL);
	lay.profile_len = TKF_HDR_LEN;
	lay.expires = lay.profile_len + 2;
	lay.gsc = lay.expires + 8;
	lay.skd_len = lay.gsc + 9;
	lay.ticket_len = lay.skd_len + 2 + in.sk_d_len;
	lay.idi = lay.ticket_len + 2 + in.ticket_len;
	lay.vip = lay.idi + 3 + in.idi.len + 3 + in.idr.len;
	lay.gw = lay.vip + 21;
	lay.n_backups = lay.gw + 2 + strlen(in.gateway);
	/* the test's idea of the layout matches the file */
	CU_ASSERT_FATAL(get_u16(orig + lay.skd_len) == in.sk_d_len);
	CU_ASSERT_FATAL(get_u16(orig + lay.ticket_len) == in.ticket_len);
	CU_ASSERT_FATAL(orig[lay.gsc] == in.gsc);
	CU_ASSERT_FATAL(orig[lay.n_backups] == in.n_backups);
	return s;
}

static void teardown_sample(struct ticket_store *s)
{
	free(orig);
	orig = NULL;
	tu_teardown(s);
}

/* Writes p as c.ticket and expects take to refuse and delete it. */
static bool expect_rejected(struct ticket_store *s, const uint8_t *p,
			    size_t len, const char *why)
{
	struct verr e = { "" };
	enum ticket_status st;
	bool ok;

	tu_write("c.ticket", p, len);
	memset(&out, 0x55, sizeof(out));
	st = ticket_take(s, "c", tu_now, &out, &e);
	ok = st == TICKET_REJECTED && e.msg[0] && !tu_exists("c.ticket") &&
	     tu_all_zero(&out, sizeof(out)) && (!why || strstr(e.msg, why));
	if (!ok)
		fprintf(stderr, "\n  status %s, reason '%s', expected '%s' ",
			ticket_status_name(st), e.msg, why ? why : "any");
	return ok;
}

static void test_format_and_mac(void)
{
	struct ticket_store *s = setup_sample();
	uint8_t *copy;

	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(!memcmp(orig, "VTKT", 4));
	CU_ASSERT_EQUAL(orig[4], 1);
	CU_ASSERT_EQUAL(get_u32(orig + 8),
			orig_len - TKF_HDR_LEN - TKF_MAC_LEN);
	/* the trailer is HMAC-SHA256(store.key, rest), computed here apart */
	copy = malloc(orig_len);
	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, orig, orig_len);
	memset(copy + orig_len - TKF_MAC_LEN, 0, TKF_MAC_LEN);
	tu_reseal(copy, orig_len, NULL);
	CU_ASSERT(!memcmp(copy, orig, orig_len));
	free(copy);
	teardown_sample(s);
}

static void test_flip_every_byte(void)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct ticket_store *s = setup_sample();
	uint8_t *buf;
	size_t i, m, bad = 0;

	CU_ASSERT_FATAL(s != NULL);
	buf = malloc(orig_len);
	CU_ASSERT_FATAL(buf != NULL);
	for (i = 0; i < orig_len; i++) {
		for (m = 0; m < sizeof(masks); m++) {
			memcpy(buf, orig, orig_len);
			buf[i] ^= masks[m];
			if (!expect_rejected(s, buf, orig_len, NULL))
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
	teardown_sample(s);
}

static void test_truncate_every_offset(void)
{
	struct ticket_store *s = setup_sample();
	size_t len, bad = 0;

	CU_ASSERT_FATAL(s != NULL);
	for (len = 0; len < orig_len; len++)
		if (!expect_rejected(s, orig, len, NULL))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(expect_rejected(s, orig, 10, "truncated"));
	CU_ASSERT(expect_rejected(s, orig, orig_len - 1, "length field"));
	teardown_sample(s);
}

static void test_oversized_file(void)
{
	struct ticket_store *s = setup_sample();
	uint8_t *big;

	CU_ASSERT_FATAL(s != NULL);
	big = calloc(1, TKF_FILE_MAX + 100);
	CU_ASSERT_FATAL(big != NULL);
	memcpy(big, orig, orig_len);
	CU_ASSERT(expect_rejected(s, big, orig_len + 1, "length field"));
	CU_ASSERT(expect_rejected(s, big, TKF_FILE_MAX, "length field"));
	CU_ASSERT(expect_rejected(s, big, TKF_FILE_MAX + 1, "larger than"));
	CU_ASSERT(expect_rejected(s, big, TKF_FILE_MAX + 100, "larger than"));
	free(big);
	teardown_sample(s);
}

struct edit {
	const char *name;
	size_t off;  /* filled from the layout */
	int width;   /* 1, 2 or 4 bytes */
	uint32_t value;
	const char *why;
};

static void apply(uint8_t *p, const struct edit *ed)
{
	if (ed->width == 1)
		p[ed->off] = (uint8_t)ed->value;
	else if (ed->width == 2)
		put_u16(p + ed->off, (uint16_t)ed->value);
	else
		put_u32(p + ed->off, ed->value);
}

/* Lengths and values that lie, behind a valid MAC. */
static void test_lying_fields_resealed(void)
{
	struct ticket_store *s = setup_sample();
	struct edit edits[] = {
		{ "magic", 0, 1, 'X', "magic" },
		{ "version", 4, 1, 2, "version 2" },
		{ "flags", 5, 1, 1, "version" },
		{ "body length +1", 8, 4, 0, "length field" },
		{ "body length huge", 8, 4, 0xffffffff, "length field" },
		{ "profile length 255", lay.profile_len, 1, 255, "profile" },
		{ "profile length 0", lay.profile_len, 1, 0, NULL },
		{ "expiry 0", lay.expires + 4, 4, 0, NULL },
		{ "gsc 16", lay.gsc, 1, 16, "switch count 16" },
		{ "gsc 255", lay.gsc, 1, 255, "switch count" },
		{ "SK_d length 65", lay.skd_len, 2, 65, "SK_d" },
		{ "SK_d length 0xffff", lay.skd_len, 2, 0xffff, "SK_d" },
		{ "SK_d length 0", lay.skd_len, 2, 0, NULL },
		{ "ticket length 2049", lay.ticket_len, 2, 2049, "ticket" },
		{ "ticket length 0xffff", lay.ticket_len, 2, 0xffff, "ticket" },
		{ "ticket length +1", lay.ticket_len, 2, 0, NULL },
		{ "IDi length 0xffff", lay.idi + 1, 2, 0xffff, "identity" },
		{ "IDi length 513", lay.idi + 1, 2, 513, "identity" },
		{ "IDi type 0", lay.idi, 1, 0, "IDi" },
		{ "vip flags", lay.vip, 1, 0x84, "virtual address" },
		{ "gateway length 0xffff", lay.gw, 2, 0xffff, "gateway" },
		{ "gateway length 256", lay.gw, 2, 256, "gateway" },
		{ "NUL in gateway", lay.gw + 3, 1, 0, "gateway" },
		{ "backup count 9", lay.n_backups, 1, 9, "backup count" },
		{ "backup count 255", lay.n_backups, 1, 255, "backup count" },
		{ "backup count 0", lay.n_backups, 1, 0, "stray bytes" },
		{ "backup count 3", lay.n_backups, 1, 3, "backup gateway" },
		{ "backup length 0xffff", lay.n_backups + 1, 2, 0xffff,
		  "backup gateway" },
	};
	uint8_t *buf;
	size_t i, n = sizeof(edits) / sizeof(edits[0]);

	CU_ASSERT_FATAL(s != NULL);
	edits[3].value = get_u32(orig + 8) + 1;
	edits[15].value = in.ticket_len + 1;
	buf = malloc(orig_len + 1);
	CU_ASSERT_FATAL(buf != NULL);
	for (i = 0; i < n; i++) {
		memcpy(buf, orig, orig_len);
		apply(buf, &edits[i]);
		tu_reseal(buf, orig_len, NULL);
		if (!expect_rejected(s, buf, orig_len, edits[i].why)) {
			fprintf(stderr, "(edit: %s)", edits[i].name);
			CU_FAIL("edited file accepted or wrong reason");
		}
	}
	/* one byte too many inside the body, MAC and length made to fit */
	memcpy(buf, orig, orig_len - TKF_MAC_LEN);
	buf[orig_len - TKF_MAC_LEN] = 0x42;
	put_u32(buf + 8, get_u32(orig + 8) + 1);
	tu_reseal(buf, orig_len + 1, NULL);
	CU_ASSERT(expect_rejected(s, buf, orig_len + 1, "1 stray bytes"));

	/* and the unedited file, resealed, still loads */
	memcpy(buf, orig, orig_len);
	tu_reseal(buf, orig_len, NULL);
	tu_write("c.ticket", buf, orig_len);
	{
		struct verr e = { "" };

		CU_ASSERT_EQUAL(ticket_take(s, "c", tu_now, &out, &e),
				TICKET_OK);
		tu_assert_same(&in, &out);
	}
	free(buf);
	teardown_sample(s);
}

static void test_tampered(void)
{
	struct ticket_store *s = setup_sample();
	struct ticket_store *other;
	struct ticket_info info;
	uint8_t key[STORE_KEY_LEN], *buf, *foreign;
	char other_dir[128];
	struct verr e = { "" };
	size_t flen = 0;

	CU_ASSERT_FATAL(s != NULL);
	buf = malloc(orig_len);
	CU_ASSERT_FATAL(buf != NULL);

	/* an edit by hand: point the ticket at another gateway */
	memcpy(buf, orig, orig_len);
	buf[lay.gw + 2] = '9';
	CU_ASSERT(expect_rejected(s, buf, orig_len, "integrity"));

	/* sealed with a key that is not this store's */
	CU_ASSERT_FATAL(RAND_bytes(key, sizeof(key)) == 1);
	tu_reseal(buf, orig_len, key);
	CU_ASSERT(expect_rejected(s, buf, orig_len, "integrity"));

	/* a sound file of another profile, renamed */
	tu_fill(&in, false, 22);
	CU_ASSERT_EQUAL(ticket_save(s, "other", &in, &e), 0);
	foreign = tu_read("other.ticket", &flen);
	CU_ASSERT_FATAL(foreign != NULL);
	CU_ASSERT(expect_rejected(s, foreign, flen, "another profile"));
	free(foreign);

	/* a sound file from another store (another key) */
	snprintf(other_dir, sizeof(other_dir), "%s/store2", tu_base);
	other = ticket_store_open(other_dir, &e);
	CU_ASSERT_FATAL(other != NULL);
	CU_ASSERT_EQUAL(ticket_save(other, "c", &in, &e), 0);
	ticket_store_close(other);
	snprintf(other_dir, sizeof(other_dir), "../store2/c.ticket");
	foreign = tu_read(other_dir, &flen);
	CU_ASSERT_FATAL(foreign != NULL);
	CU_ASSERT(expect_rejected(s, foreign, flen, "integrity"));
	free(foreign);

	/* peek refuses and deletes a damaged file as well */
	memcpy(buf, orig, orig_len);
	buf[orig_len / 2] ^= 1;
	tu_write("c.ticket", buf, orig_len);
	CU_ASSERT_EQUAL(ticket_peek(s, "c", tu_now, &info), TICKET_REJECTED);
	CU_ASSERT(!tu_exists("c.ticket"));
	CU_ASSERT(tu_all_zero(&info, sizeof(info)));
	free(buf);
	teardown_sample(s);
}

int add_corrupt_tests(void)
{
	CU_pSuite s = CU_add_suite("ticket files on disk", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "format header and HMAC", test_format_and_mac) ||
	    !CU_add_test(s, "flipped bytes at every offset",
			 test_flip_every_byte) ||
	    !CU_add_test(s, "truncated at every offset",
			 test_truncate_every_offset) ||
	    !CU_add_test(s, "oversized file", test_oversized_file) ||
	    !CU_add_test(s, "lying length fields behind a valid MAC",
			 test_lying_fields_resealed) ||
	    !CU_add_test(s, "tampered, foreign and renamed files",
			 test_tampered))
		return -1;
	return 0;
}
