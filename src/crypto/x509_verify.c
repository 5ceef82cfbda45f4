/* The check of the gateway's certificate chain (RFC 5280 6) against the
 * profile's trust anchors and, when given, its CRLs.
 *
 * Trust anchors as strongSwan takes them: every certificate of the CA
 * file is one, a root or an intermediate (X509_V_FLAG_PARTIAL_CHAIN), so
 * a chain that reaches any of them is complete. The gateway's other
 * CERT payloads are untrusted material to build the chain from.
 *
 * CRLs as strongSwan's revocation plugin treats them by default: a
 * serial listed by its issuer's CRL is refused, also when that CRL is
 * past its nextUpdate (a stale list still knows what it revoked); a
 * stale CRL that does not list the certificate refuses nothing (the
 * status is unknown, not bad) and is reported. Unlike strongSwan, the
 * gateway's own certificate must be covered: a profile that names CRLs
 * and holds none of the gateway's issuer is refused, as that is a CRL
 * file for another CA. An intermediate without its issuer's CRL is
 * reported only (its CA's CRL is seldom handed out). */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "vpnd/crypto.h"

struct vstate {
	struct verr *note;   /* what was let pass, for the log; may be NULL */
};

/* At most len-1 characters of a name; a longer one keeps its end, where
 * strongSwan's order puts the CN, so that a chain error with two names
 * and the reason still fits a struct verr. */
static void name_short(const X509_NAME *name, char *out, size_t len)
{
	char full[512];
	size_t n;

	x509_name_text(name, full, sizeof(full));
	n = strlen(full);
	if (n < len)
		memcpy(out, full, n + 1);
	else
		snprintf(out, len, "...%s", full + n - (len - 4));
}

#define NAME_SHORT 52

static void names_of(X509 *c, char *subj, char *iss)
{
	name_short(c ? X509_get_subject_name(c) : NULL, subj, NAME_SHORT);
	name_short(c ? X509_get_issuer_name(c) : NULL, iss, NAME_SHORT);
}

static void note(struct vstate *st, X509 *c, const char *what)
{
	char subj[NAME_SHORT], iss[NAME_SHORT];

	if (!st || !st->note || st->note->msg[0])
		return; /* the first one is enough for the log line */
	names_of(c, subj, iss);
	verr_set(st->note, "%s '%s' (by '%s')", what, subj, iss);
}

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct vstate *st = X509_STORE_CTX_get_app_data(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	int top = X509_STORE_CTX_get_num_untrusted(ctx);

	if (ok)
		return 1;
	switch (X509_STORE_CTX_get_error(ctx)) {
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		/* The serial is still looked up in it after this. */
		note(st, cur, "status from a CRL past its nextUpdate for");
		return 1;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		if (depth == 0)
			return 0;
		/* The anchor itself (last of the chain) needs no status. */
		if (depth < top)
			note(st, cur, "no CRL of its issuer for");
		return 1;
	default:
		return 0;
	}
}

/* What the error means in the profile's terms, or "". */
static const char *hint(int err, int depth)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		return " (no anchor for it in the CA file)";
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return depth == 0 ? " (none of its issuer in the CRL file)" : "";
	case X509_V_ERR_CERT_REVOKED:
		return " (listed in the CRL file)";
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
		return " (not by its issuer's key)";
	default:
		return "";
	}
}

static void chain_error(X509_STORE_CTX *ctx, struct verr *e)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	char subj[NAME_SHORT], iss[NAME_SHORT];

	names_of(X509_STORE_CTX_get_current_cert(ctx), subj, iss);
	verr_set(e, "chain refused at depth %d, '%s' by '%s': %s%s", depth,
		 subj, iss, X509_verify_cert_error_string(err),
		 hint(err, depth));
}

static int add_crls(X509_STORE *store, const char *crl_file, struct verr *e)
{
	STACK_OF(X509_CRL) *crls = x509_load_crls(crl_file, e);
	int rc = 0;

	if (!crls)
		return -1;
	for (int i = 0; i < sk_X509_CRL_num(crls) && rc == 0; i++)
		if (!X509_STORE_add_crl(store, sk_X509_CRL_value(crls, i))) {
			verr_set(e, "cannot use the CRLs of %s", crl_file);
			rc = -1;
		}
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return rc;
}

static X509_STORE *trust_store(const struct x509_trust *t, struct verr *e)
{
	X509_STORE *store = X509_STORE_new();
	unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;

	if (!store) {
		verr_set(e, "out of memory");
		return NULL;
	}
	/* Loads every certificate of the file (and any CRL in it). */
	if (!X509_STORE_load_file(store, t->ca_file)) {
		verr_set(e, "cannot load CA certificates from %s", t->ca_file);
		goto fail;
	}
	if (t->crl_file) {
		if (add_crls(store, t->crl_file, e) < 0)
			goto fail;
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	}
	X509_STORE_set_flags(store, flags);
	return store;
fail:
	X509_STORE_free(store);
	return NULL;
}

int x509_verify(X509 *cert, STACK_OF(X509) *untrusted,
		const struct x509_trust *t, struct verr *note_out,
		struct verr *e)
{
	X509_STORE *store = trust_store(t, e);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	struct vstate st = { note_out };
	int rc = -1;

	if (note_out)
		note_out->msg[0] = '\0';
	if (!store)
		goto out;
	if (!ctx || !X509_STORE_CTX_init(ctx, store, cert, untrusted)) {
		verr_set(e, "certificate verification setup failed");
		goto out;
	}
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	X509_STORE_CTX_set_app_data(ctx, &st);
	if (X509_verify_cert(ctx) != 1) {
		chain_error(ctx, e);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

int x509_verify_chain(X509 *cert, STACK_OF(X509) *untrusted,
		      const char *ca_file, struct verr *e)
{
	const struct x509_trust t = { .ca_file = ca_file };

	return x509_verify(cert, untrusted, &t, NULL, e);
}
