/* Our credentials for IKE_AUTH and the check of the gateway's. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike_sa.h"
#include "vpnd/log.h"

static int load_cert_creds(struct ike_sa *sa, struct verr *e)
{
	const struct profile *p = sa->prof;

	sa->my_cert = x509_load_pem(p->cert_file, e);
	if (!sa->my_cert)
		return -1;
	sa->my_key = pkey_load_pem(p->key_file, e);
	if (!sa->my_key)
		return -1;
	if (X509_check_private_key(sa->my_cert, sa->my_key) != 1) {
		verr_set(e, "%s does not hold the key of %s", p->key_file,
			 p->cert_file);
		return -1;
	}
	if (p->local_id.type == 0) {
		/* No identity configured: the certificate's subject DN. */
		unsigned char *der = NULL;
		int len = i2d_X509_NAME(X509_get_subject_name(sa->my_cert),
					&der);

		if (len <= 0) {
			verr_set(e, "cannot encode the certificate subject");
			return -1;
		}
		sa->my_id_type = ID_DER_ASN1_DN;
		chunk_set(&sa->my_id, der, (size_t)len);
		OPENSSL_free(der);
		return 0;
	}
	if (!x509_has_id(sa->my_cert, p->local_id.type, p->local_id.data,
			 p->local_id.len))
		log_warn("local id '%s' is not in certificate %s; the gateway will likely refuse it",
			 p->local_id.text, p->cert_file);
	return 0;
}

int creds_load(struct ike_sa *sa, struct verr *e)
{
	const struct profile *p = sa->prof;

	X509_free(sa->my_cert);
	EVP_PKEY_free(sa->my_key);
	sa->my_cert = NULL;
	sa->my_key = NULL;
	chunk_free(&sa->my_id);
	sa->my_id_type = p->local_id.type;
	if (p->local_id.type)
		chunk_set(&sa->my_id, p->local_id.data, p->local_id.len);
	if (p->local_auth == PAUTH_CERT)
		return load_cert_creds(sa, e);
	if (p->local_auth == PAUTH_EAP)
		return 0; /* the method's credentials: ike_eap.c */
	if (!p->local_id.type) {
		verr_set(e, "profile has no local identity");
		return -1;
	}
	return 0;
}

int creds_certreq(const struct profile *p, struct wbuf *out, struct verr *e)
{
	X509 *ca = x509_load_pem(p->ca_file, e);
	unsigned char *spki = NULL;
	unsigned int hlen = 0;
	uint8_t hash[EVP_MAX_MD_SIZE];
	int len, rc = -1;

	if (!ca)
		return -1;
	/* CERTREQ names a CA by the SHA-1 of its SubjectPublicKeyInfo. */
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki);
	if (len > 0 && EVP_Digest(spki, (size_t)len, hash, &hlen, EVP_sha1(),
				  NULL) == 1) {
		wb_put(out, hash, hlen);
		rc = 0;
	} else {
		verr_set(e, "cannot hash the CA key of %s", p->ca_file);
	}
	OPENSSL_free(spki);
	X509_free(ca);
	return rc;
}

static int verify_psk(struct ike_sa *sa, const struct auth_payload *auth,
		      const struct chunk *octets, struct verr *e)
{
	if (auth->method != AUTH_PSK) {
		verr_set(e, "gateway used %s, the profile expects a pre-shared key",
			 auth_method_name(auth->method));
		return -1;
	}
	if (!auth_psk_verify(sa->keys.prf, sa->prof->psk.p, sa->prof->psk.len,
			     octets, auth->data, auth->len)) {
		verr_set(e, "gateway's pre-shared key AUTH does not verify");
		return -1;
	}
	return 0;
}

/* The first CERT is the gateway's own, the others may be intermediates. */
static X509 *peer_certs(const struct payload_list *pl, STACK_OF(X509) *chain,
			struct verr *e)
{
	X509 *leaf = NULL;
	size_t i;

	for (i = 0; i < pl->n; i++) {
		struct cert_payload cp;
		X509 *x;

		if (pl->pl[i].type != PL_CERT ||
		    cert_parse(pl->pl[i].body, pl->pl[i].len, &cp, e) < 0 ||
		    cp.encoding != CERT_X509_SIG)
			continue;
		x = x509_from_der(cp.data, cp.len, e);
		if (!x)
			continue;
		if (!leaf)
			leaf = x;
		else if (!sk_X509_push(chain, x))
			X509_free(x);
	}
	if (!leaf && !e->msg[0])
		verr_set(e, "gateway sent no certificate");
	return leaf;
}

static int verify_cert(struct ike_sa *sa, const struct payload_list *pl,
		       const struct auth_payload *auth,
		       const struct chunk *octets, struct verr *e)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *leaf;
	EVP_PKEY *pub;
	int rc = -1;

	if (auth->method == AUTH_PSK) {
		verr_set(e, "gateway used a pre-shared key, the profile expects a certificate");
		goto out;
	}
	leaf = peer_certs(pl, chain, e);
	if (!leaf)
		goto out;
	if (x509_verify_chain(leaf, chain, sa->prof->ca_file, e) < 0)
		goto out_leaf;
	if (!x509_has_id(leaf, sa->peer_id_type, sa->peer_id.p,
			 sa->peer_id.len)) {
		verr_set(e, "gateway's certificate does not carry its identity");
		goto out_leaf;
	}
	pub = X509_get0_pubkey(leaf);
	rc = pub ? auth_sig_verify(pub, auth->method, auth->data, auth->len,
				   octets, e) :
		   -1;
out_leaf:
	X509_free(leaf);
out:
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

int creds_verify_peer(struct ike_sa *sa, const struct payload_list *pl,
		      const struct auth_payload *auth,
		      const struct chunk *octets, struct verr *e)
{
	if (sa->prof->remote_auth == PAUTH_PSK)
		return verify_psk(sa, auth, octets, e);
	return verify_cert(sa, pl, auth, octets, e);
}
