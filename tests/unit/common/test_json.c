/* The JSON writer (vpnd/json.h): exact output, escaping of every kind
 * of byte, and misuse that must fail rather than write broken JSON. */
#include <string.h>

#include <CUnit/Basic.h>

#include "vpnd/json.h"

#include "tests.h"

/* The escaped form of len bytes, as a string (static). */
static const char *escaped(const char *p, size_t len)
{
	static char out[512];
	struct wbuf w;

	wb_init(&w);
	json_escape(&w, (const uint8_t *)p, len);
	CU_ASSERT_FATAL(!w.oom && w.len < sizeof(out));
	memcpy(out, w.p, w.len);
	out[w.len] = '\0';
	wb_free(&w);
	return out;
}

#define ESC(lit) escaped(lit, sizeof(lit) - 1)

static void test_escape(void)
{
	CU_ASSERT_STRING_EQUAL(ESC("plain text"), "plain text");
	CU_ASSERT_STRING_EQUAL(ESC("a\"b\\c/d"), "a\\\"b\\\\c/d");
	CU_ASSERT_STRING_EQUAL(ESC("\n\t\r\b\f"), "\\n\\t\\r\\b\\f");
	CU_ASSERT_STRING_EQUAL(ESC("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
	/* a NUL inside the bytes is a character like any other */
	CU_ASSERT_STRING_EQUAL(escaped("a\0b", 3), "a\\u0000b");
	/* a terminal escape sequence cannot reach the terminal raw */
	CU_ASSERT_STRING_EQUAL(ESC("\x1b[31mred"), "\\u001b[31mred");
	/* valid UTF-8 of every length is kept */
	CU_ASSERT_STRING_EQUAL(ESC("b\xc3\xa4r \xe2\x82\xac \xf0\x9f\x94\x91"),
			       "b\xc3\xa4r \xe2\x82\xac \xf0\x9f\x94\x91");
	CU_ASSERT_STRING_EQUAL(ESC("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");
}

static void test_escape_invalid_utf8(void)
{
	/* a lone continuation byte, a lead byte without its tail, a
	 * truncated sequence at the end */
	CU_ASSERT_STRING_EQUAL(ESC("a\x80z"), "a\\ufffdz");
	CU_ASSERT_STRING_EQUAL(ESC("\xc3z"), "\\ufffdz");
	CU_ASSERT_STRING_EQUAL(ESC("x\xe2\x82"), "x\\ufffd\\ufffd");
	/* overlong forms, a surrogate, past U+10FFFF, bytes never valid */
	CU_ASSERT_STRING_EQUAL(ESC("\xc0\xaf"), "\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(ESC("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(ESC("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(ESC("\xf4\x90\x80\x80"),
			       "\\ufffd\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(ESC("\xfe\xff"), "\\ufffd\\ufffd");
	/* the valid part after a bad byte survives */
	CU_ASSERT_STRING_EQUAL(ESC("\xff\xc3\xa4"), "\\ufffd\xc3\xa4");
}

/* The document j wrote, as a string (static). */
static const char *text_of(struct wbuf *w)
{
	static char out[1024];

	CU_ASSERT_FATAL(!w->oom && w->len < sizeof(out));
	memcpy(out, w->p, w->len);
	out[w->len] = '\0';
	return out;
}

static void test_document(void)
{
	struct wbuf w;
	struct json j;

	wb_init(&w);
	json_init(&j, &w);
	json_object_begin(&j, NULL);
	json_int(&j, "version", 1);
	json_string(&j, "name", "of\"fice\n");
	json_array_begin(&j, "list");
	json_uint(&j, NULL, 18446744073709551615ull);
	json_int(&j, NULL, -5);
	json_bool(&j, NULL, true);
	json_bool(&j, NULL, false);
	json_null(&j, NULL);
	json_newline(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_begin(&j, NULL);
	json_array_end(&j);
	json_array_end(&j);
	json_string_n(&j, "bytes", (const uint8_t *)"a\0\xff", 3);
	json_object_end(&j);
	CU_ASSERT_TRUE(json_done(&j));
	CU_ASSERT_STRING_EQUAL(text_of(&w),
			       "{\"version\":1,\"name\":\"of\\\"fice\\n\",\"list\":"
			       "[18446744073709551615,-5,true,false,null,\n{},[]],"
			       "\"bytes\":\"a\\u0000\\ufffd\"}");
	wb_free(&w);
}

/* Each misuse marks the writer failed; nothing later is written. */
static void test_misuse(void)
{
	struct wbuf w;
	struct json j;
	size_t len;
	int depth;

	wb_init(&w);
	json_init(&j, &w);
	json_object_begin(&j, NULL);
	json_int(&j, NULL, 1); /* no key inside an object */
	CU_ASSERT_FALSE(json_done(&j));
	len = w.len;
	json_int(&j, "late", 2);
	json_object_end(&j);
	CU_ASSERT_EQUAL(w.len, len);
	wb_free(&w);

	wb_init(&w);
	json_init(&j, &w);
	json_array_begin(&j, NULL);
	json_int(&j, "key", 1); /* a key inside an array */
	CU_ASSERT_FALSE(json_done(&j));
	wb_free(&w);

	wb_init(&w);
	json_init(&j, &w);
	json_array_begin(&j, NULL);
	json_object_end(&j); /* the wrong closer */
	CU_ASSERT_FALSE(json_done(&j));
	wb_free(&w);

	wb_init(&w);
	json_init(&j, &w);
	json_object_begin(&j, NULL); /* never closed */
	CU_ASSERT_FALSE(json_done(&j));
	wb_free(&w);

	wb_init(&w);
	json_init(&j, &w);
	json_int(&j, NULL, 1);
	CU_ASSERT_TRUE(json_done(&j));
	json_int(&j, NULL, 2); /* a second top-level value */
	CU_ASSERT_FALSE(json_done(&j));
	CU_ASSERT_STRING_EQUAL(text_of(&w), "1");
	wb_free(&w);

	wb_init(&w);
	json_init(&j, &w);
	for (depth = 0; depth < JSON_DEPTH_MAX; depth++)
		json_array_begin(&j, NULL);
	CU_ASSERT_FALSE(j.failed);
	json_array_begin(&j, NULL); /* one level too deep */
	CU_ASSERT_TRUE(j.failed);
	CU_ASSERT_EQUAL(w.len, JSON_DEPTH_MAX);
	wb_free(&w);

	/* out of memory sticks */
	wb_init(&w);
	json_init(&j, &w);
	w.oom = true;
	json_string(&j, NULL, "x");
	CU_ASSERT_FALSE(json_done(&j));
	wb_free(&w);
}

void add_json_tests(void)
{
	CU_pSuite s = CU_add_suite("json writer", NULL, NULL);

	CU_add_test(s, "escaping", test_escape);
	CU_add_test(s, "broken UTF-8 as U+FFFD", test_escape_invalid_utf8);
	CU_add_test(s, "a whole document", test_document);
	CU_add_test(s, "misuse fails", test_misuse);
}
