/* `vpnctl status`: the connection, its IKE SA and Child SA, as values
 * (struct conn_status) and as text written from those values. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "conn_int.h"
#include "vpnd/netcfg.h"

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

const char *conn_reason_name(enum conn_reason r)
{
	static const char *const names[] = {
		[REASON_NONE] = "none",
		[REASON_UP] = "up",
		[REASON_USER] = "user",
		[REASON_GATEWAY_DELETE] = "gateway-delete",
		[REASON_TIMEOUT] = "timeout",
		[REASON_AUTH_FAILED] = "auth-failed",
		[REASON_REFUSED] = "refused",
		[REASON_REDIRECT] = "redirect",
		[REASON_REAUTH] = "reauth",
		[REASON_NO_TUNNEL] = "no-tunnel",
		[REASON_LOOKUP] = "lookup",
		[REASON_MOVED] = "moved",
		[REASON_NO_NETWORK] = "no-network",
		[REASON_ERROR] = "error",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) && names[r] ?
		       names[r] : "?";
}

/* ---- the values ---- */

static void local_auth_text(const struct ike_sa *sa, char *out, size_t len)
{
	const struct profile *p = sa->prof;

	if (sa->resumed)
		snprintf(out, len, "resumed (RFC 5723 ticket)");
	else if (p->local_auth == PAUTH_EAP)
		snprintf(out, len, "%s as %s",
			 eap_auth_method_name(p), p->eap_identity);
	else
		snprintf(out, len, "%s", p->local_auth == PAUTH_PSK ?
					 "pre-shared key" : "certificate");
}

static void get_ike(const struct ike_sa *sa, struct conn_status *st)
{
	st->ike.state = sa->state;
	st->ike.initiator = sa->initiator;
	memcpy(st->ike.spi_i, sa->spi_i, 8);
	memcpy(st->ike.spi_r, sa->spi_r, 8);
	memcpy(st->ike.spi_ours, sa->initiator ? sa->spi_i : sa->spi_r, 8);
	memcpy(st->ike.spi_theirs, sa->initiator ? sa->spi_r : sa->spi_i, 8);
	st->ike.peer = sa->peer;
	st->ike.local = sa->local;
	st->ike.natt = sa->natt;
	st->ike.nat_detected = sa->nat_here || sa->nat_there;
	st->ike.mobike = sa->peer_mobike;
	st->ike.resumed = sa->resumed;
	st->ike.rekeyed = sa->rekeyed;
	st->ike.gsc = sa->gsc;
	st->ike.peer_vpnd = sa->peer_vpnd;
	if (sa->state < IKE_ESTABLISHED)
		return;
	st->ike.established_ms = sa->established_at;
	st->ike.dh_ops = sa->dh_ops;
	st->ike.sig_ops = sa->sig_ops;
	ike_algs_str(&sa->algs, st->ike.algs, sizeof(st->ike.algs));
	st->ike.encr = sa->algs.encr;
	st->ike.encr_keylen = sa->algs.encr_keylen;
	st->ike.integ = sa->algs.integ;
	st->ike.prf = sa->algs.prf;
	st->ike.dh = sa->algs.dh;
	id_to_text(sa->peer_id_type, sa->peer_id.p, sa->peer_id.len,
		   st->ike.remote_id, sizeof(st->ike.remote_id));
	st->ike.remote_auth = sa->auth_method_peer;
	st->ike.remote_eap_only = sa->eap_only;
	st->ike.auth_lifetime = sa->auth_lifetime;
	local_auth_text(sa, st->ike.local_auth, sizeof(st->ike.local_auth));
	st->ike.auth_rounds = sa->auth_rounds;
	st->ike.eap_rounds = sa->eap_rounds;
}

static void get_child(const struct ike_sa *sa, struct conn_status *st)
{
	const struct child_sa *ch = sa_child(sa);

	st->child.up = ch != NULL;
	if (!ch) {
		snprintf(st->child.problem, sizeof(st->child.problem), "%s",
			 sa->child_refused[0] ? sa->child_refused :
						"not negotiated");
		return;
	}
	st->child.installed = ch->installed;
	memcpy(st->child.spi_in, ch->spi_in, 4);
	memcpy(st->child.spi_out, ch->spi_out, 4);
	esp_algs_str(ch, st->child.algs, sizeof(st->child.algs));
	if (!ch->installed)
		snprintf(st->child.problem, sizeof(st->child.problem), "%s",
			 ch->install_error);
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

static void get_vip(const struct cfg_reply *cfg, struct conn_status *st)
{
	st->vip.has_ip4 = cfg->has_ip4;
	memcpy(st->vip.ip4, cfg->ip4, 4);
	st->vip.ip4_prefix = cfg->ip4_prefix;
	st->vip.has_ip6 = cfg->has_ip6;
	memcpy(st->vip.ip6, cfg->ip6, 16);
	st->vip.ip6_prefix = cfg->ip6_prefix;
}

_Static_assert(sizeof(((struct conn_status *)0)->dns.dns4) ==
	       sizeof(((struct cfg_reply *)0)->dns4) &&
	       sizeof(((struct conn_status *)0)->dns.dns6) ==
	       sizeof(((struct cfg_reply *)0)->dns6),
	       "status holds every DNS server of the CP reply");

static void get_dns(const struct ike_sa *sa, struct conn_status *st)
{
	const struct cfg_reply *cfg = &sa->cfg;

	st->dns.n_dns4 = cfg->n_dns4;
	memcpy(st->dns.dns4, cfg->dns4, sizeof(st->dns.dns4));
	st->dns.n_dns6 = cfg->n_dns6;
	memcpy(st->dns.dns6, cfg->dns6, sizeof(st->dns.dns6));
	st->dns.n_domains = cfg->n_domains;
	st->dns.n_bad_domains = cfg->n_bad_domains;
	st->dns.full_tunnel = hostcfg_full_tunnel(sa);
	if (sa->netrec && sa->netrec->has_dns) {
		st->dns.applied = true;
		snprintf(st->dns.method, sizeof(st->dns.method), "%s",
			 netcfg_dns_method_name(sa->netrec->dns.method));
		snprintf(st->dns.link, sizeof(st->dns.link), "%s",
			 sa->netrec->dns.link);
	}
}

bool conn_dns_domain_get(const struct conn *c, size_t i, char *out,
			 size_t outlen)
{
	if (!c->sa || c->sa->state < IKE_ESTABLISHED ||
	    i >= c->sa->cfg.n_domains)
		return false;
	snprintf(out, outlen, "%s", c->sa->cfg.domains[i]);
	return true;
}

static void get_ticket(const struct conn *c, struct conn_status *st)
{
	struct ticket_info info;

	if (!ticket_stored(c->eng, &c->prof, &info))
		return;
	st->ticket.stored = true;
	snprintf(st->ticket.gateway, sizeof(st->ticket.gateway), "%s",
		 info.gateway);
	st->ticket.expires = info.expires;
	st->ticket.gsc = info.gsc;
}

void conn_status_get(const struct conn *c, struct conn_status *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", c->prof.name);
	st->state = c->state;
	conn_state_text(c, st->state_text, sizeof(st->state_text));
	snprintf(st->gateway, sizeof(st->gateway), "%s",
		 c->gateway[0] ? c->gateway : c->prof.gateways[0]);
	snprintf(st->last_error, sizeof(st->last_error), "%s",
		 c->last_error);
	st->ike_rekeys = c->n_ike_rekeys;
	st->child_rekeys = c->n_child_rekeys;
	st->reauths = c->n_reauths;
	st->redirects = c->n_redirects;
	st->resumption = c->prof.resume_enabled;
	get_ticket(c, st);
	st->n_backups = c->n_backups;
	st->n_redirect_hist = c->redir.n;
	st->n_moves = c->n_moves;
	st->waiting_for_network = c->sa && c->sa->held;
	st->retry_pending = c->retry_timer != 0;
	st->replacing = c->next != NULL;
	st->change.reason = c->change_reason;
	st->change.at = c->change_at;
	snprintf(st->change.text, sizeof(st->change.text), "%s",
		 c->change_why);
	if (!c->sa)
		return;
	st->has_sa = true;
	get_ike(c->sa, st);
	get_child(c->sa, st);
	if (c->sa->state >= IKE_ESTABLISHED) {
		get_vip(&c->sa->cfg, st);
		get_dns(c->sa, st);
	}
}

bool conn_redirect_get(const struct conn *c, size_t i,
		       struct conn_redirect *out)
{
	const struct redirect_entry *e;

	if (i >= c->redir.n)
		return false;
	e = &c->redir.hist[i];
	snprintf(out->from, sizeof(out->from), "%s", e->from);
	snprintf(out->to, sizeof(out->to), "%s", e->to);
	out->exchange = e->exchange;
	return true;
}

/* ---- the text, from the values ---- */

static void redirects_text(const struct conn *c, const struct conn_status *st,
			   struct wbuf *out)
{
	struct conn_redirect rd;
	size_t i;

	for (i = 0; i < st->n_redirect_hist && conn_redirect_get(c, i, &rd);
	     i++)
		wb_printf(out, "  redirected: %s -> %s in %s\n", rd.from, rd.to,
			  exchange_name(rd.exchange));
}

/* The path history, newest last, with when each change happened. */
static void moves_text(const struct conn *c, const struct conn_status *st,
		       struct wbuf *out)
{
	struct conn_move mv;
	char when[32];
	size_t i;

	for (i = 0; i < st->n_moves && conn_move_get(c, i, &mv); i++) {
		struct tm tm;

		localtime_r(&mv.at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		wb_printf(out, "  path %s: %s\n", when, mv.what);
	}
}

/* Details that are lists rather than values: kernel counters and the
 * selectors. */
static void child_details(const struct ike_sa *sa, struct wbuf *out)
{
	const struct child_sa *ch = sa_child(sa);
	struct child_counters cnt;

	if (ch->installed && child_counters(sa, &cnt) == 0)
		wb_printf(out, "    in  %llu bytes, %llu packets; out %llu bytes, %llu packets\n",
			  (unsigned long long)cnt.in_bytes,
			  (unsigned long long)cnt.in_packets,
			  (unsigned long long)cnt.out_bytes,
			  (unsigned long long)cnt.out_packets);
	wb_printf(out, "    local  ");
	ts_describe(&ch->tsi, out);
	wb_printf(out, "\n    remote ");
	ts_describe(&ch->tsr, out);
	wb_printf(out, "\n");
	other_pairs(sa, ch, out);
}

static void child_text(const struct conn_status *st, const struct ike_sa *sa,
		       struct wbuf *out)
{
	char in[9], outs[9];

	if (!st->child.up) {
		wb_printf(out, "  child SA: none (%s)\n", st->child.problem);
		return;
	}
	spi_hex(st->child.spi_in, 4, in);
	spi_hex(st->child.spi_out, 4, outs);
	wb_printf(out, "  child SA: ESP %s, SPIs in %s out %s, %s%s\n",
		  st->child.algs, in, outs,
		  st->child.installed ? "installed" :
		  st->child.problem[0] ? "not installed: " :
					 "negotiated only (kernel installation off)",
		  st->child.installed ? "" : st->child.problem);
	child_details(sa, out);
}

static void vip_text(const struct conn_status *st, struct wbuf *out)
{
	char a[INET6_ADDRSTRLEN];

	if (st->vip.has_ip4)
		wb_printf(out, "  virtual IP: %s/%u\n",
			  inet_ntop(AF_INET, st->vip.ip4, a, sizeof(a)),
			  st->vip.ip4_prefix);
	if (st->vip.has_ip6)
		wb_printf(out, "  virtual IP: %s/%u\n",
			  inet_ntop(AF_INET6, st->vip.ip6, a, sizeof(a)),
			  st->vip.ip6_prefix);
}

/* The first line: the state, and since when and why it is so:
 * "office: idle since 12:03:04 (45 s ago): the gateway deleted the IKE
 * SA [gateway-delete]" (with the date when that was not today). The
 * no-tunnel state has its own reason after a colon: the change goes on
 * a line of its own, "  since ...". */
static void head_text(const struct conn_status *st, struct wbuf *out)
{
	char when[32];
	struct tm tm, today;
	time_t now = time(NULL);

	wb_printf(out, "%s: %s", st->name, st->state_text);
	if (st->change.at && localtime_r(&st->change.at, &tm) &&
	    localtime_r(&now, &today) &&
	    strftime(when, sizeof(when),
		     tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year ?
			     "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm))
		wb_printf(out, "%ssince %s (%lld s ago): %s [%s]",
			  st->state == CONN_NO_TUNNEL ? "\n  " : " ", when,
			  (long long)(now - st->change.at), st->change.text,
			  conn_reason_name(st->change.reason));
	wb_printf(out, "\n");
}

static void counts_text(const struct conn_status *st, struct wbuf *out)
{
	if (!st->ike_rekeys && !st->child_rekeys && !st->reauths &&
	    !st->redirects)
		return;
	wb_printf(out, "  rekeys: IKE %u, Child %u; reauthentications: %u; redirects: %u\n",
		  st->ike_rekeys, st->child_rekeys, st->reauths,
		  st->redirects);
}

static void ticket_text(const struct conn_status *st, struct wbuf *out)
{
	if (st->ticket.stored)
		wb_printf(out, "  resumption ticket: from %s, valid %lld s more, GSC %u\n",
			  st->ticket.gateway,
			  (long long)(st->ticket.expires - time(NULL)),
			  st->ticket.gsc);
}

/* The failover draft's count, with resumption on. */
static void gsc_text(const struct conn_status *st, struct wbuf *out)
{
	if (!st->resumption || !st->has_sa ||
	    st->ike.state < IKE_ESTABLISHED)
		return;
	if (st->ike.rekeyed)
		wb_printf(out, "  gateway switch count: %u (IKE SA rekeyed)\n",
			  st->ike.gsc);
	else
		wb_printf(out, "  gateway switch count: %u (%s; %lu DH and %lu signature operations)\n",
			  st->ike.gsc, st->ike.resumed ?
			  "resumed with a ticket" : "full handshake",
			  st->ike.dh_ops, st->ike.sig_ops);
}

static void ike_text(const struct conn_status *st, const struct ike_sa *sa,
		     struct wbuf *out)
{
	char spi_i[17], spi_r[17], gw[64], local[64];

	wb_printf(out, "  gateway: %s, local %s%s\n",
		  sockaddr_str(&st->ike.peer, gw, sizeof(gw)),
		  sockaddr_str(&st->ike.local, local, sizeof(local)),
		  !st->ike.natt ? "" :
		  st->ike.nat_detected ? ", NAT-T (NAT detected)" :
		  st->ike.mobike ? ", port 4500 (MOBIKE)" :
				   ", NAT-T (forced)");
	wb_printf(out, "  IKE SA: SPIs %s_i %s_r, initiated by %s\n",
		  spi_hex(st->ike.spi_i, 8, spi_i),
		  spi_hex(st->ike.spi_r, 8, spi_r),
		  st->ike.initiator ? "us" : "the gateway");
	if (st->ike.state < IKE_ESTABLISHED)
		return;
	wb_printf(out, "  IKE proposal: %s\n", st->ike.algs);
	wb_printf(out, "  remote identity: %s (%s)\n", st->ike.remote_id,
		  st->ike.remote_eap_only ? "EAP only, RFC 5998" :
		  auth_method_name(st->ike.remote_auth));
	if (st->ike.auth_rounds)
		wb_printf(out, "  authenticated: %s, %u IKE_AUTH exchange%s, %u EAP round%s\n",
			  st->ike.local_auth, st->ike.auth_rounds,
			  st->ike.auth_rounds == 1 ? "" : "s",
			  st->ike.eap_rounds,
			  st->ike.eap_rounds == 1 ? "" : "s");
	wb_printf(out, "  established %llu s ago\n",
		  (unsigned long long)((loop_now_ms() -
					st->ike.established_ms) / 1000));
	wb_printf(out, "  vpnd extensions: %s\n",
		  st->ike.peer_vpnd ? "on (the gateway showed vpnd's Vendor ID)" :
				      "off (standard IKEv2 only)");
	vip_text(st, out);
	cfg_describe(&sa->cfg, out);
	if (st->dns.applied)
		wb_printf(out, "  DNS applied on %s through %s, %s\n",
			  st->dns.link, st->dns.method,
			  st->dns.full_tunnel || !st->dns.n_domains ?
			  "every name (~.)" : "the domains only");
	child_text(st, sa, out);
}

void conn_status(const struct conn *c, struct wbuf *out)
{
	struct conn_status st;

	conn_status_get(c, &st);
	head_text(&st, out);
	counts_text(&st, out);
	redirects_text(c, &st, out);
	moves_text(c, &st, out);
	ticket_text(&st, out);
	gsc_text(&st, out);
	failover_describe(c, out);
	if (!st.has_sa) {
		if (st.last_error[0])
			wb_printf(out, "  last error: %s\n", st.last_error);
		wb_printf(out, "  gateway: %s\n", st.gateway);
		return;
	}
	ike_text(&st, c->sa, out);
}
