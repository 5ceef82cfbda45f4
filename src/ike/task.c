/* The per-SA request queue and the owner of every task's outcome (see
 * task.h). transport.c puts requests on the wire and hands responses
 * and timeouts to the task at the head of the queue; what the task
 * returns is acted on here, after the task's code has returned. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"

struct ike_task *sa_active_task(const struct ike_sa *sa)
{
	return sa->tasks && sa->tasks->started ? sa->tasks : NULL;
}

bool sa_has_task(const struct ike_sa *sa, const struct ike_task_ops *ops)
{
	const struct ike_task *t;

	for (t = sa->tasks; t; t = t->next)
		if (t->ops == ops)
			return true;
	return false;
}

static void task_free(struct ike_sa *sa, struct ike_task *t)
{
	if (t->ops->free)
		t->ops->free(sa, t);
	else
		free(t);
}

/* Removes the head of the queue, which has finished. */
static void finish_head(struct ike_sa *sa)
{
	struct ike_task *t = sa->tasks;

	if (!t)
		return;
	sa->tasks = t->next;
	log_dbg("%s: task %s done", sa->prof->name, t->ops->name);
	task_free(sa, t);
}

/* Starts the queued tasks in turn until one is on the wire; one that
 * cannot start is dropped with its reason (it never sent anything).
 * False when a vital one could not: sa->fail_why says why. */
static bool start_next(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	while (sa->tasks && !sa->tasks->started) {
		struct ike_task *t = sa->tasks;
		bool vital = t->ops->vital;

		t->started = true;
		log_dbg("%s: task %s starts", sa->prof->name, t->ops->name);
		if (t->ops->start(sa, t, &e) == 0)
			return true;
		sa->tasks = t->next;
		if (vital) {
			task_fail(sa, "%s", e.msg[0] ? e.msg :
				  "cannot send the request");
			task_free(sa, t);
			return false;
		}
		log_warn("%s: %s could not start: %s", sa->prof->name,
			 t->ops->name, e.msg[0] ? e.msg : "reason unknown");
		task_free(sa, t);
		e.msg[0] = '\0';
	}
	return true;
}

static int enqueue(struct ike_sa *sa, struct ike_task *t, bool first,
		   struct verr *e)
{
	struct ike_task **at = &sa->tasks;
	bool was_idle = !sa->tasks;

	if (!t) {
		verr_set(e, "out of memory");
		return -1;
	}
	t->next = NULL;
	t->started = false;
	if (first) {
		/* Behind the request on the wire, ahead of the waiting. */
		if (*at && (*at)->started)
			at = &(*at)->next;
	} else {
		while (*at)
			at = &(*at)->next;
	}
	t->next = *at;
	*at = t;
	if (!was_idle && sa->tasks != t)
		return 0;
	/* The queue was idle (or t goes first): start it now, so that the
	 * caller learns at once when it cannot. */
	t->started = true;
	log_dbg("%s: task %s starts", sa->prof->name, t->ops->name);
	if (t->ops->start(sa, t, e) == 0)
		return 0;
	sa->tasks = t->next;
	task_free(sa, t);
	/* Nothing was on the wire, so the others wait for nobody; a vital
	 * one that fails here is the caller's failure too. */
	if (!start_next(sa) && !e->msg[0])
		verr_set(e, "%s", sa->fail_why);
	return -1;
}

void *task_new(const struct ike_task_ops *ops, size_t size)
{
	struct ike_task *t = calloc(1, size);

	if (t)
		t->ops = ops;
	return t;
}

int sa_queue_new(struct ike_sa *sa, const struct ike_task_ops *ops,
		 struct verr *e)
{
	struct ike_task *t = task_new(ops, sizeof(*t));

	if (!t) {
		verr_set(e, "out of memory");
		return -1;
	}
	return sa_queue(sa, t, e);
}

int sa_queue(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	if (sa->state == IKE_DELETING) {
		verr_set(e, "the IKE SA is being deleted");
		if (t)
			task_free(sa, t);
		return -1;
	}
	return enqueue(sa, t, false, e);
}

int sa_queue_first(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	return enqueue(sa, t, true, e);
}

void sa_tasks_free(struct ike_sa *sa)
{
	while (sa->tasks) {
		struct ike_task *t = sa->tasks;

		sa->tasks = t->next;
		task_free(sa, t);
	}
}

static enum task_rc set_why(struct ike_sa *sa, enum task_rc rc,
			    enum conn_reason why, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static enum task_rc set_why(struct ike_sa *sa, enum task_rc rc,
			    enum conn_reason why, const char *fmt, va_list ap)
{
	vsnprintf(sa->fail_why, sizeof(sa->fail_why), fmt, ap);
	sa->fail_reason = why;
	return rc;
}

enum task_rc task_fail(struct ike_sa *sa, const char *fmt, ...)
{
	enum task_rc rc;
	va_list ap;

	va_start(ap, fmt);
	rc = set_why(sa, TASK_FAILED, REASON_ERROR, fmt, ap);
	va_end(ap);
	return rc;
}

enum task_rc task_fail_as(struct ike_sa *sa, enum conn_reason why,
			  const char *fmt, ...)
{
	enum task_rc rc;
	va_list ap;

	va_start(ap, fmt);
	rc = set_why(sa, TASK_FAILED, why, fmt, ap);
	va_end(ap);
	return rc;
}

enum task_rc task_gone(struct ike_sa *sa, enum conn_reason why,
		       const char *fmt, ...)
{
	enum task_rc rc;
	va_list ap;

	va_start(ap, fmt);
	rc = set_why(sa, TASK_GONE, why, fmt, ap);
	va_end(ap);
	return rc;
}

enum task_rc task_redirect(struct ike_sa *sa, const struct gw_ident *gw,
			   uint8_t exchange)
{
	sa->redirect_to = *gw;
	sa->redirect_exchange = exchange;
	return TASK_REDIRECT;
}

void sa_act(struct ike_sa *sa, enum task_rc rc)
{
	/* The conn may free the SA before it is done with the reason. */
	char why[sizeof(sa->fail_why)];
	enum conn_reason code = sa->fail_reason;
	struct gw_ident to = sa->redirect_to;

	memcpy(why, sa->fail_why, sizeof(why));
	switch (rc) {
	case TASK_DONE:
	case TASK_IGNORE:
	case TASK_MORE:
		return;
	case TASK_UP:
		sa_up(sa);
		return;
	case TASK_FAILED:
		sa_failed(sa, code, "%s", why);
		return;
	case TASK_REDIRECT:
		sa_redirect(sa, &to, sa->redirect_exchange);
		return;
	case TASK_GONE:
		sa_down(sa, code, why);
		return;
	case TASK_REKEYED:
		sa_rekeyed(sa);
		return;
	}
}

void sa_settle(struct ike_sa *sa, enum task_rc rc)
{
	if (rc == TASK_IGNORE || rc == TASK_MORE)
		return;
	finish_head(sa);
	/* Only an SA that goes on runs its next task: a failed, redirected
	 * or deleted one has nothing more to ask, and a rekeyed one hands
	 * its waiting tasks to its successor (sa_rekeyed). */
	if ((rc == TASK_DONE || rc == TASK_UP) && !start_next(sa))
		rc = TASK_FAILED;
	sa_act(sa, rc);         /* last: the conn may free the SA */
}

void sa_move_tasks(struct ike_sa *from, struct ike_sa *to)
{
	struct ike_task **at = &from->tasks;
	struct verr e = { { 0 } };

	if (*at && (*at)->started)
		at = &(*at)->next;
	while (*at) {
		struct ike_task *t = *at;

		*at = t->next;
		log_dbg("%s: task %s moves to the new IKE SA", from->prof->name,
			t->ops->name);
		if (sa_queue(to, t, &e) < 0)
			log_warn("%s: %s dropped: %s", from->prof->name,
				 t->ops->name, e.msg);
	}
}
