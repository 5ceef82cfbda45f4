/* `vpnctl status`: the connection, its IKE SA and Child SA, as text. */
#include <arpa/inet.h>
#include <stdio.h>
#include <time.h>

#include "child.h"
#include "conn_int.h"

static void ts_describe(const struct ts_payload *ts, struct wbuf *out)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < ts->n; i++) {
		int af = ts->ts[i].type == TS_IPV6_ADDR_RANGE ? AF_INET6 :
								 AF_INET;

		wb_printf(out, "%s%s-%s", i ? ", " : "",
			  inet_ntop(af, ts->ts[i].start, a, sizeof(a)),
			  inet_ntop(af, ts->ts[i].end, b, sizeof(b)));
	}
}

/* Pairs a rekey replaced or a collision made redundant, until their
 * deletes are done. */
static void other_pairs(const struct ike_sa *sa, const struct child_sa *cur,
			struct wbuf *out)
{
	const struct child_sa *ch;
	char in[9], outs[9];

	for (ch = sa->children; ch; ch = ch->next)
		if (ch != cur && ch->state != CHILD_CREATING)
			wb_printf(out, "    other pair: in %s out %s, %s\n",
				  spi_hex(ch->spi_in, 4, in),
				  spi_hex(ch->spi_out, 4, outs),
				  child_state_name(ch->state));
}

static void child_status(const struct ike_sa *sa, struct wbuf *out)
{
	const struct child_sa *ch = sa_child(sa);
	char in[9], outs[9], algs[128];

	if (!ch) {
		wb_printf(out, "  child SA: none (%s)\n",
			  sa->child_refused[0] ? sa->child_refused :
						 "not negotiated");
		return;
	}
	spi_hex(ch->spi_in, 4, in);
	spi_hex(ch->spi_out, 4, outs);
	wb_printf(out, "  child SA: ESP %s, SPIs in %s out %s, %s%s\n",
		  esp_algs_str(ch, algs, sizeof(algs)), in, outs,
		  ch->installed ? "installed" :
		  ch->install_error[0] ? "not installed: " :
					 "negotiated only (kernel installation off)",
		  ch->installed ? "" : ch->install_error);
	if (ch->installed) {
		struct child_counters cnt;

		if (child_counters(sa, &cnt) == 0)
			wb_printf(out, "    in  %llu bytes, %llu packets; out %llu bytes, %llu packets\n",
				  (unsigned long long)cnt.in_bytes,
				  (unsigned long long)cnt.in_packets,
				  (unsigned long long)cnt.out_bytes,
				  (unsigned long long)cnt.out_packets);
	}
	wb_printf(out, "    local  ");
	ts_describe(&ch->tsi, out);
	wb_printf(out, "\n    remote ");
	ts_describe(&ch->tsr, out);
	wb_printf(out, "\n");
	other_pairs(sa, ch, out);
}

/* Why and when the state last changed: "gateway deleted the IKE SA". */
static void describe_change(const struct conn *c, struct wbuf *out)
{
	char when[32];
	struct tm tm;

	if (!c->change_at || !localtime_r(&c->change_at, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		return;
	wb_printf(out, "  last change: %s (%lld s ago): %s\n", when,
		  (long long)(time(NULL) - c->change_at), c->change_why);
}

void conn_status(const struct conn *c, struct wbuf *out)
{
	const struct ike_sa *sa = c->sa;
	char spi_i[17], spi_r[17], gw[64], local[64], algs[128], id[256];
	char state[512];

	conn_state_text(c, state, sizeof(state));
	wb_printf(out, "%s: %s\n", c->prof.name, state);
	describe_change(c, out);
	redirect_describe(&c->redir, out);
	ticket_describe(&c->prof, out);
	failover_describe(c, out);
	if (!sa) {
		if (c->last_error[0])
			wb_printf(out, "  last error: %s\n", c->last_error);
		wb_printf(out, "  gateway: %s\n", c->gateway[0] ? c->gateway :
							  c->prof.gateways[0]);
		return;
	}
	spi_hex(sa->spi_i, 8, spi_i);
	spi_hex(sa->spi_r, 8, spi_r);
	wb_printf(out, "  gateway: %s, local %s%s\n",
		  sockaddr_str(&sa->peer, gw, sizeof(gw)),
		  sockaddr_str(&sa->local, local, sizeof(local)),
		  sa->natt ? (sa->nat_here || sa->nat_there ?
				      ", NAT-T (NAT detected)" :
				      ", NAT-T (forced)") :
			     "");
	wb_printf(out, "  IKE SA: SPIs %s_i %s_r\n", spi_i, spi_r);
	if (sa->state < IKE_ESTABLISHED)
		return;
	wb_printf(out, "  IKE proposal: %s\n",
		  ike_algs_str(&sa->algs, algs, sizeof(algs)));
	wb_printf(out, "  remote identity: %s (%s)\n",
		  id_to_text(sa->peer_id_type, sa->peer_id.p, sa->peer_id.len,
			     id, sizeof(id)),
		  auth_method_name(sa->auth_method_peer));
	wb_printf(out, "  established %llu s ago\n",
		  (unsigned long long)((loop_now_ms() - sa->established_at) /
				       1000));
	wb_printf(out, "  vpnd extensions: %s\n",
		  sa->peer_vpnd ? "on (the gateway showed vpnd's Vendor ID)" :
				  "off (standard IKEv2 only)");
	cfg_describe(&sa->cfg, out);
	child_status(sa, out);
}

