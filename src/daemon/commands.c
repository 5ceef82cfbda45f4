/* The requests of the control protocol. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vpnd/log.h"

#include "ctl_client.h"

#define MAX_WORDS 4 /* connect NAME password HEX */

struct request {
	const char *word[MAX_WORDS];
	size_t n;
	char buf[CTL_LINE_MAX + 1];
};

/* Structural UTF-8 check (no overlong or surrogate policing needed: the
 * text is only compared against profile names). */
static bool utf8_valid(const uint8_t *p, size_t len)
{
	struct rbuf r;
	uint8_t b, cont;
	int more;

	rb_init(&r, p, len);
	while (rb_u8(&r, &b)) {
		if (b < 0x80)
			more = 0;
		else if ((b & 0xe0) == 0xc0)
			more = 1;
		else if ((b & 0xf0) == 0xe0)
			more = 2;
		else if ((b & 0xf8) == 0xf0)
			more = 3;
		else
			return false;
		while (more--)
			if (!rb_u8(&r, &cont) || (cont & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static bool has_control_chars(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return true;
	return false;
}

/* Splits on blanks into at most MAX_WORDS words; -1 if there are more. */
static int split_words(struct request *rq, const char *line, size_t len)
{
	struct rbuf r;
	uint8_t b;
	size_t o = 0;
	bool in_word = false;

	rb_init(&r, (const uint8_t *)line, len);
	rq->n = 0;
	while (rb_u8(&r, &b)) {
		if (b == ' ' || b == '\t') {
			if (in_word)
				rq->buf[o++] = '\0';
			in_word = false;
			continue;
		}
		if (!in_word) {
			if (rq->n == MAX_WORDS)
				return -1;
			rq->word[rq->n++] = &rq->buf[o];
			in_word = true;
		}
		rq->buf[o++] = (char)b;
	}
	rq->buf[o] = '\0';
	return 0;
}

struct conn_entry *ctl_find_profile(struct ctl_client *c, const char *name)
{
	struct conn_entry *ce = conns_find(c->t, name);
	const struct conns_failed *f;

	if (ce)
		return ce;
	f = conns_failed_find(c->t, name);
	if (f)
		ctl_final(c, false, "profile %.64s did not load: %s", name,
			  f->error);
	else
		ctl_final(c, false, "unknown profile '%.64s' (see 'vpnctl list')",
			  name);
	return NULL;
}

static struct ctl_client *waiter_client(struct conns_waiter *w)
{
	return (struct ctl_client *)((char *)w -
				     offsetof(struct ctl_client, w));
}

static void on_progress(struct conns_waiter *w, bool final,
			enum wait_outcome outcome, const char *msg)
{
	struct ctl_client *c = waiter_client(w);

	if (!final)
		ctl_line(c, '-', msg);
	else if (outcome == WAIT_NO_TUNNEL)
		ctl_final_no_tunnel(c, "%s", msg);
	else
		ctl_final(c, outcome == WAIT_OK, "%s", msg);
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The password of "connect NAME password HEX": hex, so that any UTF-8
 * (blanks included) fits one word of the line protocol. Into out
 * (secure heap). */
static int password_from_hex(const char *hex, struct chunk *out,
			     struct verr *e)
{
	size_t n = strlen(hex), i;

	if (!n || n % 2) {
		verr_set(e, "password: an even number of hex digits expected");
		return -1;
	}
	if (!chunk_secure_alloc(out, n / 2)) {
		verr_set(e, "out of memory");
		return -1;
	}
	for (i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			chunk_free(out);
			verr_set(e, "password: not hex");
			return -1;
		}
		out->p[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int take_password(struct conn_entry *ce, const char *hex,
			 struct verr *e)
{
	struct chunk pw = { 0 };
	int rc;

	if (password_from_hex(hex, &pw, e) < 0)
		return -1;
	if (!utf8_valid(pw.p, pw.len) || has_control_chars(pw.p, pw.len)) {
		chunk_free(&pw);
		verr_set(e, "password: not UTF-8 text");
		return -1;
	}
	rc = entry_set_password(ce, (const char *)pw.p, pw.len, e);
	chunk_free(&pw);
	return rc;
}

static void cmd_connect(struct ctl_client *c, const char *name,
			const char *password_hex)
{
	struct conn_entry *ce = ctl_find_profile(c, name);
	struct verr e = { "" };
	int r;

	if (!ce)
		return;
	if (password_hex && take_password(ce, password_hex, &e) < 0) {
		ctl_final(c, false, "%s", e.msg);
		return;
	}
	if (entry_needs_password(ce)) {
		/* vpnctl asks on its terminal and connects again with it */
		ctl_final_password(c, "%s needs a password (EAP-MSCHAPv2): run vpnctl connect %s on a terminal, or set eap 'password-file' in its profile",
				   name, name);
		return;
	}
	c->w.fn = on_progress;
	r = conns_connect(ce, &c->w, &e);
	if (r < 0)
		ctl_final(c, false, "%s", e.msg);
	else if (r > 0)
		ctl_final(c, true, "%s", e.msg);
}

static void cmd_disconnect(struct ctl_client *c, const char *name)
{
	struct conn_entry *ce = ctl_find_profile(c, name);
	struct verr e = { "" };
	int r;

	if (!ce)
		return;
	c->w.fn = on_progress;
	r = conns_disconnect(ce, &c->w, &e);
	if (r < 0)
		ctl_final(c, false, "%s", e.msg);
	else if (r > 0)
		ctl_final(c, true, "%s", e.msg);
}

/* Lines until the client leaves: the current state first, then every
 * progress line and change of state (a roam, a rekey, a reconnect). */
static void cmd_watch(struct ctl_client *c, const char *name)
{
	struct conn_entry *ce = ctl_find_profile(c, name);

	if (!ce)
		return;
	c->w.fn = on_progress;
	conns_watch(ce, &c->w);
}

static struct ctl_client *monitor_client(struct conns_monitor *m)
{
	return (struct ctl_client *)((char *)m -
				     offsetof(struct ctl_client, m));
}

static void on_monitor_event(struct conns_monitor *m,
			     const struct conn_entry *ce, enum conns_event ev,
			     const char *text, const char *msg)
{
	struct ctl_client *c = monitor_client(m);

	if (c->json)
		ctl_json_event(c, ce, conns_event_name(ev), msg);
	else
		ctl_line(c, '-', text);
}

/* Lines until the client leaves: every profile's state, then every
 * event of every connection. */
static void cmd_monitor(struct ctl_client *c)
{
	c->m.fn = on_monitor_event;
	conns_monitor_start(c->t, &c->m);
}

/* what: "child" (the default) or "ike", as swanctl --rekey --child/--ike. */
static void cmd_rekey(struct ctl_client *c, const char *name, const char *what)
{
	struct conn_entry *ce;
	struct verr e = { "" };
	bool ike = what && !strcmp(what, "ike");

	if (what && !ike && strcmp(what, "child")) {
		ctl_final(c, false, "rekey: '%s' is neither 'child' nor 'ike'", what);
		return;
	}
	ce = ctl_find_profile(c, name);
	if (!ce)
		return;
	if (conns_rekey(ce, ike, &e) < 0)
		ctl_final(c, false, "%s", e.msg);
	else
		ctl_final(c, true, "%s: rekeying the %s SA (see 'vpnctl status %s')",
			  name, ike ? "IKE" : "Child", name);
}

static void emit_status_line(struct ctl_client *c, const char *indent,
			     const uint8_t *p, size_t len)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s%.*s", indent, (int)len,
		 (const char *)p);
	ctl_line(c, '.', line);
}

/* conn_status text is multi-line: one data line per line of it. */
static void emit_status(struct ctl_client *c, const struct conn_entry *ce,
			const char *indent)
{
	struct wbuf st;
	size_t i, start = 0, len;

	wb_init(&st);
	entry_status(ce, &st);
	len = st.p ? strnlen((const char *)st.p, st.len) : 0;
	for (i = 0; i < len; i++) {
		if (st.p[i] != '\n')
			continue;
		emit_status_line(c, indent, st.p + start, i - start);
		start = i + 1;
	}
	if (start < len)
		emit_status_line(c, indent, st.p + start, len - start);
	wb_free(&st);
}

/* The status text begins with "NAME: STATE ...": the final line adds
 * nothing to it. */
static void cmd_status_one(struct ctl_client *c, const char *name)
{
	struct conn_entry *ce = ctl_find_profile(c, name);

	if (!ce)
		return;
	emit_status(c, ce, "");
	ctl_final(c, true, "%s", "");
}

static bool is_active(const struct conn_entry *ce)
{
	enum conn_state s = entry_state(ce);

	return s != CONN_IDLE && s != CONN_FAILED;
}

static void cmd_status_all(struct ctl_client *c)
{
	size_t i, n = conns_count(c->t), active = 0;

	for (i = 0; i < n; i++) {
		struct conn_entry *ce = conns_at(c->t, i);

		if (!is_active(ce))
			continue;
		if (active++)
			ctl_line(c, '.', "");
		emit_status(c, ce, "");
	}
	ctl_final(c, true, "%zu profile%s, %zu active", n, n == 1 ? "" : "s",
		  active);
}

/* Every profile with its state and gateway, then the files that did
 * not load with their error. */
static void cmd_list(struct ctl_client *c)
{
	size_t i, n = conns_count(c->t), nf = conns_failed_count(c->t);
	int width = 4;
	struct wbuf line;

	for (i = 0; i < n; i++) {
		int len = (int)strlen(entry_name(conns_at(c->t, i)));

		if (len > width)
			width = len;
	}
	for (i = 0; i < nf; i++) {
		int len = (int)strlen(conns_failed_at(c->t, i)->name);

		if (len > width && len < 256)
			width = len;
	}
	wb_init(&line);
	for (i = 0; i < n; i++) {
		struct conn_entry *ce = conns_at(c->t, i);

		wb_reset(&line);
		wb_printf(&line, "%-*s  %-11s  %s%s", width, entry_name(ce),
			  conn_state_name(entry_state(ce)), entry_gateway(ce),
			  entry_removed(ce) ? "  (profile removed)" : "");
		wb_u8(&line, 0);
		if (!line.oom)
			ctl_line(c, '.', (const char *)line.p);
	}
	for (i = 0; i < nf; i++) {
		const struct conns_failed *f = conns_failed_at(c->t, i);

		wb_reset(&line);
		wb_printf(&line, "%-*s  %-11s  %s", width, f->name, "invalid",
			  f->error);
		wb_u8(&line, 0);
		if (!line.oom)
			ctl_line(c, '.', (const char *)line.p);
	}
	wb_free(&line);
	if (nf)
		ctl_final(c, true, "%zu profile%s, %zu file%s did not load", n,
			  n == 1 ? "" : "s", nf, nf == 1 ? "" : "s");
	else
		ctl_final(c, true, "%zu profile%s", n, n == 1 ? "" : "s");
}

static void reload_error(void *ctx, const char *msg)
{
	log_warn("reload: %s", msg);
	ctl_line(ctx, '.', msg);
}

static void cmd_reload(struct ctl_client *c)
{
	struct verr e = { "" };
	int n = conns_reload(c->t, reload_error, c, &e);

	if (n < 0)
		ctl_final(c, false, "%s", e.msg);
	else
		ctl_final(c, true, "reloaded, %d profile%s", n,
			  n == 1 ? "" : "s");
}

static const char usage[] =
	"commands: connect NAME [password HEX], disconnect NAME, rekey NAME [child|ike], status [NAME], "
	"watch NAME, monitor, list, reload; json status [NAME], json list, json monitor";

static bool want_args(struct ctl_client *c, const struct request *rq,
		      size_t min, size_t max, const char *syntax)
{
	if (rq->n - 1 >= min && rq->n - 1 <= max)
		return true;
	ctl_final(c, false, "usage: %s", syntax);
	return false;
}

/* "json status [NAME]", "json list", "json monitor": the same answers
 * as one JSON document, or JSON lines for monitor (vpnctl(8)). */
static void handle_json(struct ctl_client *c, const struct request *rq)
{
	const char *what = rq->n > 1 ? rq->word[1] : "";

	c->json = true;
	if (!strcmp(what, "status") && rq->n <= 3) {
		ctl_json_status(c, rq->n == 3 ? rq->word[2] : NULL);
	} else if (!strcmp(what, "list") && rq->n == 2) {
		ctl_json_list(c);
	} else if (!strcmp(what, "monitor") && rq->n == 2) {
		cmd_monitor(c);
	} else {
		c->json = false;
		ctl_final(c, false, "usage: json status [NAME], json list, json monitor");
	}
}

void ctl_handle_request(struct ctl_client *c, const char *line, size_t len)
{
	struct request rq;
	const char *cmd;

	if (!utf8_valid((const uint8_t *)line, len) ||
	    has_control_chars((const uint8_t *)line, len)) {
		ctl_final(c, false, "request is not a line of UTF-8 text");
		return;
	}
	if (split_words(&rq, line, len) < 0) {
		ctl_final(c, false, "too many words in request; %s", usage);
		return;
	}
	if (!rq.n) {
		ctl_final(c, false, "empty request; %s", usage);
		return;
	}
	cmd = rq.word[0];
	log_dbg("control: request '%s'", cmd);
	if (!strcmp(cmd, "json")) {
		handle_json(c, &rq);
	} else if (!strcmp(cmd, "connect")) {
		if (!want_args(c, &rq, 1, 3, "connect NAME [password HEX]"))
			;
		else if (rq.n == 2)
			cmd_connect(c, rq.word[1], NULL);
		else if (rq.n == 4 && !strcmp(rq.word[2], "password"))
			cmd_connect(c, rq.word[1], rq.word[3]);
		else
			ctl_final(c, false, "usage: connect NAME [password HEX]");
	} else if (!strcmp(cmd, "disconnect")) {
		if (want_args(c, &rq, 1, 1, "disconnect NAME"))
			cmd_disconnect(c, rq.word[1]);
	} else if (!strcmp(cmd, "rekey")) {
		if (want_args(c, &rq, 1, 2, "rekey NAME [child|ike]"))
			cmd_rekey(c, rq.word[1], rq.n == 3 ? rq.word[2] : NULL);
	} else if (!strcmp(cmd, "status")) {
		if (!want_args(c, &rq, 0, 1, "status [NAME]"))
			return;
		if (rq.n == 2)
			cmd_status_one(c, rq.word[1]);
		else
			cmd_status_all(c);
	} else if (!strcmp(cmd, "watch")) {
		if (want_args(c, &rq, 1, 1, "watch NAME"))
			cmd_watch(c, rq.word[1]);
	} else if (!strcmp(cmd, "monitor")) {
		if (want_args(c, &rq, 0, 0, "monitor"))
			cmd_monitor(c);
	} else if (!strcmp(cmd, "list")) {
		if (want_args(c, &rq, 0, 0, "list"))
			cmd_list(c);
	} else if (!strcmp(cmd, "reload")) {
		if (want_args(c, &rq, 0, 0, "reload"))
			cmd_reload(c);
	} else {
		ctl_final(c, false, "unknown command '%.32s'; %s", cmd, usage);
	}
	OPENSSL_cleanse(&rq, sizeof(rq)); /* a password, maybe */
}
