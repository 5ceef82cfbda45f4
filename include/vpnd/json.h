/* A small JSON writer for vpnctl's --json output (vpnctl(8)): values
 * appended to a wbuf, strings escaped so that any bytes (control
 * characters, broken UTF-8) give valid JSON. Errors (a key where none
 * belongs, nesting deeper than JSON_DEPTH_MAX, out of memory) stick in
 * 'failed' so that a writer can chain calls and check once. */
#ifndef VPND_JSON_H
#define VPND_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"

/* vpnd's own documents nest a few levels; never user-controlled. */
#define JSON_DEPTH_MAX 16

struct json {
	struct wbuf *out;
	unsigned depth;
	bool in_object[JSON_DEPTH_MAX]; /* else an array */
	bool has_items[JSON_DEPTH_MAX];
	bool started;                   /* the top-level value began */
	bool newline;                   /* json_newline: before the next */
	bool failed;
};

void json_init(struct json *j, struct wbuf *out);
/* key: the member name inside an object; NULL inside an array or for
 * the top-level value. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_string_n(struct json *j, const char *key, const uint8_t *p,
		   size_t len);
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* A line break before the next value or closing bracket (after the
 * comma: JSON whitespace), so that a long document can travel as lines
 * of the control protocol. */
void json_newline(struct json *j);
/* One complete value written and no error. */
bool json_done(const struct json *j);

/* The escaped form of len bytes, without quotes: '"', '\\' and control
 * characters escaped (\n, \t, ..., \u00XX, DEL as \u007f), valid UTF-8
 * kept, every byte of an invalid sequence as U+FFFD (\ufffd). */
void json_escape(struct wbuf *out, const uint8_t *p, size_t len);

#endif
