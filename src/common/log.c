#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "vpnd/log.h"

static enum log_level cur_level = LOG_INFO;
static log_sink_fn sink_fn;
static void *sink_ctx;

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_set_sink(log_sink_fn fn, void *ctx)
{
	sink_fn = fn;
	sink_ctx = ctx;
}

void vlog(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
					      "debug" };
	char line[1024];
	va_list ap;

	if (lvl > cur_level && !(sink_fn && lvl <= LOG_INFO))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (lvl <= cur_level)
		fprintf(stderr, "vpnd[%s]: %s\n", names[lvl], line);
	if (sink_fn)
		sink_fn(sink_ctx, lvl, line);
}

const char *log_hex(const void *p, size_t len, char *out, size_t outlen)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *b = p;
	size_t i, o = 0;

	if (!outlen)
		return out;
	for (i = 0; i < len && o + 3 <= outlen; i++) {
		out[o++] = hx[b[i] >> 4];
		out[o++] = hx[b[i] & 15];
	}
	out[o] = '\0';
	return out;
}
