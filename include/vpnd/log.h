#ifndef VPND_LOG_H
#define VPND_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DBG };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Where log lines go besides stderr: the daemon mirrors them to the
 * control client that asked for the operation. */
typedef void (*log_sink_fn)(void *ctx, enum log_level lvl, const char *line);
void log_set_sink(log_sink_fn fn, void *ctx);

void vlog(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* What a log line is about, where the caller knows it; NULL members are
 * unknown. Plain stderr shows only the line; the journal writer
 * (src/daemon/journal.c) sends them as fields of their own
 * (VPND_CONNECTION=, VPND_GATEWAY=, VPND_EVENT=), so `journalctl
 * VPND_CONNECTION=work` finds one connection's lines. Never a secret. */
struct log_fields {
	const char *connection; /* the profile's name */
	const char *gateway;    /* the gateway's address or name */
	const char *event;      /* one word: connecting, up, down, ... */
};
void vlog_fields(enum log_level lvl, const struct log_fields *f,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Where the lines at or above the level go instead of stderr ("vpnd[LEVEL]:
 * LINE"). The writer returns false when it could not take a line, which
 * then goes to stderr. NULL: stderr again. */
typedef bool (*log_writer_fn)(void *ctx, enum log_level lvl,
			      const struct log_fields *f, const char *line);
void log_set_writer(log_writer_fn fn, void *ctx);

#define log_err(...) vlog(LOG_ERR, __VA_ARGS__)
#define log_warn(...) vlog(LOG_WARN, __VA_ARGS__)
#define log_info(...) vlog(LOG_INFO, __VA_ARGS__)
#define log_dbg(...) vlog(LOG_DBG, __VA_ARGS__)

/* Hex of at most 'max' bytes for debug logs; never pass key material. */
const char *log_hex(const void *p, size_t len, char *out, size_t outlen);

#endif
