/* The JSON writer of vpnd/json.h. */
#include <stdio.h>
#include <string.h>

#include "vpnd/json.h"

void json_init(struct json *j, struct wbuf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms,
 * no surrogates, at most U+10FFFF), 0 if there is none. */
static size_t utf8_seq(const uint8_t *p, size_t left)
{
	uint8_t b = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	/* the second byte's range rules out overlongs and surrogates */
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_escape(struct wbuf *out, const uint8_t *p, size_t len)
{
	size_t i = 0, n;
	char esc[8];

	while (i < len) {
		uint8_t b = p[i];

		if (b == '"' || b == '\\') {
			esc[0] = '\\';
			esc[1] = (char)b;
			wb_put(out, esc, 2);
			i++;
			continue;
		}
		if (b < 0x20 || b == 0x7f) {
			const char *named = b == '\n' ? "\\n" : b == '\t' ? "\\t" :
					    b == '\r' ? "\\r" : b == '\b' ? "\\b" :
					    b == '\f' ? "\\f" : NULL;

			if (named) {
				wb_put(out, named, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", b);
				wb_put(out, esc, 6);
			}
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (!n) {
			wb_put(out, "\\ufffd", 6);
			i++;
			continue;
		}
		wb_put(out, p + i, n);
		i += n;
	}
}

static void put_newline(struct json *j)
{
	if (j->newline)
		wb_u8(j->out, '\n');
	j->newline = false;
}

/* Before a value: the comma, the key; false if the key is wrong here. */
static bool begin_value(struct json *j, const char *key)
{
	bool in_obj;

	if (j->failed)
		return false;
	if (!j->depth) {
		/* one top-level value */
		if (key || j->started) {
			j->failed = true;
			return false;
		}
		j->started = true;
		return true;
	}
	in_obj = j->in_object[j->depth - 1];
	if (in_obj != (key != NULL)) {
		j->failed = true;
		return false;
	}
	if (j->has_items[j->depth - 1])
		wb_u8(j->out, ',');
	j->has_items[j->depth - 1] = true;
	put_newline(j);
	if (key) {
		wb_u8(j->out, '"');
		json_escape(j->out, (const uint8_t *)key, strlen(key));
		wb_put(j->out, "\":", 2);
	}
	return true;
}

static void check_oom(struct json *j)
{
	if (j->out->oom)
		j->failed = true;
}

static void open_level(struct json *j, const char *key, bool object)
{
	if (!begin_value(j, key))
		return;
	if (j->depth == JSON_DEPTH_MAX) {
		j->failed = true;
		return;
	}
	wb_u8(j->out, object ? '{' : '[');
	j->in_object[j->depth] = object;
	j->has_items[j->depth] = false;
	j->depth++;
	check_oom(j);
}

static void close_level(struct json *j, bool object)
{
	if (j->failed)
		return;
	if (!j->depth || j->in_object[j->depth - 1] != object) {
		j->failed = true;
		return;
	}
	j->depth--;
	put_newline(j);
	wb_u8(j->out, object ? '}' : ']');
	check_oom(j);
}

void json_object_begin(struct json *j, const char *key)
{
	open_level(j, key, true);
}

void json_object_end(struct json *j)
{
	close_level(j, true);
}

void json_array_begin(struct json *j, const char *key)
{
	open_level(j, key, false);
}

void json_array_end(struct json *j)
{
	close_level(j, false);
}

void json_string_n(struct json *j, const char *key, const uint8_t *p,
		   size_t len)
{
	if (!begin_value(j, key))
		return;
	wb_u8(j->out, '"');
	json_escape(j->out, p, len);
	wb_u8(j->out, '"');
	check_oom(j);
}

void json_string(struct json *j, const char *key, const char *s)
{
	json_string_n(j, key, (const uint8_t *)s, strlen(s));
}

void json_int(struct json *j, const char *key, long long v)
{
	if (!begin_value(j, key))
		return;
	wb_printf(j->out, "%lld", v);
	check_oom(j);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	if (!begin_value(j, key))
		return;
	wb_printf(j->out, "%llu", v);
	check_oom(j);
}

void json_bool(struct json *j, const char *key, bool v)
{
	if (!begin_value(j, key))
		return;
	wb_put(j->out, v ? "true" : "false", v ? 4 : 5);
	check_oom(j);
}

void json_null(struct json *j, const char *key)
{
	if (!begin_value(j, key))
		return;
	wb_put(j->out, "null", 4);
	check_oom(j);
}

void json_newline(struct json *j)
{
	if (!j->failed && j->depth)
		j->newline = true;
}

bool json_done(const struct json *j)
{
	return !j->failed && !j->depth && j->started;
}
