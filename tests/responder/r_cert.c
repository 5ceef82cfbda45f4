/* Initiators that authenticate with a certificate (RFC 7296 2.15, 3.6;
 * RFC 7427): the first CERT payload must be an X.509 certificate issued
 * by the configured client CA and valid now, and AUTH must verify with
 * its public key. This gateway itself stays on PSK: IKEv2 lets each side
 * choose its own method. Only a direct issuer check, no chain, no
 * revocation: enough for a test gateway whose clients share one CA. */
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "r_internal.h"
#include "vpnd/log.h"

int r_cert_open(struct responder *r, struct verr *e)
{
	if (!r->cfg.client_ca)
		return 0;
	r->client_ca = x509_load_pem(r->cfg.client_ca, e);
	return r->client_ca ? 0 : -1;
}

void r_cert_close(struct responder *r)
{
	X509_free(r->client_ca);
	r->client_ca = NULL;
}

bool r_auth_is_sig(uint8_t method)
{
	return method == AUTH_RSA_SIG || method == AUTH_ECDSA_256 ||
	       method == AUTH_ECDSA_384 || method == AUTH_ECDSA_521 ||
	       method == AUTH_DIGITAL_SIG;
}

static X509 *first_cert(const struct r_msg *m)
{
	const struct ike_payload *p = payload_find(&m->pl, PL_CERT);
	struct cert_payload cert;
	struct verr e = { { 0 } };
	X509 *x;

	if (!p || cert_parse(p->body, p->len, &cert, &e) < 0) {
		log_warn("responder: signature AUTH without a usable CERT %s",
			 e.msg);
		return NULL;
	}
	if (cert.encoding != CERT_X509_SIG) {
		log_warn("responder: CERT encoding %u, want X.509",
			 cert.encoding);
		return NULL;
	}
	x = x509_from_der(cert.data, cert.len, &e);
	if (!x)
		log_warn("responder: client certificate: %s", e.msg);
	return x;
}

/* Issued (names and signature) by our CA, and within its validity. */
static bool issued_by_ca(const struct responder *r, X509 *x)
{
	EVP_PKEY *ca_key = X509_get0_pubkey(r->client_ca);

	if (!ca_key || X509_check_issued(r->client_ca, x) != X509_V_OK ||
	    X509_verify(x, ca_key) != 1) {
		log_warn("responder: client certificate not issued by the "
			 "client CA");
		return false;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0 ||
	    X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		log_warn("responder: client certificate not valid now");
		return false;
	}
	return true;
}

bool r_cert_auth_ok(struct responder *r, const struct r_msg *m,
		    const struct auth_payload *auth, const struct id_payload *id,
		    const struct chunk *octets)
{
	struct verr e = { { 0 } };
	EVP_PKEY *pub;
	X509 *x;
	bool ok = false;

	if (!r->client_ca) {
		log_warn("responder: %s AUTH but no client CA configured",
			 auth_method_name(auth->method));
		return false;
	}
	x = first_cert(m);
	if (!x)
		return false;
	pub = X509_get0_pubkey(x);
	if (issued_by_ca(r, x) && pub) {
		ok = auth_sig_verify(pub, auth->method, auth->data, auth->len,
				     octets, &e) == 0;
		if (!ok)
			log_warn("responder: client signature: %s", e.msg);
	}
	if (ok) {
		r->st.sig_auth_ok++;
		r->st.sig_id_in_cert = x509_has_id(x, id->type, id->data,
						   id->len);
	}
	X509_free(x);
	return ok;
}
