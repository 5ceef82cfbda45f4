/* The IKE SA's state, changed in one place against a table of what may
 * follow what; every change is logged. */
#include <stdbool.h>

#include "ike_sa.h"
#include "vpnd/log.h"

static const char *const names[] = {
	[IKE_NONE] = "none",
	[IKE_INIT_SENT] = "IKE_SA_INIT sent",
	[IKE_RESUME_SENT] = "IKE_SESSION_RESUME sent",
	[IKE_AUTH_SENT] = "IKE_AUTH sent",
	[IKE_ESTABLISHED] = "established",
	[IKE_DELETING] = "deleting",
};

/* allowed[from] is a bit set of the states that may follow. */
#define TO(s) (1u << (s))
static const unsigned allowed[] = {
	/* a new SA: a handshake, or the successor of a rekey */
	[IKE_NONE] = TO(IKE_INIT_SENT) | TO(IKE_RESUME_SENT) |
		     TO(IKE_ESTABLISHED),
	/* again after COOKIE or INVALID_KE_PAYLOAD */
	[IKE_INIT_SENT] = TO(IKE_INIT_SENT) | TO(IKE_AUTH_SENT),
	[IKE_RESUME_SENT] = TO(IKE_RESUME_SENT) | TO(IKE_AUTH_SENT),
	[IKE_AUTH_SENT] = TO(IKE_ESTABLISHED),
	[IKE_ESTABLISHED] = TO(IKE_DELETING),
	[IKE_DELETING] = 0,
};

const char *ike_state_name(enum ike_state s)
{
	return (unsigned)s < sizeof(names) / sizeof(names[0]) && names[s] ?
		       names[s] : "?";
}

bool sa_set_state(struct ike_sa *sa, enum ike_state to)
{
	enum ike_state from = sa->state;

	if (!(allowed[from] & TO(to))) {
		log_err("%s: IKE SA state %s -> %s is not allowed; staying %s",
			sa->prof->name, ike_state_name(from),
			ike_state_name(to), ike_state_name(from));
		return false;
	}
	if (from != to)
		log_dbg("%s: IKE SA %s -> %s", sa->prof->name,
			ike_state_name(from), ike_state_name(to));
	sa->state = to;
	return true;
}
