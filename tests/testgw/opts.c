/* vpnd-testgw options: every value is checked here, so that the gateway
 * never starts with something other than what the test asked for. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "opts.h"

enum {
	OPT_LISTEN = 256,
	OPT_PORT,
	OPT_ID,
	OPT_PSK,
	OPT_CLIENT_CA,
	OPT_DOMAIN_KEY,
	OPT_DOMAIN_DIR,
	OPT_LIFETIME,
	OPT_MODE,
	OPT_RESUME_AUTH,
	OPT_GSC_FLOOR,
	OPT_NACK,
	OPT_BACKUP,
	OPT_VIP4,
	OPT_REDIRECT,
	OPT_NO_VID,
	OPT_PRIVATE_ANYWAY,
	OPT_REKEY_IKE_AFTER,
	OPT_AUTH_LIFETIME,
	OPT_EXPECT_REAUTH,
	OPT_COLLIDE,
	OPT_REFUSE_IKE_REKEY,
	OPT_EAP_PASSWORD,
	OPT_EAP_IDENTITY,
	OPT_VERBOSE,
	OPT_HELP,
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "id", required_argument, NULL, OPT_ID },
	{ "psk", required_argument, NULL, OPT_PSK },
	{ "client-ca", required_argument, NULL, OPT_CLIENT_CA },
	{ "domain-key", required_argument, NULL, OPT_DOMAIN_KEY },
	{ "domain-dir", required_argument, NULL, OPT_DOMAIN_DIR },
	{ "ticket-lifetime", required_argument, NULL, OPT_LIFETIME },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "resume-auth", required_argument, NULL, OPT_RESUME_AUTH },
	{ "gsc-floor", required_argument, NULL, OPT_GSC_FLOOR },
	{ "nack-resume", no_argument, NULL, OPT_NACK },
	{ "backup", required_argument, NULL, OPT_BACKUP },
	{ "vip4", required_argument, NULL, OPT_VIP4 },
	{ "redirect-resume-to", required_argument, NULL, OPT_REDIRECT },
	{ "no-vendor-id", no_argument, NULL, OPT_NO_VID },
	{ "private-anyway", no_argument, NULL, OPT_PRIVATE_ANYWAY },
	{ "rekey-ike-after", required_argument, NULL, OPT_REKEY_IKE_AFTER },
	{ "auth-lifetime", required_argument, NULL, OPT_AUTH_LIFETIME },
	{ "expect-reauth", no_argument, NULL, OPT_EXPECT_REAUTH },
	{ "collide", required_argument, NULL, OPT_COLLIDE },
	{ "refuse-ike-rekey", no_argument, NULL, OPT_REFUSE_IKE_REKEY },
	{ "eap-password", required_argument, NULL, OPT_EAP_PASSWORD },
	{ "eap-identity", required_argument, NULL, OPT_EAP_IDENTITY },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void testgw_usage(const char *prog)
{
	printf("usage: %s --listen ADDR [--port N] --id FQDN --psk SECRET\n"
	       "  [--client-ca PEM] [--domain-key FILE] [--domain-dir DIR]\n"
	       "  [--ticket-lifetime S] [--mode rfc5723|draft-gsc]\n"
	       "  [--resume-auth message|signed-octets]\n"
	       "  [--gsc-floor N] [--nack-resume] [--backup ADDR]...\n"
	       "  [--vip4 A.B.C.D] [--redirect-resume-to ADDR]\n"
	       "  [--no-vendor-id] [--private-anyway]\n"
	       "  [--rekey-ike-after MS] [--auth-lifetime S] [--expect-reauth]\n"
	       "  [--collide ike|child|both[,gateway-loses|initiator-loses]]\n"
	       "  [--refuse-ike-rekey] [--eap-password PW [--eap-identity ID]]\n"
	       "  [--verbose]\n"
	       "A scripted IKEv2 gateway for vpnd's tests; one event line per\n"
	       "event on stdout. SIGUSR1 toggles mute, SIGTERM/SIGINT exit.\n",
	       prog);
}

static int number(const char *s, unsigned long max, unsigned long *out,
		  const char *what, struct verr *e)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || *out > max) {
		verr_set(e, "%s: '%s' is not a number in 0..%lu", what, s,
			 max);
		return -1;
	}
	return 0;
}

static bool numeric_addr(const char *s)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static int set_id(struct responder_cfg *cfg, const char *s, struct verr *e)
{
	size_t len = strlen(s);

	if (!len || len > sizeof(cfg->id)) {
		verr_set(e, "--id: 1..%zu characters", sizeof(cfg->id));
		return -1;
	}
	cfg->id_type = ID_FQDN;
	memcpy(cfg->id, s, len);
	cfg->id_len = len;
	return 0;
}

static int set_gw(struct gw_ident *gw, const char *s, const char *what,
		  struct verr *e)
{
	if (!*s || strlen(s) > 255) {
		verr_set(e, "%s: an address or a host name", what);
		return -1;
	}
	responder_gw_ident(gw, s);
	return 0;
}

static int set_dir(const char *s, struct verr *e)
{
	struct stat sb;

	if (stat(s, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		verr_set(e, "--domain-dir %s: not a directory", s);
		return -1;
	}
	return 0;
}

static int set_mode(struct responder_cfg *cfg, const char *s,
		    struct verr *e)
{
	if (!strcmp(s, "rfc5723"))
		cfg->resume_mode = R_RESUME_RFC5723;
	else if (!strcmp(s, "draft-gsc"))
		cfg->resume_mode = R_RESUME_DRAFT_GSC;
	else {
		verr_set(e, "--mode: rfc5723 or draft-gsc, not '%s'", s);
		return -1;
	}
	return 0;
}

static int set_resume_auth(struct responder_cfg *cfg, const char *s,
			   struct verr *e)
{
	if (!strcmp(s, "message"))
		cfg->resume_auth = RESUME_AUTH_MESSAGE;
	else if (!strcmp(s, "signed-octets"))
		cfg->resume_auth = RESUME_AUTH_SIGNED_OCTETS;
	else {
		verr_set(e, "--resume-auth: message or signed-octets, not '%s'",
			 s);
		return -1;
	}
	return 0;
}

/* "ike", "child" or "both", then ",gateway-loses" or ",initiator-loses"
 * to fix the outcome (random nonces otherwise). */
static int set_collide(struct responder_cfg *cfg, const char *s,
		       struct verr *e)
{
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);

	if (n == 3 && !strncmp(s, "ike", 3))
		cfg->collide_ike_rekey = true;
	else if (n == 5 && !strncmp(s, "child", 5))
		cfg->collide_child_rekey = true;
	else if (n == 4 && !strncmp(s, "both", 4))
		cfg->collide_ike_rekey = cfg->collide_child_rekey = true;
	else
		goto bad;
	if (!comma)
		return 0;
	if (!strcmp(comma + 1, "gateway-loses"))
		cfg->collision_loser = R_LOSER_GATEWAY;
	else if (!strcmp(comma + 1, "initiator-loses"))
		cfg->collision_loser = R_LOSER_INITIATOR;
	else
		goto bad;
	return 0;
bad:
	verr_set(e, "--collide: ike, child or both, optionally "
		 ",gateway-loses or ,initiator-loses; not '%s'", s);
	return -1;
}

/* The IKE SA rekey and reauthentication options. */
static int lifetime_option(int ch, const char *arg, struct responder_cfg *cfg,
			   struct verr *e)
{
	unsigned long v;

	switch (ch) {
	case OPT_REKEY_IKE_AFTER:
		if (number(arg, 86400000, &v, "--rekey-ike-after", e) < 0)
			return -1;
		if (v && v < 100) {
			verr_set(e, "--rekey-ike-after: 0 (off) or at least "
				 "100 ms");
			return -1;
		}
		cfg->rekey_ike_after_ms = (unsigned)v;
		return 0;
	case OPT_AUTH_LIFETIME:
		if (number(arg, 0xffffffffUL, &v, "--auth-lifetime", e) < 0)
			return -1;
		cfg->auth_lifetime = (uint32_t)v;
		return 0;
	case OPT_EXPECT_REAUTH:
		cfg->expect_reauth = true;
		return 0;
	case OPT_COLLIDE:
		return set_collide(cfg, arg, e);
	case OPT_REFUSE_IKE_REKEY:
		cfg->refuse_ike_rekey = N_NO_ADDITIONAL_SAS;
		return 0;
	case OPT_EAP_PASSWORD:
		/* an initiator without AUTH gets EAP-Identity and
		 * EAP-MSCHAPv2 against this password (r_eap.c) */
		cfg->eap = true;
		cfg->eap_password = arg;
		return 0;
	case OPT_EAP_IDENTITY:
		cfg->eap_identity = arg;
		return 0;
	}
	verr_set(e, "unknown option (see --help)");
	return -1;
}

static int one_option(int ch, const char *arg, struct testgw_opts *o,
		      struct verr *e)
{
	struct responder_cfg *cfg = &o->cfg;
	unsigned long v;

	switch (ch) {
	case OPT_LISTEN:
		if (!numeric_addr(arg)) {
			verr_set(e, "--listen: a numeric address");
			return -1;
		}
		cfg->bind_addr = arg;
		return 0;
	case OPT_PORT:
		if (number(arg, 65535, &v, "--port", e) < 0)
			return -1;
		cfg->port = (uint16_t)v;
		return 0;
	case OPT_ID:
		return set_id(cfg, arg, e);
	case OPT_PSK:
		cfg->psk = arg;
		return 0;
	case OPT_CLIENT_CA:
		cfg->client_ca = arg;
		return 0;
	case OPT_DOMAIN_KEY:
		if (responder_domain_key_load(arg, cfg->domain_key, e) < 0)
			return -1;
		cfg->has_domain_key = true;
		return 0;
	case OPT_DOMAIN_DIR:
		cfg->domain_dir = arg;
		return set_dir(arg, e);
	case OPT_LIFETIME:
		if (number(arg, 7 * 86400, &v, "--ticket-lifetime", e) < 0)
			return -1;
		if (!v) {
			verr_set(e, "--ticket-lifetime: at least 1 s");
			return -1;
		}
		cfg->ticket_lifetime = (uint32_t)v;
		return 0;
	case OPT_MODE:
		return set_mode(cfg, arg, e);
	case OPT_RESUME_AUTH:
		return set_resume_auth(cfg, arg, e);
	case OPT_GSC_FLOOR:
		if (number(arg, RESP_GSC_MAX, &v, "--gsc-floor", e) < 0)
			return -1;
		cfg->gsc_floor = (uint8_t)v;
		return 0;
	case OPT_NACK:
		cfg->nack_resume = true;
		return 0;
	case OPT_BACKUP:
		if (cfg->n_backups == RESP_MAX_BACKUPS) {
			verr_set(e, "--backup: at most %d", RESP_MAX_BACKUPS);
			return -1;
		}
		return set_gw(&cfg->backups[cfg->n_backups++], arg,
			      "--backup", e);
	case OPT_VIP4:
		if (inet_pton(AF_INET, arg, cfg->vip4) != 1) {
			verr_set(e, "--vip4: an IPv4 address");
			return -1;
		}
		cfg->has_vip4 = true;
		return 0;
	case OPT_REDIRECT:
		return set_gw(&cfg->redirect_resume_to, arg,
			      "--redirect-resume-to", e);
	case OPT_NO_VID:
		cfg->no_vendor_id = true;
		return 0;
	case OPT_PRIVATE_ANYWAY:
		cfg->private_anyway = true;
		return 0;
	case OPT_VERBOSE:
		o->verbose = true;
		return 0;
	}
	return lifetime_option(ch, arg, cfg, e);
}

int testgw_parse(int argc, char **argv, struct testgw_opts *o,
		 struct verr *e)
{
	bool have_psk = false;
	int ch;

	memset(o, 0, sizeof(*o));
	responder_cfg_defaults(&o->cfg);
	o->cfg.port = 500;
	o->cfg.bind_addr = NULL;
	o->cfg.id_len = 0;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == OPT_HELP)
			return 1;
		if (ch == '?') {
			verr_set(e, "unknown option or missing value: %s",
				 argv[optind - 1]);
			return -1;
		}
		if (one_option(ch, optarg, o, e) < 0)
			return -1;
		have_psk |= ch == OPT_PSK;
	}
	if (optind < argc) {
		verr_set(e, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->cfg.bind_addr || !o->cfg.id_len || !have_psk) {
		verr_set(e, "--listen, --id and --psk are required");
		return -1;
	}
	/* Without a domain key there is nothing to seal: say so (NACK)
	 * rather than hand out tickets no gateway can open. */
	o->cfg.ticket_mode = o->cfg.has_domain_key ? R_TICKET_ISSUE :
						     R_TICKET_NACK;
	return 0;
}
