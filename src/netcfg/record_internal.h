/* The record file format, shared by record.c, parse.c and dns.c. */
#ifndef VPND_NETCFG_RECORD_INTERNAL_H
#define VPND_NETCFG_RECORD_INTERNAL_H

#include <sys/types.h>

#include "vpnd/netcfg.h"

#define RECORD_MAX_SIZE 16384

bool nc_conn_name_ok(const char *conn);
bool nc_token_ok(const char *s, size_t max);
void nc_record_format(const struct netcfg_record *rec, struct wbuf *w);
/* Parses a record file's text; 'name' is for the error messages. */
int nc_record_parse(const char *text, size_t len, const char *name,
		    struct netcfg_record *rec, struct verr *e);
/* Writes w to tmp, fsyncs, renames it to path and syncs dir. */
int nc_write_atomic(const char *path, const char *tmp, const char *dir,
		    const struct wbuf *w, mode_t mode, struct verr *e);

/* ".netif" for the link's file, ".netcfg" for the SA's. */
const char *nc_record_ext(bool link_file);
int nc_record_load_file(const char *dir, const char *conn, bool link_file,
			struct netcfg_record *rec, struct verr *e);
int nc_record_remove_file(const char *dir, const char *conn, bool link_file,
			  struct verr *e);

/* Saves what is left of the record in dir, or removes the file once
 * nothing is left; nothing when dir is NULL. */
int nc_settle(const char *dir, struct netcfg_record *rec, struct verr *e);

#endif
