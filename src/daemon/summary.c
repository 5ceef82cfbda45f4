#include <stdio.h>

#include "summary.h"

/* The states a summary counts, in the order it names them. */
static const struct {
	enum conn_state state;
	const char *what; /* after the count */
	bool named;       /* list the connections with their gateway */
} groups[] = {
	{ CONN_ESTABLISHED, "connected", true },
	{ CONN_NO_TUNNEL, "up without a tunnel", true },
	{ CONN_CONNECTING, "connecting", false },
	{ CONN_CLOSING, "closing", false },
	{ CONN_FAILED, "failed", false },
};

static size_t count_in(const struct conns *t, enum conn_state s)
{
	size_t i, n = 0;

	for (i = 0; i < conns_count(t); i++)
		if (entry_state(conns_at(t, i)) == s)
			n++;
	return n;
}

static void name_all_in(const struct conns *t, enum conn_state s,
			struct wbuf *out)
{
	char peer[PROFILE_STR_MAX + 32];
	const char *sep = ": ";
	size_t i;

	for (i = 0; i < conns_count(t); i++) {
		const struct conn_entry *ce = conns_at(t, i);

		if (entry_state(ce) != s)
			continue;
		entry_peer(ce, peer, sizeof(peer));
		wb_printf(out, "%s%s (%s)", sep, entry_name(ce), peer);
		sep = ", ";
	}
}

/* "2 profiles, 1 connected: work (203.0.113.10); 1 connecting": a group
 * after a list of names is set apart by "; ". */
void conns_summary(const struct conns *t, struct wbuf *out)
{
	size_t n = conns_count(t), g, k;
	const char *sep = ", ";

	wb_printf(out, "%zu profile%s", n, n == 1 ? "" : "s");
	if (!count_in(t, CONN_ESTABLISHED)) {
		wb_printf(out, ", none connected");
		sep = "; ";
	}
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		k = count_in(t, groups[g].state);
		if (!k)
			continue;
		wb_printf(out, "%s%zu %s", sep, k, groups[g].what);
		if (groups[g].named)
			name_all_in(t, groups[g].state, out);
		sep = "; ";
	}
	wb_u8(out, 0);
}
