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

/* CERTREQ names each trust anchor by the SHA-1 of its
 * SubjectPublicKeyInfo (RFC 7296 3.7): every CA of the bundle. */
static int spki_sha1(X509 *ca, struct wbuf *out)
{
	unsigned char *spki = NULL;
	unsigned int hlen = 0;
	uint8_t hash[EVP_MAX_MD_SIZE];
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki);
	int rc = -1;

	if (len > 0 && EVP_Digest(spki, (size_t)len, hash, &hlen, EVP_sha1(),
				  NULL) == 1 && hlen == 20) {
		wb_put(out, hash, hlen);
		rc = 0;
	}
	OPENSSL_free(spki);
	return rc;
}

int creds_certreq(const struct profile *p, struct wbuf *out, struct verr *e)
{
	STACK_OF(X509) *cas = x509_load_pem_all(p->ca_file, e);
	int rc = cas ? 0 : -1;

	for (int i = 0; cas && i < sk_X509_num(cas) && rc == 0; i++)
		if (spki_sha1(sk_X509_value(cas, i), out) < 0) {
			verr_set(e, "cannot hash CA key %d of %s", i + 1,
				 p->ca_file);
			rc = -1;
		}
	sk_X509_pop_free(cas, X509_free);
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

/* The chain up to the profile's anchors, with its CRLs if it names
 * some; what was let pass (a stale CRL) goes to the log. */
static int check_chain(struct ike_sa *sa, X509 *leaf, STACK_OF(X509) *chain,
		       struct verr *e)
{
	const struct profile *p = sa->prof;
	const struct x509_trust t = {
		.ca_file = p->ca_file,
		.crl_file = p->crl_file[0] ? p->crl_file : NULL,
	};
	struct verr note = { { 0 } };

	if (x509_verify(leaf, chain, &t, &note, e) < 0)
		return -1;
	if (note.msg[0])
		log_info("gateway certificate accepted, but: %s", note.msg);
	return 0;
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
	if (check_chain(sa, leaf, chain, e) < 0)
		goto out_leaf;
	if (!x509_has_id(leaf, sa->peer_id_type, sa->peer_id.p,
			 sa->peer_id.len)) {
		hint_cert_lacks_id(sa, leaf, e);
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
