/* The Child SAs of an IKE SA as objects in a list, newest first, each
 * with its own state: made by IKE_AUTH or a CREATE_CHILD_SA, replaced by
 * rekeys, deleted by either side, and moved as a whole to the successor
 * at an IKE SA rekey. What a Child SA holds in the kernel is child.c's;
 * here is only the list. No fixed number: a rekey collision leaves up
 * to four pairs at once (old, ours, the gateway's, until the deletes). */
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"

const char *child_state_name(enum child_state s)
{
	switch (s) {
	case CHILD_CREATING:
		return "creating";
	case CHILD_INSTALLED:
		return "installed";
	case CHILD_REKEYING:
		return "rekeying";
	case CHILD_REKEYED:
		return "rekeyed";
	case CHILD_DELETING:
		return "deleting";
	case CHILD_DELETED:
		return "deleted";
	}
	return "?";
}

struct child_sa *child_new(struct ike_sa *sa)
{
	struct child_sa *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->state = CHILD_CREATING;
	ch->next = sa->children;
	sa->children = ch;
	return ch;
}

/* The policies name the reqid, not a pair: another pair of the same
 * reqid takes them over (the newest), so that someone removes them. */
static void pass_policies(struct ike_sa *sa, const struct child_sa *gone)
{
	struct child_sa *ch;

	for (ch = sa->children; ch; ch = ch->next)
		if (ch->reqid == gone->reqid) {
			ch->policies = true;
			return;
		}
}

void child_free(struct ike_sa *sa, struct child_sa *ch)
{
	struct child_sa **at;

	/* Either side may delete a pair while our CREATE_CHILD_SA that
	 * names it is out (the deletes cross): it forgets the pair. */
	if (sa->create && sa->create->old == ch)
		sa->create->old = NULL;
	if (sa->create && sa->create->next == ch)
		sa->create->next = NULL;
	if (sa->create && sa->create->crossed == ch)
		sa->create->crossed = NULL;
	for (at = &sa->children; *at; at = &(*at)->next)
		if (*at == ch) {
			*at = ch->next;
			break;
		}
	if (ch->policies)
		pass_policies(sa, ch);
	free(ch);
}

void child_free_all(struct ike_sa *sa)
{
	struct child_sa *ch;

	while ((ch = sa->children)) {
		sa->children = ch->next;
		free(ch);
	}
}

void child_set_state(struct ike_sa *sa, struct child_sa *ch,
		     enum child_state to)
{
	if (ch->state == to)
		return;
	log_dbg("%s: Child SA %08x: %s -> %s", sa->prof->name,
		get_u32(ch->spi_in), child_state_name(ch->state),
		child_state_name(to));
	ch->state = to;
}

struct child_sa *child_in_state(const struct ike_sa *sa, enum child_state s)
{
	struct child_sa *ch;

	for (ch = sa->children; ch; ch = ch->next)
		if (ch->state == s)
			return ch;
	return NULL;
}

struct child_sa *sa_child(const struct ike_sa *sa)
{
	struct child_sa *ch;

	for (ch = sa->children; ch; ch = ch->next)
		if (ch->state == CHILD_INSTALLED || ch->state == CHILD_REKEYING)
			return ch;
	return NULL;
}

struct child_sa *child_by_spi(const struct ike_sa *sa, const uint8_t spi[4])
{
	struct child_sa *ch;

	for (ch = sa->children; ch; ch = ch->next)
		if (!memcmp(ch->spi_in, spi, 4) || !memcmp(ch->spi_out, spi, 4))
			return ch;
	return NULL;
}

struct child_sa *child_by_our_spi(const struct ike_sa *sa,
				  const uint8_t spi[4])
{
	struct child_sa *ch;

	for (ch = sa->children; ch; ch = ch->next)
		if (!memcmp(ch->spi_in, spi, 4))
			return ch;
	return NULL;
}

bool sa_has_old_child(const struct ike_sa *sa)
{
	return child_in_state(sa, CHILD_REKEYED) ||
	       child_in_state(sa, CHILD_DELETING);
}

void child_move_all(struct ike_sa *from, struct ike_sa *to)
{
	struct child_sa **at = &to->children;

	while (*at)
		at = &(*at)->next;
	*at = from->children;
	from->children = NULL;
}
