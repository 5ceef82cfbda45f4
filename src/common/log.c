#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "vpnd/log.h"

static enum log_level cur_level = LOG_INFO;
static log_sink_fn sink_fn;
static void *sink_ctx;
static log_writer_fn writer_fn;
static void *writer_ctx;

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

void log_set_writer(log_writer_fn fn, void *ctx)
{
	writer_fn = fn;
	writer_ctx = ctx;
}

static bool wanted(enum log_level lvl)
{
	return lvl <= cur_level || (sink_fn && lvl <= LOG_INFO);
}

static void emit(enum log_level lvl, const struct log_fields *f,
		 const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void emit(enum log_level lvl, const struct log_fields *f,
		 const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info",
					      "debug" };
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (lvl <= cur_level &&
	    !(writer_fn && writer_fn(writer_ctx, lvl, f, line)))
		fprintf(stderr, "vpnd[%s]: %s\n", names[lvl], line);
	if (sink_fn)
		sink_fn(sink_ctx, lvl, line);
}

void vlog(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (!wanted(lvl))
		return;
	va_start(ap, fmt);
	emit(lvl, NULL, fmt, ap);
	va_end(ap);
}

void vlog_fields(enum log_level lvl, const struct log_fields *f,
		 const char *fmt, ...)
{
	va_list ap;

	if (!wanted(lvl))
		return;
	va_start(ap, fmt);
	emit(lvl, f, fmt, ap);
	va_end(ap);
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
