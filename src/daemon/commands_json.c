/* The JSON answers of the control protocol ("json status [NAME]",
 * "json list", "json monitor"); the schema is in vpnctl(8). A document
 * travels as '.' lines broken between values (JSON whitespace), so no
 * line grows with the number of profiles; vpnctl prints them as they
 * are. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vpnd/json.h"
#include "vpnd/log.h"

#include "ctl_client.h"
#include "status_json.h"

/* Sends the document in w, one '.' line per line of it; false if the
 * writer failed (the caller answers ERROR). */
static bool send_document(struct ctl_client *c, struct json *j,
			  struct wbuf *w, char prefix)
{
	size_t i, start = 0;

	if (!json_done(j)) {
		log_err("control: cannot write a JSON answer");
		return false;
	}
	wb_u8(w, '\n');
	if (w->oom)
		return false;
	for (i = 0; i < w->len; i++) {
		if (w->p[i] != '\n')
			continue;
		w->p[i] = '\0';
		ctl_line(c, prefix, (const char *)w->p + start);
		start = i + 1;
	}
	return true;
}

/* The whole answer of a request: the document, then OK, or the error
 * naming what could not be written. */
static void send_answer(struct ctl_client *c, struct json *j, struct wbuf *w,
			const char *what)
{
	bool ok = send_document(c, j, w, '.');

	wb_free(w);
	if (ok)
		ctl_final(c, true, "%s", "");
	else
		ctl_final(c, false, "cannot write the %s as JSON", what);
}

static void conn_object(struct json *j, const char *key,
			const struct conn_entry *ce)
{
	struct conn_status st;

	entry_status_get(ce, &st);
	status_json(j, key, &st);
}

static bool is_active(const struct conn_entry *ce)
{
	enum conn_state s = entry_state(ce);

	return s != CONN_IDLE && s != CONN_FAILED;
}

void ctl_json_status(struct ctl_client *c, const char *name)
{
	struct conn_entry *ce = NULL;
	struct wbuf w;
	struct json j;
	size_t i, n = conns_count(c->t);

	if (name && !(ce = ctl_find_profile(c, name)))
		return;
	wb_init(&w);
	json_init(&j, &w);
	json_object_begin(&j, NULL);
	json_int(&j, "version", STATUS_JSON_VERSION);
	if (ce) {
		json_newline(&j);
		conn_object(&j, "connection", ce);
	} else {
		json_uint(&j, "profiles", n);
		json_array_begin(&j, "connections");
		for (i = 0; i < n; i++) {
			if (!is_active(conns_at(c->t, i)))
				continue;
			json_newline(&j);
			conn_object(&j, NULL, conns_at(c->t, i));
		}
		json_newline(&j);
		json_array_end(&j);
	}
	json_object_end(&j);
	send_answer(c, &j, &w, "status");
}

void ctl_json_list(struct ctl_client *c)
{
	size_t i, n = conns_count(c->t), nf = conns_failed_count(c->t);
	struct wbuf w;
	struct json j;

	wb_init(&w);
	json_init(&j, &w);
	json_object_begin(&j, NULL);
	json_int(&j, "version", STATUS_JSON_VERSION);
	json_array_begin(&j, "profiles");
	for (i = 0; i < n; i++) {
		const struct conn_entry *ce = conns_at(c->t, i);

		json_newline(&j);
		json_object_begin(&j, NULL);
		json_string(&j, "name", entry_name(ce));
		json_string(&j, "state", conn_state_name(entry_state(ce)));
		json_string(&j, "gateway", entry_gateway(ce));
		json_bool(&j, "removed", entry_removed(ce));
		json_object_end(&j);
	}
	json_newline(&j);
	json_array_end(&j);
	json_array_begin(&j, "failed");
	for (i = 0; i < nf; i++) {
		const struct conns_failed *f = conns_failed_at(c->t, i);

		json_newline(&j);
		json_object_begin(&j, NULL);
		json_string(&j, "name", f->name);
		json_string(&j, "file", f->file);
		json_string(&j, "error", f->error);
		json_object_end(&j);
	}
	json_newline(&j);
	json_array_end(&j);
	json_object_end(&j);
	send_answer(c, &j, &w, "list");
}

/* One event of "json monitor": a JSON object on one '-' line. */
void ctl_json_event(struct ctl_client *c, const struct conn_entry *ce,
		    const char *event, const char *msg)
{
	struct wbuf w;
	struct json j;

	wb_init(&w);
	json_init(&j, &w);
	json_object_begin(&j, NULL);
	json_int(&j, "version", STATUS_JSON_VERSION);
	json_int(&j, "time", (long long)time(NULL));
	json_string(&j, "name", entry_name(ce));
	json_string(&j, "event", event);
	json_string(&j, "state", conn_state_name(entry_state(ce)));
	json_string(&j, "text", msg ? msg : "");
	json_object_end(&j);
	if (!send_document(c, &j, &w, '-'))
		ctl_line(c, '-', "{\"version\":1,\"event\":\"error\",\"text\":\"cannot write an event as JSON\"}");
	wb_free(&w);
}
