/* A message parsed once (task.h): the notifies are parsed and indexed
 * when the message arrives, so that no handler parses them again. */
#include <string.h>

#include "task.h"

void msg_index(struct ike_msg *m, const struct ike_hdr *h,
	       const struct payload_list *pl, const uint8_t *raw,
	       size_t raw_len)
{
	size_t i;

	m->hdr = h;
	m->pl = pl;
	m->raw = raw;
	m->raw_len = raw_len;
	m->n_notify = 0;
	m->n_malformed = 0;
	m->first_error = 0;
	for (i = 0; i < pl->n; i++) {
		struct notify_payload *n = &m->notify[m->n_notify];

		if (pl->pl[i].type != PL_NOTIFY)
			continue;
		if (notify_parse(pl->pl[i].body, pl->pl[i].len, n, NULL) < 0) {
			m->n_malformed++;
			continue;
		}
		if (!m->first_error && n->type < 16384)
			m->first_error = n->type;
		m->n_notify++;
	}
}

const struct notify_payload *msg_notify(const struct ike_msg *m,
					uint16_t type)
{
	size_t i;

	for (i = 0; i < m->n_notify; i++)
		if (m->notify[i].type == type)
			return &m->notify[i];
	return NULL;
}

const struct ike_payload *msg_payload(const struct ike_msg *m, uint8_t type)
{
	return payload_find(m->pl, type);
}
