/* What each exchange may carry (RFC 7296 1.2-1.4 and 3, RFC 5723 4.3.2),
 * checked once when a message arrives, so that no task has to wonder
 * about a second SA payload or an IDr in an INFORMATIONAL. The bounds
 * are those strongSwan enforces, which real gateways are built to.
 * Payload types we do not know are skipped (2.5); the critical ones
 * were refused before this. */
#include <stdio.h>

#include "task.h"
#include "vpnd/wire.h"

#define ANY 0 /* no upper bound */

struct pl_rule {
	uint8_t type;
	uint8_t max;
};

struct exch_rules {
	uint8_t exchange;
	bool response;
	const struct pl_rule *rules;
	size_t n;
};

static const struct pl_rule init_response[] = {
	{ PL_SA, 1 }, { PL_KE, 1 }, { PL_NONCE, 1 }, { PL_CERTREQ, ANY },
	{ PL_NOTIFY, ANY }, { PL_VENDOR, ANY },
};

static const struct pl_rule resume_response[] = {
	{ PL_NONCE, 1 }, { PL_NOTIFY, ANY }, { PL_VENDOR, ANY },
};

static const struct pl_rule auth_response[] = {
	{ PL_IDR, 1 }, { PL_CERT, ANY }, { PL_AUTH, 1 }, { PL_EAP, 1 },
	{ PL_CP, 1 }, { PL_SA, 1 }, { PL_TSI, 1 }, { PL_TSR, 1 },
	{ PL_NOTIFY, ANY }, { PL_VENDOR, ANY },
};

/* Both directions: the gateway's rekeys are requests, ours responses. */
static const struct pl_rule create_child[] = {
	{ PL_SA, 1 }, { PL_NONCE, 1 }, { PL_KE, 1 }, { PL_TSI, 1 },
	{ PL_TSR, 1 }, { PL_NOTIFY, ANY }, { PL_VENDOR, ANY },
};

static const struct pl_rule informational[] = {
	{ PL_DELETE, ANY }, { PL_NOTIFY, ANY }, { PL_CP, 1 },
	{ PL_VENDOR, ANY },
};

#define RULES(x, resp, r) { x, resp, r, sizeof(r) / sizeof(r[0]) }

static const struct exch_rules table[] = {
	RULES(EXCH_IKE_SA_INIT, true, init_response),
	RULES(EXCH_IKE_SESSION_RESUME, true, resume_response),
	RULES(EXCH_IKE_AUTH, true, auth_response),
	RULES(EXCH_CREATE_CHILD_SA, true, create_child),
	RULES(EXCH_CREATE_CHILD_SA, false, create_child),
	RULES(EXCH_INFORMATIONAL, true, informational),
	RULES(EXCH_INFORMATIONAL, false, informational),
};

static const struct exch_rules *rules_of(uint8_t exchange, bool response)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].exchange == exchange &&
		    table[i].response == response)
			return &table[i];
	return NULL;
}

static size_t count_of(const struct payload_list *pl, uint8_t type)
{
	size_t i, n = 0;

	for (i = 0; i < pl->n; i++)
		n += pl->pl[i].type == type;
	return n;
}

static const struct pl_rule *rule_for(const struct exch_rules *x,
				      uint8_t type)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (x->rules[i].type == type)
			return &x->rules[i];
	return NULL;
}

int msg_check(const struct ike_msg *m, bool response, char *why,
	      size_t why_len)
{
	const struct exch_rules *x = rules_of(m->hdr->exchange, response);
	const char *dir = response ? "response" : "request";
	size_t i, n;

	if (!x)
		return 0; /* the request table answers what it does not take */
	for (i = 0; i < m->pl->n; i++) {
		uint8_t type = m->pl->pl[i].type;
		const struct pl_rule *r;

		if (!payload_type_known(type))
			continue;
		r = rule_for(x, type);
		if (!r) {
			snprintf(why, why_len, "%s %s carries a %s payload, which it may not",
				 exchange_name(x->exchange), dir,
				 payload_name(type));
			return -1;
		}
		n = count_of(m->pl, type);
		if (r->max != ANY && n > r->max) {
			snprintf(why, why_len, "%s %s carries %zu %s payloads, at most %u allowed",
				 exchange_name(x->exchange), dir, n,
				 payload_name(type), r->max);
			return -1;
		}
	}
	return 0;
}
