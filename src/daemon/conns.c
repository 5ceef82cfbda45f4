#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpnd/log.h"

#include "conns.h"

struct conn_entry {
	struct conns *t;
	char name[PROFILE_NAME_MAX];
	char gateway[PROFILE_STR_MAX + 32];
	struct conn *conn;
	struct profile *pending; /* newer profile, used once idle */
	bool removed;            /* gone from the directory */
	bool seen;               /* scratch flag of conns_reload */
	struct conns_waiter *waiters;
	uint64_t apply_timer;
	uint64_t queued_timer;   /* starts the connects a close held back */
};

struct conns {
	struct loop *l;
	struct engine *eng;     /* the connections are made on it */
	char *dir;
	struct profile_source src;
	struct conn_entry **v;
	size_t n, cap;
	struct conns_monitor *monitors;
	struct conns_failed *failed;    /* of the last reload */
	size_t n_failed;

	bool shutting;
	bool freeing;           /* conns_free: nobody is told any more */
	void (*shutdown_done)(void *ctx, bool all_down);
	void *shutdown_ctx;
	uint64_t shutdown_timer;
	uint64_t check_timer;

	void (*changed)(void *ctx);
	void *changed_ctx;
};

void conns_on_change(struct conns *t, void (*fn)(void *ctx), void *ctx)
{
	t->changed = fn;
	t->changed_ctx = ctx;
}

static void table_changed(const struct conns *t)
{
	if (t->changed)
		t->changed(t->changed_ctx);
}

static bool state_is_down(enum conn_state s)
{
	return s == CONN_IDLE || s == CONN_FAILED;
}

/* Someone waits for an operation (a watch waits for none). */
static bool has_operation(const struct conn_entry *ce)
{
	const struct conns_waiter *w;

	for (w = ce->waiters; w; w = w->next)
		if (w->kind != WAIT_WATCH)
			return true;
	return false;
}

static bool entry_is_quiet(const struct conn_entry *ce)
{
	return state_is_down(conn_get_state(ce->conn)) && !has_operation(ce);
}

const char *entry_name(const struct conn_entry *ce)
{
	return ce->name;
}

const char *entry_gateway(const struct conn_entry *ce)
{
	return ce->gateway;
}

bool entry_needs_password(const struct conn_entry *ce)
{
	return conn_needs_password(ce->conn);
}

int entry_set_password(struct conn_entry *ce, const char *pw, size_t len,
		       struct verr *e)
{
	return conn_set_password(ce->conn, pw, len, e);
}

enum conn_state entry_state(const struct conn_entry *ce)
{
	return conn_get_state(ce->conn);
}

void entry_state_text(const struct conn_entry *ce, char *out, size_t len)
{
	conn_state_text(ce->conn, out, len);
}

void entry_peer(const struct conn_entry *ce, char *out, size_t len)
{
	/* Large (the status of every SA); not for the stack of a callback. */
	struct conn_status *st = calloc(1, sizeof(*st));
	char addr[INET6_ADDRSTRLEN] = "";
	const void *a = NULL;

	if (!st) {
		snprintf(out, len, "%s", ce->gateway);
		return;
	}
	conn_status_get(ce->conn, st);
	if (st->has_sa && st->ike.peer.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&st->ike.peer)->sin_addr;
	else if (st->has_sa && st->ike.peer.ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)&st->ike.peer)->sin6_addr;
	if (a && inet_ntop(st->ike.peer.ss_family, a, addr, sizeof(addr)))
		snprintf(out, len, "%s", addr);
	else
		snprintf(out, len, "%s", *st->gateway ? st->gateway : ce->gateway);
	free(st);
}

bool entry_removed(const struct conn_entry *ce)
{
	return ce->removed;
}

void entry_status(const struct conn_entry *ce, struct wbuf *out)
{
	conn_status(ce->conn, out);
}

void entry_status_get(const struct conn_entry *ce, struct conn_status *st)
{
	conn_status_get(ce->conn, st);
}

size_t conns_failed_count(const struct conns *t)
{
	return t->n_failed;
}

const struct conns_failed *conns_failed_at(const struct conns *t, size_t i)
{
	return i < t->n_failed ? &t->failed[i] : NULL;
}

const struct conns_failed *conns_failed_find(const struct conns *t,
					     const char *name)
{
	size_t i;

	for (i = 0; i < t->n_failed; i++)
		if (!strcmp(t->failed[i].name, name))
			return &t->failed[i];
	return NULL;
}

static void failed_free(struct conns_failed *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].file);
		free(v[i].error);
	}
	free(v);
}

size_t conns_count(const struct conns *t)
{
	return t->n;
}

struct conn_entry *conns_at(const struct conns *t, size_t i)
{
	return i < t->n ? t->v[i] : NULL;
}

struct conn_entry *conns_find(const struct conns *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i]->name, name))
			return t->v[i];
	return NULL;
}

const char *conns_event_name(enum conns_event ev)
{
	static const char *const names[] = {
		[CONNS_EV_STATE] = "state",
		[CONNS_EV_PROGRESS] = "progress",
		[CONNS_EV_UP] = "up",
		[CONNS_EV_NO_TUNNEL] = "no-tunnel",
		[CONNS_EV_FAILED] = "failed",
		[CONNS_EV_DOWN] = "down",
		[CONNS_EV_GONE] = "gone",
	};

	return (unsigned)ev < sizeof(names) / sizeof(names[0]) ? names[ev] :
								 "?";
}

/* A callback may stop its own monitor (client gone): keep next. */
static void notify_monitors(struct conn_entry *ce, enum conns_event ev,
			    const char *text, const char *msg)
{
	struct conns_monitor *m, *next;

	for (m = ce->t->monitors; m; m = next) {
		next = m->next;
		m->fn(m, ce, ev, text, msg);
	}
}

void conns_monitor_start(struct conns *t, struct conns_monitor *m)
{
	char state[512], line[PROFILE_NAME_MAX + 520];
	size_t i;

	m->t = t;
	m->next = t->monitors;
	t->monitors = m;
	for (i = 0; i < t->n && m->t; i++) {
		entry_state_text(t->v[i], state, sizeof(state));
		snprintf(line, sizeof(line), "%s: %s", t->v[i]->name, state);
		m->fn(m, t->v[i], CONNS_EV_STATE, line, state);
	}
}

void conns_monitor_stop(struct conns_monitor *m)
{
	struct conns_monitor **pp;

	if (!m->t)
		return;
	for (pp = &m->t->monitors; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	m->t = NULL;
	m->next = NULL;
}

static void waiter_attach(struct conn_entry *ce, struct conns_waiter *w)
{
	w->entry = ce;
	w->next = ce->waiters;
	ce->waiters = w;
}

void conns_detach(struct conns_waiter *w)
{
	struct conns_waiter **pp;

	if (!w->entry)
		return;
	for (pp = &w->entry->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	w->entry = NULL;
	w->next = NULL;
}

static void notify_progress(struct conn_entry *ce, const char *msg)
{
	struct conns_waiter *w, *next;

	/* A callback may detach its own waiter (client gone): keep next. */
	for (w = ce->waiters; w; w = next) {
		next = w->next;
		if (w->kind == WAIT_CONNECT || w->kind == WAIT_CONNECT_QUEUED ||
		    w->kind == WAIT_WATCH)
			w->fn(w, false, WAIT_OK, msg);
	}
}

/* A change of state, as a line for the watches. */
static void notify_watches(struct conn_entry *ce, const char *msg)
{
	struct conns_waiter *w, *next;

	for (w = ce->waiters; w; w = next) {
		next = w->next;
		if (w->kind == WAIT_WATCH)
			w->fn(w, false, WAIT_OK, msg);
	}
}

void conns_watch(struct conn_entry *ce, struct conns_waiter *w)
{
	char state[512], line[600];

	w->kind = WAIT_WATCH;
	waiter_attach(ce, w);
	entry_state_text(ce, state, sizeof(state));
	snprintf(line, sizeof(line), "%s: %s", ce->name, state);
	w->fn(w, false, WAIT_OK, line);
}

/* Detaches every waiter of one kind first, so that the callbacks
 * (which may free their waiter) never run against a list in use. */
static struct conns_waiter *take_waiters(struct conn_entry *ce,
					 enum wait_kind kind)
{
	struct conns_waiter *done = NULL, **pp = &ce->waiters, *w;

	while (*pp) {
		w = *pp;
		if (w->kind == kind) {
			*pp = w->next;
			w->entry = NULL;
			w->next = done;
			done = w;
		} else {
			pp = &w->next;
		}
	}
	return done;
}

static void finish_waiters(struct conn_entry *ce, enum wait_kind kind,
			   enum wait_outcome outcome, const char *msg)
{
	struct conns_waiter *done = take_waiters(ce, kind), *w;

	while (done) {
		w = done;
		done = w->next;
		w->next = NULL;
		w->fn(w, true, outcome, msg);
	}
}

static void entry_destroy(struct conns *t, struct conn_entry *ce)
{
	struct conns_waiter *w;
	char text[PROFILE_NAME_MAX + 32];

	snprintf(text, sizeof(text), "%s is gone", ce->name);
	finish_waiters(ce, WAIT_WATCH, WAIT_OK, text);
	if (!t->freeing)
		notify_monitors(ce, CONNS_EV_GONE, text, "profile removed");

	while ((w = ce->waiters)) {
		ce->waiters = w->next;
		w->entry = NULL;
		w->next = NULL;
	}
	loop_timer_cancel(t->l, ce->apply_timer);
	loop_timer_cancel(t->l, ce->queued_timer);
	if (ce->conn)
		conn_free(ce->conn);
	if (ce->pending) {
		t->src.free_one(ce->pending);
		free(ce->pending);
	}
	free(ce);
}

static void table_remove(struct conns *t, struct conn_entry *ce)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i] == ce) {
			memmove(&t->v[i], &t->v[i + 1],
				(t->n - i - 1) * sizeof(t->v[0]));
			t->n--;
			break;
		}
	}
	entry_destroy(t, ce);
	table_changed(t);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct conn_entry *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void conn_event(void *ctx, struct conn *c, enum conn_event ev,
		       const char *msg);

static void set_gateway(struct conn_entry *ce, const struct profile *p)
{
	if (p->n_gateways > 1)
		snprintf(ce->gateway, sizeof(ce->gateway), "%.255s (+%u)",
			 p->gateways[0], (unsigned)(p->n_gateways - 1));
	else if (p->n_gateways == 1)
		snprintf(ce->gateway, sizeof(ce->gateway), "%.255s",
			 p->gateways[0]);
	else
		snprintf(ce->gateway, sizeof(ce->gateway), "-");
}

/* Gives the entry a fresh conn for profile p (copied by conn_new). */
static int entry_set_profile(struct conn_entry *ce, const struct profile *p)
{
	struct conn *c = conn_new(ce->t->eng, p, conn_event, ce);

	if (!c)
		return -1;
	if (ce->conn)
		conn_free(ce->conn);
	ce->conn = c;
	set_gateway(ce, p);
	return 0;
}

static void apply_pending(struct conn_entry *ce)
{
	struct conns *t = ce->t;

	if (!entry_is_quiet(ce))
		return;
	if (ce->removed) {
		log_info("%s: profile removed, dropping it", ce->name);
		table_remove(t, ce);
		return;
	}
	if (!ce->pending)
		return;
	if (entry_set_profile(ce, ce->pending) < 0)
		log_err("%s: cannot apply the reloaded profile", ce->name);
	else
		log_info("%s: reloaded profile applied", ce->name);
	t->src.free_one(ce->pending);
	free(ce->pending);
	ce->pending = NULL;
}

static void apply_pending_timer(void *ctx)
{
	struct conn_entry *ce = ctx;

	ce->apply_timer = 0;
	apply_pending(ce);
}

static bool all_down(const struct conns *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!state_is_down(conn_get_state(t->v[i]->conn)))
			return false;
	return true;
}

static void shutdown_finish(struct conns *t, bool down)
{
	void (*done)(void *, bool) = t->shutdown_done;

	loop_timer_cancel(t->l, t->shutdown_timer);
	loop_timer_cancel(t->l, t->check_timer);
	t->shutdown_timer = t->check_timer = 0;
	t->shutdown_done = NULL;
	if (done)
		done(t->shutdown_ctx, down);
}

static void shutdown_check(void *ctx)
{
	struct conns *t = ctx;

	t->check_timer = 0;
	if (all_down(t))
		shutdown_finish(t, true);
}

static void shutdown_timeout(void *ctx)
{
	struct conns *t = ctx;

	t->shutdown_timer = 0;
	log_warn("not every connection went down in time, exiting anyway");
	shutdown_finish(t, false);
}

static bool has_waiters(const struct conn_entry *ce, enum wait_kind kind)
{
	const struct conns_waiter *w;

	for (w = ce->waiters; w; w = w->next)
		if (w->kind == kind)
			return true;
	return false;
}

/* The close is over: the connects it held back start now, as if they
 * had just arrived (a reloaded profile applies first). */
static void start_queued(void *ctx)
{
	struct conn_entry *ce = ctx;
	struct conns_waiter *queued, *w;
	struct verr e = { "" };
	int r;

	ce->queued_timer = 0;
	queued = take_waiters(ce, WAIT_CONNECT_QUEUED);
	while (queued) {
		w = queued;
		queued = w->next;
		w->next = NULL;
		e.msg[0] = '\0';
		r = conns_connect(ce, w, &e);
		if (r != 0)
			w->fn(w, true, r > 0 ? WAIT_OK : WAIT_FAILED, e.msg);
	}
	apply_pending(ce); /* a removed profile nobody connects goes */
}

/* Runs from the engine's callback: anything that may free the conn is
 * deferred to a timer. */
static void went_down(struct conn_entry *ce)
{
	struct conns *t = ce->t;

	if (has_waiters(ce, WAIT_CONNECT_QUEUED)) {
		if (!ce->queued_timer)
			ce->queued_timer = loop_timer(t->l, 0, start_queued,
						      ce);
	} else if ((ce->pending || ce->removed) && !ce->apply_timer) {
		ce->apply_timer = loop_timer(t->l, 0, apply_pending_timer, ce);
	}
	if (t->shutdown_done && !t->check_timer)
		t->check_timer = loop_timer(t->l, 0, shutdown_check, t);
}

/* A line about ce, with its name, gateway and the event as journal
 * fields (vpnd/log.h). */
#define entry_log(ce, lvl, ev, ...)                                         \
	do {                                                                \
		char peer_[PROFILE_STR_MAX + 32];                           \
									    \
		entry_peer((ce), peer_, sizeof(peer_));                     \
		vlog_fields((lvl),                                          \
			    &(struct log_fields){ .connection = (ce)->name, \
						  .gateway = peer_,         \
						  .event = (ev) },          \
			    __VA_ARGS__);                                   \
	} while (0)

static void conn_event(void *ctx, struct conn *c, enum conn_event ev,
		       const char *msg)
{
	struct conn_entry *ce = ctx;
	char text[512];

	if (!msg)
		msg = "";
	switch (ev) {
	case CEV_PROGRESS:
		notify_progress(ce, msg);
		snprintf(text, sizeof(text), "%s: %s", ce->name, msg);
		notify_monitors(ce, CONNS_EV_PROGRESS, text, msg);
		break;
	case CEV_UP:
		entry_log(ce, LOG_INFO, "up", "%s: up%s%s", ce->name,
			  *msg ? ": " : "", msg);
		snprintf(text, sizeof(text), "%s is up%s%s", ce->name,
			 *msg ? ": " : "", msg);
		notify_watches(ce, text);
		notify_monitors(ce, CONNS_EV_UP, text, msg);
		finish_waiters(ce, WAIT_CONNECT, WAIT_OK, text);
		break;
	case CEV_NO_TUNNEL:
		entry_log(ce, LOG_INFO, "no-tunnel",
			  "%s: established, no tunnel: %s", ce->name, msg);
		snprintf(text, sizeof(text), "%s is established, no tunnel: %s",
			 ce->name, msg);
		notify_watches(ce, text);
		notify_monitors(ce, CONNS_EV_NO_TUNNEL, text, msg);
		finish_waiters(ce, WAIT_CONNECT, WAIT_NO_TUNNEL, text);
		break;
	case CEV_FAILED:
		entry_log(ce, LOG_INFO, "failed", "%s: failed%s%s", ce->name,
			  *msg ? ": " : "", msg);
		snprintf(text, sizeof(text), "%s: %s", ce->name,
			 *msg ? msg : "connection failed");
		notify_watches(ce, text);
		notify_monitors(ce, CONNS_EV_FAILED, text, msg);
		finish_waiters(ce, WAIT_CONNECT, WAIT_FAILED, text);
		snprintf(text, sizeof(text), "%s is down", ce->name);
		finish_waiters(ce, WAIT_DISCONNECT, WAIT_OK, text);
		went_down(ce);
		break;
	case CEV_DOWN:
		entry_log(ce, LOG_INFO, "down", "%s: down%s%s", ce->name,
			  *msg ? ": " : "", msg);
		snprintf(text, sizeof(text), "%s went down%s%s", ce->name,
			 *msg ? ": " : "", msg);
		notify_watches(ce, text);
		notify_monitors(ce, CONNS_EV_DOWN, text, msg);
		finish_waiters(ce, WAIT_CONNECT, WAIT_FAILED, text);
		snprintf(text, sizeof(text), "%s is down", ce->name);
		finish_waiters(ce, WAIT_DISCONNECT, WAIT_OK, text);
		went_down(ce);
		break;
	}
	table_changed(ce->t);
}

struct conns *conns_new(struct loop *l, struct engine *eng,
			const char *profile_dir,
			const struct profile_source *src)
{
	struct conns *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->dir = strdup(profile_dir);
	if (!t->dir) {
		free(t);
		return NULL;
	}
	t->l = l;
	t->eng = eng;
	t->src = *src;
	return t;
}

void conns_free(struct conns *t)
{
	size_t i;

	if (!t)
		return;
	t->changed = NULL; /* nothing to summarise from a table going away */
	loop_timer_cancel(t->l, t->shutdown_timer);
	loop_timer_cancel(t->l, t->check_timer);
	t->freeing = true;
	while (t->monitors)
		conns_monitor_stop(t->monitors);
	for (i = 0; i < t->n; i++)
		entry_destroy(t, t->v[i]);
	free(t->v);
	failed_free(t->failed, t->n_failed);
	free(t->dir);
	free(t);
}

static struct conn_entry *table_add(struct conns *t, const struct profile *p)
{
	struct conn_entry *ce;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct conn_entry **v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	ce = calloc(1, sizeof(*ce));
	if (!ce)
		return NULL;
	ce->t = t;
	snprintf(ce->name, sizeof(ce->name), "%s", p->name);
	if (entry_set_profile(ce, p) < 0) {
		free(ce);
		return NULL;
	}
	t->v[t->n++] = ce;
	return ce;
}

/* Moves *p (including its secret) into a heap copy owned by ce. */
static int entry_stash(struct conn_entry *ce, struct profile *p)
{
	struct profile *copy = malloc(sizeof(*copy));

	if (!copy)
		return -1;
	memcpy(copy, p, sizeof(*copy));
	memset(p, 0, sizeof(*p));
	if (ce->pending) {
		ce->t->src.free_one(ce->pending);
		free(ce->pending);
	}
	ce->pending = copy;
	return 0;
}

static void report(profile_err_fn on_err, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(profile_err_fn on_err, void *ctx, const char *fmt, ...)
{
	char msg[PATH_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (on_err)
		on_err(ctx, msg);
	else
		log_warn("%s", msg);
}

/* What one reload collects: the caller's callback and the files that
 * failed, which replace the table's list once the directory was read. */
struct reload_ctx {
	profile_err_fn on_err;
	void *ctx;
	struct conns_failed *failed;
	size_t n_failed, cap;
	bool oom;
};

/* "/etc/vpnd/profiles/office.yaml" -> "office" */
static char *file_stem(const char *file)
{
	const char *base = strrchr(file, '/'), *dot;

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	return strndup(base, dot && dot != base ? (size_t)(dot - base) :
						   strlen(base));
}

static void note_failed(struct reload_ctx *rc, const char *file,
			const char *msg)
{
	struct conns_failed *f;

	if (!file)
		return;
	if (rc->n_failed == rc->cap) {
		size_t cap = rc->cap ? rc->cap * 2 : 4;
		struct conns_failed *v = realloc(rc->failed, cap * sizeof(*v));

		if (!v) {
			rc->oom = true;
			return;
		}
		rc->failed = v;
		rc->cap = cap;
	}
	f = &rc->failed[rc->n_failed];
	f->name = file_stem(file);
	f->file = strdup(file);
	f->error = strdup(msg);
	if (!f->name || !f->file || !f->error) {
		free(f->name);
		free(f->file);
		free(f->error);
		rc->oom = true;
		return;
	}
	rc->n_failed++;
}

static void reload_file_error(void *ctx, const char *file, const char *msg)
{
	struct reload_ctx *rc = ctx;

	note_failed(rc, file, msg);
	if (rc->on_err)
		rc->on_err(rc->ctx, msg);
	else
		log_warn("%s", msg);
}

static bool earlier_duplicate(const struct profile *arr, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(arr[j].name, arr[i].name))
			return true;
	return false;
}

static void reload_one(struct conns *t, struct profile *p,
		       profile_err_fn on_err, void *ctx)
{
	struct conn_entry *ce = conns_find(t, p->name);

	if (!ce) {
		ce = table_add(t, p);
		if (ce)
			ce->seen = true;
		else
			report(on_err, ctx, "%s: cannot set up profile %s",
			       p->path, p->name);
		return;
	}
	ce->seen = true;
	ce->removed = false;
	if (entry_is_quiet(ce)) {
		if (ce->pending) {
			t->src.free_one(ce->pending);
			free(ce->pending);
			ce->pending = NULL;
		}
		if (entry_set_profile(ce, p) < 0)
			report(on_err, ctx, "%s: cannot set up profile %s",
			       p->path, p->name);
		return;
	}
	/* Up or busy: keep it running on the profile it was started with. */
	if (entry_stash(ce, p) < 0)
		report(on_err, ctx, "%s: out of memory for profile %s",
		       p->path, p->name);
	else
		log_info("%s: is active, the new profile applies once it is down",
			 ce->name);
}

int conns_reload(struct conns *t, profile_err_fn on_err, void *ctx,
		 struct verr *e)
{
	struct reload_ctx rc = { .on_err = on_err, .ctx = ctx };
	struct profile *arr = NULL;
	size_t n = 0, i, loaded = 0;

	errno = 0;
	if (t->src.load_dir(t->dir, &arr, &n, reload_file_error, &rc) < 0) {
		if (errno)
			verr_set(e, "cannot read profile directory %s: %s",
				 t->dir, strerror(errno));
		else
			verr_set(e, "cannot read profile directory %s", t->dir);
		failed_free(rc.failed, rc.n_failed);
		return -1;
	}
	for (i = 0; i < t->n; i++)
		t->v[i]->seen = false;
	for (i = 0; i < n; i++) {
		if (earlier_duplicate(arr, i)) {
			char msg[PATH_MAX + 128];

			snprintf(msg, sizeof(msg),
				 "%s: duplicate profile name %s, file ignored",
				 arr[i].path, arr[i].name);
			reload_file_error(&rc, arr[i].path, msg);
			continue;
		}
		reload_one(t, &arr[i], on_err, ctx);
		loaded++;
	}
	for (i = 0; i < n; i++)
		t->src.free_one(&arr[i]);
	free(arr);
	if (rc.oom)
		log_warn("out of memory: not every profile that failed to load is listed");
	failed_free(t->failed, t->n_failed);
	t->failed = rc.failed;
	t->n_failed = rc.n_failed;

	for (i = t->n; i-- > 0;) {
		struct conn_entry *ce = t->v[i];

		if (ce->seen)
			continue;
		ce->removed = true;
		if (entry_is_quiet(ce))
			table_remove(t, ce);
		else
			log_info("%s: profile removed, dropping it once it is down",
				 ce->name);
	}
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(t->v[0]), entry_cmp);
	table_changed(t);
	return (int)loaded;
}

int conns_connect(struct conn_entry *ce, struct conns_waiter *w,
		  struct verr *e)
{
	struct conns *t = ce->t;
	char text[PROFILE_NAME_MAX + 64];

	if (t->shutting) {
		verr_set(e, "vpnd is shutting down");
		return -1;
	}
	switch (conn_get_state(ce->conn)) {
	case CONN_ESTABLISHED:
		verr_set(e, "%s is already up", ce->name);
		return 1;
	case CONN_NO_TUNNEL: {
		char state[512], already[600];

		entry_state_text(ce, state, sizeof(state));
		snprintf(already, sizeof(already), "%s is already %s",
			 ce->name, state);
		w->fn(w, true, WAIT_NO_TUNNEL, already);
		return 0;
	}
	case CONN_CONNECTING:
		/* Follow the attempt that is already running. */
		w->kind = WAIT_CONNECT;
		waiter_attach(ce, w);
		return 0;
	case CONN_CLOSING:
		/* The user wants it up: once the delete is over. */
		w->kind = WAIT_CONNECT_QUEUED;
		waiter_attach(ce, w);
		snprintf(text, sizeof(text),
			 "%s is closing; connecting once it is down", ce->name);
		w->fn(w, false, WAIT_OK, text);
		return 0;
	default:
		break;
	}
	if (ce->removed) {
		verr_set(e, "profile %s was removed", ce->name);
		return -1;
	}
	if (ce->pending) {
		loop_timer_cancel(t->l, ce->apply_timer);
		ce->apply_timer = 0;
		apply_pending(ce);
	}
	w->kind = WAIT_CONNECT;
	waiter_attach(ce, w);
	if (conn_connect(ce->conn, e) < 0) {
		conns_detach(w);
		return -1;
	}
	entry_log(ce, LOG_INFO, "connecting", "%s: connecting", ce->name);
	table_changed(t);
	return 0;
}

int conns_rekey(struct conn_entry *ce, bool ike, struct verr *e)
{
	if ((ike ? conn_rekey_ike(ce->conn, e) : conn_rekey_child(ce->conn, e)) < 0)
		return -1;
	log_info("%s: rekeying the %s SA (requested)", ce->name,
		 ike ? "IKE" : "Child");
	return 0;
}

int conns_disconnect(struct conn_entry *ce, struct conns_waiter *w,
		     struct verr *e)
{
	enum conn_state s = conn_get_state(ce->conn);
	char text[PROFILE_NAME_MAX + 64];

	snprintf(text, sizeof(text), "%s: connect cancelled by a disconnect",
		 ce->name);
	finish_waiters(ce, WAIT_CONNECT_QUEUED, WAIT_FAILED, text);
	if (state_is_down(s)) {
		verr_set(e, "%s is not connected", ce->name);
		return 1;
	}
	w->kind = WAIT_DISCONNECT;
	waiter_attach(ce, w);
	conn_forget_resumption(ce->conn);
	if (s != CONN_CLOSING) {
		entry_log(ce, LOG_INFO, "disconnecting", "%s: disconnecting",
			  ce->name);
		conn_disconnect(ce->conn);
		table_changed(ce->t);
	}
	return 0;
}

void conns_shutdown(struct conns *t, unsigned timeout_ms,
		    void (*done)(void *ctx, bool all_down), void *ctx)
{
	size_t i;

	t->shutting = true;
	t->shutdown_done = done;
	t->shutdown_ctx = ctx;
	for (i = 0; i < t->n; i++) {
		enum conn_state s = conn_get_state(t->v[i]->conn);

		if (!state_is_down(s) && s != CONN_CLOSING) {
			entry_log(t->v[i], LOG_INFO, "disconnecting",
				  "%s: disconnecting (shutdown)",
				  t->v[i]->name);
			conn_disconnect(t->v[i]->conn);
		}
	}
	table_changed(t);
	/* Never call done from here: the caller may not expect it yet. */
	t->shutdown_timer = loop_timer(t->l, timeout_ms, shutdown_timeout, t);
	t->check_timer = loop_timer(t->l, 0, shutdown_check, t);
}
