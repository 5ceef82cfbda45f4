/* Keys of the proposal, traffic selector, address, redirect, resumption
 * and timer sections. */
#include <string.h>

#include "internal.h"

static int proposal_item(struct pctx *c, yaml_node_t *n, void *arg)
{
	bool esp = arg != NULL;
	struct profile *p = c->p;
	struct alg_set *set = esp ? &p->esp[p->n_esp] : &p->ike[p->n_ike];
	char text[PROFILE_STR_MAX];
	struct verr e;

	if (get_str(c, n, text, sizeof(text)) < 0)
		return -1;
	if (alg_set_parse(text, esp, set, &e) < 0)
		return perr(c, n, "%s", e.msg);
	if (esp)
		p->n_esp++;
	else
		p->n_ike++;
	return 0;
}

static int ike_proposals(struct pctx *c, yaml_node_t *n)
{
	return for_each_item(c, n, PROFILE_MAX_PROPOSALS, proposal_item, NULL);
}

static int esp_proposals(struct pctx *c, yaml_node_t *n)
{
	/* any non-NULL arg selects the ESP rules */
	return for_each_item(c, n, PROFILE_MAX_PROPOSALS, proposal_item, c);
}

const struct key_def ike_keys[] = {
	{ "proposals", ike_proposals },
	{ NULL, NULL },
};

static int esp_on_failure(struct pctx *c, yaml_node_t *n)
{
	static const char *const names[] = { "keep", "delete", NULL };
	int i;

	if (get_choice(c, n, names, &i) < 0)
		return -1;
	c->p->esp_failure_delete = i == 1;
	return 0;
}

const struct key_def esp_keys[] = {
	{ "proposals", esp_proposals },
	{ "on-failure", esp_on_failure },
	{ NULL, NULL },
};

static int ts_item(struct pctx *c, yaml_node_t *n, void *arg)
{
	bool local = arg == NULL;
	struct profile *p = c->p;
	size_t *count = local ? &p->n_local_ts : &p->n_remote_ts;
	struct ts_cfg *ts = local ? &p->local_ts[*count] : &p->remote_ts[*count];
	char text[PROFILE_STR_MAX], why[120];

	if (get_str(c, n, text, sizeof(text)) < 0)
		return -1;
	if (!strcmp(text, "dynamic")) {
		if (!local)
			return perr(c, n, "'dynamic' is only valid for the "
				    "local traffic selectors");
		/* expanded once the ipv4/ipv6 sections are known */
		c->ts_dynamic = true;
		c->n_ts_dynamic = n;
		return 0;
	}
	if (!parse_cidr(text, ts, why, sizeof(why)))
		return perr(c, n, "%s", why);
	(*count)++;
	return 0;
}

static int ts_local(struct pctx *c, yaml_node_t *n)
{
	c->ts_local_set = true;
	return for_each_item(c, n, PROFILE_MAX_TS, ts_item, NULL);
}

static int ts_remote(struct pctx *c, yaml_node_t *n)
{
	c->ts_remote_set = true;
	return for_each_item(c, n, PROFILE_MAX_TS, ts_item, c);
}

const struct key_def ts_keys[] = {
	{ "local", ts_local },
	{ "remote", ts_remote },
	{ NULL, NULL },
};

static const char *const methods[] = { "auto", "disabled", NULL };

static int ipv4_method(struct pctx *c, yaml_node_t *n)
{
	int i;

	if (get_choice(c, n, methods, &i) < 0)
		return -1;
	c->p->request_ipv4 = i == 0;
	return 0;
}

static const char *const dns_modes[] = { "auto", "ignore", NULL };

static int ipv4_dns(struct pctx *c, yaml_node_t *n)
{
	int i;

	if (get_choice(c, n, dns_modes, &i) < 0)
		return -1;
	c->p->request_dns4 = i == 0;
	return 0;
}

/* Apart from ipv4.dns: the IPv6 CP's servers (INTERNAL_IP6_DNS). */
static int ipv6_dns(struct pctx *c, yaml_node_t *n)
{
	int i;

	if (get_choice(c, n, dns_modes, &i) < 0)
		return -1;
	c->p->request_dns6 = i == 0;
	return 0;
}

static int ipv6_method(struct pctx *c, yaml_node_t *n)
{
	int i;

	if (get_choice(c, n, methods, &i) < 0)
		return -1;
	c->p->request_ipv6 = i == 0;
	return 0;
}

const struct key_def ipv4_keys[] = {
	{ "method", ipv4_method },
	{ "dns", ipv4_dns },
	{ NULL, NULL },
};

const struct key_def ipv6_keys[] = {
	{ "method", ipv6_method },
	{ "dns", ipv6_dns },
	{ NULL, NULL },
};

static int redirect_enabled(struct pctx *c, yaml_node_t *n)
{
	return get_bool(c, n, &c->p->redirect_enabled);
}

static int redirect_max(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 1, 100, &c->p->max_redirects);
}

static int redirect_period(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 1, 86400, &c->p->redirect_period);
}

static int target_item(struct pctx *c, yaml_node_t *n, void *arg)
{
	struct profile *p = c->p;
	char *text = p->redirect_allow[p->n_redirect_allow].text;

	if (get_str(c, n, text, PROFILE_STR_MAX) < 0)
		return -1;
	if (!valid_redirect_target(text))
		return perr(c, n, "invalid redirect target '%s' (need a CIDR, "
			    "an address, a host name or *.domain)", text);
	p->n_redirect_allow++;
	return 0;
}

static int redirect_targets(struct pctx *c, yaml_node_t *n)
{
	return for_each_item(c, n, PROFILE_MAX_PATTERNS, target_item, NULL);
}

const struct key_def redirect_keys[] = {
	{ "enabled", redirect_enabled },
	{ "max-redirects", redirect_max },
	{ "period", redirect_period },
	{ "allowed-targets", redirect_targets },
	{ NULL, NULL },
};

static int resumption_enabled(struct pctx *c, yaml_node_t *n)
{
	return get_bool(c, n, &c->p->resume_enabled);
}

static int resumption_mode(struct pctx *c, yaml_node_t *n)
{
	static const char *const names[] = { "rfc5723", "draft-gsc", NULL };
	int i;

	if (get_choice(c, n, names, &i) < 0)
		return -1;
	c->p->resume_draft_gsc = i == 1;
	return 0;
}

/* Names in the order of enum resume_auth_form. */
static int resumption_auth(struct pctx *c, yaml_node_t *n)
{
	static const char *const names[] = { "message", "signed-octets",
					     NULL };
	int i;

	if (get_choice(c, n, names, &i) < 0)
		return -1;
	c->p->resume_auth = (enum resume_auth_form)i;
	return 0;
}

const struct key_def resumption_keys[] = {
	{ "enabled", resumption_enabled },
	{ "mode", resumption_mode },
	{ "auth", resumption_auth },
	{ NULL, NULL },
};

static int timers_timeout(struct pctx *c, yaml_node_t *n)
{
	double s;

	if (get_double(c, n, 0.1, 60.0, &s) < 0)
		return -1;
	c->p->retransmit_timeout_ms = (unsigned)(s * 1000.0 + 0.5);
	return 0;
}

static int timers_base(struct pctx *c, yaml_node_t *n)
{
	return get_double(c, n, 1.0, 4.0, &c->p->retransmit_base);
}

static int timers_tries(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 0, 20, &c->p->retransmit_tries);
}

static int timers_dpd(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 0, 86400, &c->p->dpd_interval);
}

static int timers_outage(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 0, 7 * 86400, &c->p->outage_time);
}

static int timers_child_rekey(struct pctx *c, yaml_node_t *n)
{
	c->n_child_rekey = n;
	return get_uint(c, n, 10, 7 * 86400, &c->p->child_rekey_time);
}

static int timers_ike_rekey(struct pctx *c, yaml_node_t *n)
{
	if (get_uint(c, n, 0, 30 * 86400, &c->p->ike_rekey_time) < 0)
		return -1;
	if (c->p->ike_rekey_time && c->p->ike_rekey_time < 10)
		return perr(c, n, "'ike-rekey-time' must be 0 (off) or at least 10 seconds");
	return 0;
}

static int timers_reauth(struct pctx *c, yaml_node_t *n)
{
	if (get_uint(c, n, 0, 30 * 86400, &c->p->reauth_time) < 0)
		return -1;
	if (c->p->reauth_time && c->p->reauth_time < 30)
		return perr(c, n, "'reauth-time' must be 0 (off) or at least 30 seconds");
	return 0;
}

static int timers_child_life(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 20, 8 * 86400, &c->p->child_life_time);
}

static int timers_reconnect(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 0, 3600, &c->p->reconnect_interval);
}

static int timers_child_retry(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, 1, 3600, &c->p->child_retry_interval);
}

const struct key_def timers_keys[] = {
	{ "reconnect-interval", timers_reconnect },
	{ "retransmit-timeout", timers_timeout },
	{ "child-rekey-time", timers_child_rekey },
	{ "ike-rekey-time", timers_ike_rekey },
	{ "reauth-time", timers_reauth },
	{ "child-life-time", timers_child_life },
	{ "child-retry-interval", timers_child_retry },
	{ "retransmit-base", timers_base },
	{ "retransmit-tries", timers_tries },
	{ "dpd-interval", timers_dpd },
	{ "outage-time", timers_outage },
	{ NULL, NULL },
};
