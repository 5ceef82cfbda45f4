/* vpnctl --json: a connection's struct conn_status as a JSON object
 * (the schema is in vpnctl(8), JSON OUTPUT). */
#ifndef VPND_DAEMON_STATUS_JSON_H
#define VPND_DAEMON_STATUS_JSON_H

#include "vpnd/conn.h"
#include "vpnd/json.h"

/* The version of the documents' schema: raised when a field changes
 * meaning or goes; new fields may come without it. */
#define STATUS_JSON_VERSION 1

void status_json(struct json *j, const char *key,
		 const struct conn_status *st);

#endif
