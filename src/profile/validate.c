/* Checks that need the whole profile (which keys go together), then the
 * defaults that depend on other settings. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "vpnd/crypto.h"

static const char *const default_ike[] = {
	"aes256gcm16-prfsha384-ecp384-x25519",
	"aes256-sha256-ecp256-modp2048",
};

static const char *const default_esp[] = {
	"aes256gcm16-noesn",
	"aes256-sha256-noesn",
};

/* Where to point when something is missing: the section if present. */
static yaml_node_t *at(yaml_node_t *preferred, yaml_node_t *fallback)
{
	return preferred ? preferred : fallback;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == n;
}

static int finish_name(struct pctx *c)
{
	struct profile *p = c->p;
	char tmp[PATH_MAX], *base, *dot;

	if (p->name[0]) {
		if (!valid_name(p->name))
			return perr(c, c->n_name, "invalid name '%s' (use 1-63 "
				    "of A-Z a-z 0-9 . _ -)", p->name);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s", c->path);
	base = basename(tmp);
	dot = strrchr(base, '.');
	if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")))
		*dot = '\0';
	if (!valid_name(base))
		return perr(c, c->root, "file name '%s' is not a valid profile "
			    "name; set connection.name", base);
	snprintf(p->name, sizeof(p->name), "%s", base);
	return 0;
}

static int finish_psk(struct pctx *c)
{
	struct profile *p = c->p;
	bool used = p->local_auth == PAUTH_PSK || p->remote_auth == PAUTH_PSK;
	bool inline_psk = c->n_psk != NULL;

	if (inline_psk && c->n_psk_file)
		return perr(c, c->n_psk_file, "'psk' and 'psk-file' are "
			    "mutually exclusive");
	if (!used && (inline_psk || c->n_psk_file))
		return perr(c, at(c->n_psk, c->n_psk_file), "a psk is set but "
			    "neither side uses psk auth");
	if (!used)
		return 0;
	if (!inline_psk && !c->n_psk_file)
		return perr(c, at(c->n_local_auth, at(c->n_local, c->root)),
			    "psk auth needs 'psk' or 'psk-file'");
	if (c->n_psk_file)
		return load_psk_file(c);
	/* the profile itself now holds a secret */
	return check_secret_mode(c->path, &c->st, c->e);
}

/* EAP: the IKE identity and the EAP identity stand in for each other
 * when only one is given (the gateway usually matches the EAP one). */
static int eap_identities(struct pctx *c)
{
	struct profile *p = c->p;
	char why[120];

	if (!p->eap_identity[0] && p->local_id.type) {
		snprintf(p->eap_identity, sizeof(p->eap_identity), "%s",
			 p->local_id.text);
		p->eap_identity_len = strlen(p->eap_identity);
	}
	if (!p->eap_identity[0])
		return perr(c, at(c->n_eap, at(c->n_local, c->root)),
			    "eap auth needs local 'id' or eap 'identity'");
	if (!p->local_id.type &&
	    profile_id_parse(p->eap_identity, &p->local_id, why,
			     sizeof(why)) < 0)
		return perr(c, c->n_eap_identity, "eap 'identity' cannot be the IKE identity (%s): set local 'id'",
			    why);
	return 0;
}

static int finish_eap(struct pctx *c)
{
	struct profile *p = c->p;
	yaml_node_t *where = at(c->n_eap, at(c->n_local_auth, c->root));

	if (p->local_auth != PAUTH_EAP) {
		if (c->n_eap)
			return perr(c, c->n_eap, "an eap section is set but local 'auth' is not eap");
		return 0;
	}
	if (!p->eap_method)
		p->eap_method = PEAP_MSCHAPV2;
	if (eap_identities(c) < 0)
		return -1;
	if (p->eap_method == PEAP_TLS && c->n_password_file)
		return perr(c, c->n_password_file, "eap method tls uses local 'cert' and 'key', not a password");
	/* RFC 5998 4: the gateway may skip its own AUTH only after a method
	 * that authenticates it; MS-CHAPv2 falls to a dictionary attack. */
	if (p->remote_auth == PAUTH_EAP && p->eap_method != PEAP_TLS)
		return perr(c, at(c->n_remote_auth, where), "remote auth eap (EAP-only, RFC 5998) needs eap method tls: mschapv2 does not authenticate the gateway well enough to stand alone");
	return 0;
}

static int finish_local(struct pctx *c)
{
	struct profile *p = c->p;
	yaml_node_t *where = at(c->n_local_auth, at(c->n_local, c->root));

	if (p->local_auth == PAUTH_PSK && !p->local_id.type)
		return perr(c, at(c->n_local, c->root),
			    "local 'id' is required for psk auth");
	if (finish_eap(c) < 0)
		return -1;
	if (p->local_auth != PAUTH_CERT &&
	    !(p->local_auth == PAUTH_EAP && p->eap_method == PEAP_TLS))
		return 0;
	if (!p->cert_file[0])
		return perr(c, where, "%s auth needs 'cert'",
			    p->local_auth == PAUTH_EAP ? "eap tls" : "cert");
	if (!p->key_file[0])
		return perr(c, where, "%s auth needs 'key'",
			    p->local_auth == PAUTH_EAP ? "eap tls" : "cert");
	if (check_readable(c, c->n_cert, "cert file", p->cert_file) < 0)
		return -1;
	return check_key_file(c);
}

static int finish_crl(struct pctx *c)
{
	struct profile *p = c->p;
	STACK_OF(X509_CRL) *crls;
	struct verr e = { { 0 } };

	if (!c->n_crl)
		return 0;
	if (p->remote_auth != PAUTH_CERT)
		return perr(c, c->n_crl, "'crl' is set but the gateway does "
			    "not authenticate with a certificate");
	if (check_readable(c, c->n_crl, "crl file", p->crl_file) < 0)
		return -1;
	crls = x509_load_crls(p->crl_file, &e);
	if (!crls)
		return perr(c, c->n_crl, "%s", e.msg);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return 0;
}

static int finish_remote(struct pctx *c)
{
	struct profile *p = c->p;
	yaml_node_t *where = at(c->n_remote_auth, at(c->n_remote, c->root));

	if (p->remote_auth == PAUTH_CERT || p->remote_auth == PAUTH_EAP) {
		if (!p->ca_file[0])
			return perr(c, where, "remote %s auth needs 'ca'",
				    p->remote_auth == PAUTH_EAP ? "eap" :
								  "cert");
		if (check_readable(c, c->n_ca, "ca file", p->ca_file) < 0)
			return -1;
	}
	if (finish_crl(c) < 0)
		return -1;
	/* with a psk there is no CA to vouch for the gateway's name */
	if (p->remote_auth == PAUTH_PSK && !p->remote_id.type &&
	    !p->n_remote_id_patterns)
		return perr(c, where, "remote 'id' or 'id-patterns' is required "
			    "for psk auth");
	if (!c->send_id_set)
		p->send_idr = p->remote_id.type != 0;
	else if (p->send_idr && !p->remote_id.type)
		return perr(c, c->n_send_id, "send-id needs a remote 'id'");
	return 0;
}

static int default_proposals(struct pctx *c)
{
	struct profile *p = c->p;

	for (size_t i = 0; !p->n_ike && i < 2; i++)
		if (alg_set_parse(default_ike[i], false, &p->ike[i], c->e) < 0)
			return -1;
	if (!p->n_ike)
		p->n_ike = 2;
	for (size_t i = 0; !p->n_esp && i < 2; i++)
		if (alg_set_parse(default_esp[i], true, &p->esp[i], c->e) < 0)
			return -1;
	if (!p->n_esp)
		p->n_esp = 2;
	return 0;
}

/* "Any address of a family" is how the gateway learns that it should
 * narrow the selector to the virtual IP it assigns. */
static int add_any(struct pctx *c, struct ts_cfg *list, size_t *n, int af)
{
	if (*n >= PROFILE_MAX_TS)
		return perr(c, c->n_ts_dynamic, "too many traffic selectors "
			    "(max %d)", PROFILE_MAX_TS);
	memset(&list[*n], 0, sizeof(list[*n]));
	list[*n].family = af;
	list[*n].port_hi = 65535;
	(*n)++;
	return 0;
}

static int finish_ts(struct pctx *c)
{
	struct profile *p = c->p;
	bool vip = p->request_ipv4 || p->request_ipv6;

	if (!c->ts_local_set && vip)
		c->ts_dynamic = true;
	if (c->ts_dynamic && !vip)
		return perr(c, c->n_ts_dynamic, "'dynamic' needs a virtual IP "
			    "(ipv4 or ipv6 method auto)");
	if (c->ts_dynamic && p->request_ipv4 &&
	    add_any(c, p->local_ts, &p->n_local_ts, AF_INET) < 0)
		return -1;
	if (c->ts_dynamic && p->request_ipv6 &&
	    add_any(c, p->local_ts, &p->n_local_ts, AF_INET6) < 0)
		return -1;
	if (!c->ts_local_set && !vip)
		add_any(c, p->local_ts, &p->n_local_ts, AF_INET);
	if (c->ts_remote_set)
		return 0;
	add_any(c, p->remote_ts, &p->n_remote_ts, AF_INET);
	if (p->request_ipv6)
		add_any(c, p->remote_ts, &p->n_remote_ts, AF_INET6);
	return 0;
}

int profile_finish(struct pctx *c)
{
	struct profile *p = c->p;

	if (finish_name(c) < 0)
		return -1;
	if (!p->n_gateways)
		return perr(c, at(c->n_connection, c->root),
			    "connection 'gateway' is required");
	/* With EAP the gateway signs, as in every road-warrior setup. */
	if (!c->remote_auth_set)
		p->remote_auth = p->local_auth == PAUTH_EAP ? PAUTH_CERT :
							      p->local_auth;
	if (p->child_rekey_time >= p->child_life_time)
		return perr(c, at(c->n_child_rekey, c->root),
			    "timers 'child-rekey-time' (%u s) must be below "
			    "'child-life-time' (%u s)", p->child_rekey_time,
			    p->child_life_time);
	if (finish_local(c) < 0 || finish_remote(c) < 0 ||
	    default_proposals(c) < 0 || finish_ts(c) < 0)
		return -1;
	/* last, so that a broken profile never reads a secret */
	if (finish_psk(c) < 0)
		return -1;
	if (c->n_password_file)
		return load_password_file(c);
	return 0;
}
