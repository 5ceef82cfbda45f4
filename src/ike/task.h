/* Exchanges as tasks on a per-SA request queue (RFC 7296 2.3).
 *
 * Every request of ours belongs to one task: IKE_SA_INIT, IKE_AUTH, a
 * liveness check, a Child SA rekey, a DELETE, ... The IKE SA keeps its
 * tasks in a queue; the first one is the exchange on the wire (window
 * of one), the others wait their turn. Nothing is cancelled behind the
 * owner's back: a task leaves the queue only by finishing, and the whole
 * queue goes only with its SA.
 *
 * A task never acts on the SA's life itself (fail it, redirect it, free
 * it): it returns an outcome, and task.c, the owner, acts on it once the
 * task's code has returned (sa_settle). */
#ifndef VPND_IKE_TASK_H
#define VPND_IKE_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "vpnd/conn.h"
#include "vpnd/wire.h"

struct ike_sa;
struct ike_task;

/* A message from the gateway, parsed once: the header, the payloads (the
 * SK payload's inner chain for a protected one) and an index of its
 * notifies, each parsed. */
struct ike_msg {
	const struct ike_hdr *hdr;
	const struct payload_list *pl;
	const uint8_t *raw;             /* the whole datagram, as received */
	size_t raw_len;
	size_t n_notify;
	struct notify_payload notify[IKE_MAX_PAYLOADS]; /* in message order */
	uint16_t first_error;           /* first error notify (< 16384), 0 */
	size_t n_malformed;             /* notifies that did not parse */
};

/* Fills m from a parsed message: the notify index. */
void msg_index(struct ike_msg *m, const struct ike_hdr *h,
	       const struct payload_list *pl, const uint8_t *raw,
	       size_t raw_len);

/* msg_rules.c: whether m carries only what its exchange allows, in
 * the numbers allowed; -1 with why when not. */
int msg_check(const struct ike_msg *m, bool response, char *why,
	      size_t why_len);

/* The notify of a type in m, or NULL. */
const struct notify_payload *msg_notify(const struct ike_msg *m,
					uint16_t type);
/* The first payload of a type in m, or NULL. */
const struct ike_payload *msg_payload(const struct ike_msg *m, uint8_t type);

enum task_rc {
	TASK_DONE,      /* finished: the next task may start */
	TASK_MORE,      /* sent another request of its own and waits for it */
	TASK_IGNORE,    /* the response is not usable: keep waiting (2.21) */
	TASK_FAILED,    /* the SA cannot go on: sa->fail_why says why */
	TASK_REDIRECT,  /* the gateway sent us elsewhere (sa->redirect_to) */
	TASK_UP,        /* IKE_AUTH done: the SA is established */
	TASK_GONE,      /* the SA is deleted on both sides (sa->fail_why) */
	TASK_REKEYED,   /* the SA was replaced by a rekey (sa->successor) */
};

struct ike_task_ops {
	const char *name;               /* for logs: "IKE_AUTH", "liveness" */
	bool vital;                     /* the SA cannot go on when this one
					   cannot start */
	bool child;                     /* makes, rekeys or deletes a Child
					   SA (RFC 7296 2.25.2) */
	/* Sends the task's request (sa_send_clear / sa_send_protected).
	 * -1 with a reason: the task could not start. */
	int (*start)(struct ike_sa *sa, struct ike_task *t, struct verr *e);
	/* The response to the task's request, authenticated when it was
	 * protected. */
	enum task_rc (*response)(struct ike_sa *sa, struct ike_task *t,
				 const struct ike_msg *m);
	/* No usable response after every retransmission; NULL: the SA is
	 * lost (TASK_FAILED with the usual timeout message). */
	enum task_rc (*timeout)(struct ike_sa *sa, struct ike_task *t);
	/* Frees the task (and undoes what it reserved, if it did not
	 * finish); NULL: free(t). */
	void (*free)(struct ike_sa *sa, struct ike_task *t);
};

struct ike_task {
	const struct ike_task_ops *ops;
	struct ike_task *next;
	bool started;
};

/* A zeroed task of 'size' bytes (a struct that begins with struct
 * ike_task) for ops; NULL when out of memory. */
void *task_new(const struct ike_task_ops *ops, size_t size);
/* Queues a task that needs no data of its own. */
int sa_queue_new(struct ike_sa *sa, const struct ike_task_ops *ops,
		 struct verr *e);
/* Queues t behind the SA's other tasks; it starts at once when the
 * window is free. -1 (t freed, reason in e) when it cannot: the SA is
 * being deleted, or t failed to start. */
int sa_queue(struct ike_sa *sa, struct ike_task *t, struct verr *e);
/* Queues t right behind the task on the wire (a DELETE goes before
 * liveness checks that were waiting). */
int sa_queue_first(struct ike_sa *sa, struct ike_task *t, struct verr *e);
/* The task whose request is on the wire, or NULL. */
struct ike_task *sa_active_task(const struct ike_sa *sa);
/* Whether a task with these ops is queued or running. */
bool sa_has_task(const struct ike_sa *sa, const struct ike_task_ops *ops);
/* Acts on a task's outcome: starts the next one, or hands the SA's fate
 * to its connection (which may free the SA: the caller must not touch
 * it afterwards). */
void sa_settle(struct ike_sa *sa, enum task_rc rc);
/* Acts on the outcome of an answered request of the gateway (its
 * DELETE, REDIRECT, rekey): like sa_settle, without touching the queue. */
void sa_act(struct ike_sa *sa, enum task_rc rc);
/* Hands the tasks that wait (not the one on the wire) to another SA:
 * the one that replaced 'from' in a rekey. */
void sa_move_tasks(struct ike_sa *from, struct ike_sa *to);
/* Frees every task (the SA goes). */
void sa_tasks_free(struct ike_sa *sa);

/* Outcome helpers for tasks: set the reason (text in sa->fail_why, code
 * in sa->fail_reason), return the outcome. task_fail's code is
 * REASON_ERROR. */
enum task_rc task_fail(struct ike_sa *sa, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum task_rc task_fail_as(struct ike_sa *sa, enum conn_reason why,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum task_rc task_gone(struct ike_sa *sa, enum conn_reason why,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum task_rc task_redirect(struct ike_sa *sa, const struct gw_ident *gw,
			   uint8_t exchange);

#endif
