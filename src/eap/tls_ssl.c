/* EAP-TLS's TLS client: OpenSSL's, TLS 1.2 or 1.3 and nothing older,
 * over memory BIOs; the gateway's certificate checked against the
 * profile's CA (an intermediate may be the anchor, as strongSwan allows)
 * and against the identity the profile expects; the MSK from the
 * exporter the RFCs name. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls_int.h"
#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

static void name_text(X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	out[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, out, (int)len - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

/* The profile's server identity for an error message. */
static void id_text(const struct eap_peer_cfg *cfg, char *out, size_t len)
{
	const uint8_t *p = cfg->server_id;
	X509_NAME *name;
	char a[INET6_ADDRSTRLEN];
	size_t i, o;

	switch (cfg->server_id_type) {
	case ID_FQDN:
	case ID_RFC822_ADDR:
		o = (size_t)snprintf(out, len, "%s ",
				     cfg->server_id_type == ID_FQDN ? "FQDN" :
				     "email");
		for (i = 0; i < cfg->server_id_len && o + 1 < len; i++)
			out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
		out[o < len ? o : len - 1] = '\0';
		return;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		if (cfg->server_id_len == (cfg->server_id_type == ID_IPV4_ADDR ? 4u : 16u) &&
		    inet_ntop(cfg->server_id_type == ID_IPV4_ADDR ? AF_INET : AF_INET6,
			      p, a, sizeof(a))) {
			snprintf(out, len, "IP %s", a);
			return;
		}
		break;
	case ID_DER_ASN1_DN:
		name = d2i_X509_NAME(NULL, &p, (long)cfg->server_id_len);
		if (name) {
			snprintf(out, len, "DN ");
			name_text(name, out + 3, len - 3);
			X509_NAME_free(name);
			return;
		}
		break;
	}
	snprintf(out, len, "of type %u", cfg->server_id_type);
}

/* Called by OpenSSL for each certificate of the gateway's chain, the
 * gateway's own last: a failure is recorded in words before the
 * handshake is aborted. */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x,
				SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_verdict *v = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(x);
	int depth = X509_STORE_CTX_get_error_depth(x);
	char subject[96] = "", want[96];

	if (!v)
		return 0;
	if (cert)
		name_text(X509_get_subject_name(cert), subject, sizeof(subject));
	if (!ok) {
		if (!v->why[0])
			snprintf(v->why, sizeof(v->why),
				 "the gateway's certificate chain failed at depth %d (%s): %s",
				 depth, subject,
				 X509_verify_cert_error_string(
					 X509_STORE_CTX_get_error(x)));
		return 0;
	}
	if (depth > 0 || !v->cfg->server_id_type) {
		v->identity_ok = depth == 0;
		return 1;
	}
	if (!x509_has_id(cert, v->cfg->server_id_type, v->cfg->server_id,
			 v->cfg->server_id_len)) {
		id_text(v->cfg, want, sizeof(want));
		snprintf(v->why, sizeof(v->why),
			 "the gateway's certificate (%s) does not carry the identity %s",
			 subject, want);
		X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	v->identity_ok = true;
	return 1;
}

static const char *ossl_reason(void)
{
	unsigned long err = ERR_peek_last_error();
	const char *r = err ? ERR_reason_error_string(err) : NULL;

	return r ? r : "unknown error";
}

static int load_ca(SSL_CTX *ctx, const char *ca_file, struct verr *e)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);

	if (!X509_STORE_load_file(store, ca_file)) {
		verr_set(e, "EAP-TLS: cannot load CA certificates from %s (%s)",
			 ca_file, ossl_reason());
		return -1;
	}
	/* A CA file holding only the intermediate that signed the gateway
	 * is the anchor itself, as strongSwan's trust works. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	return 0;
}

static int load_own(SSL_CTX *ctx, const struct eap_peer_cfg *cfg,
		    struct verr *e)
{
	if (!cfg->cert)
		return 0;
	if (SSL_CTX_use_certificate(ctx, cfg->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, cfg->key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		verr_set(e, "EAP-TLS: our certificate and key do not go together (%s)",
			 ossl_reason());
		return -1;
	}
	if (cfg->chain && SSL_CTX_set1_chain(ctx, cfg->chain) != 1) {
		verr_set(e, "EAP-TLS: cannot use our intermediate certificates (%s)",
			 ossl_reason());
		return -1;
	}
	return 0;
}

SSL_CTX *tls_ctx_new(const struct eap_peer_cfg *cfg, struct verr *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		verr_set(e, "EAP-TLS: no TLS context (%s)", ossl_reason());
		goto fail;
	}
	/* RFC 9190 2.1: TLS 1.3 where the gateway offers it; 1.2 is what
	 * most gateways still speak (strongSwan's default maximum). */
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		verr_set(e, "EAP-TLS: cannot limit the TLS versions");
		goto fail;
	}
	/* Nothing is resumed or renegotiated inside one EAP conversation.
	 * With renegotiation refused, a server without RFC 5746's
	 * renegotiation_info is safe to talk to, and strongSwan's TLS 1.2
	 * server (5.9.8) sends none: OpenSSL 3 would refuse it otherwise
	 * ("unsafe legacy renegotiation disabled"). */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_NO_COMPRESSION |
			    SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (load_ca(ctx, cfg->ca_file, e) < 0 || load_own(ctx, cfg, e) < 0)
		goto fail;
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

/* SNI with the gateway's name, as strongSwan's client sends it: a
 * gateway with several certificates picks by it. */
static int set_sni(SSL *ssl, const struct eap_peer_cfg *cfg)
{
	char name[256];

	if (cfg->server_id_type != ID_FQDN || !cfg->server_id_len ||
	    cfg->server_id_len >= sizeof(name) ||
	    memchr(cfg->server_id, '\0', cfg->server_id_len))
		return 0;
	memcpy(name, cfg->server_id, cfg->server_id_len);
	name[cfg->server_id_len] = '\0';
	return SSL_set_tlsext_host_name(ssl, name) == 1 ? 0 : -1;
}

SSL *tls_ssl_new(SSL_CTX *ctx, const struct eap_peer_cfg *cfg,
		 struct tls_verdict *verdict, struct verr *e)
{
	SSL *ssl = SSL_new(ctx);
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());

	if (!ssl || !rbio || !wbio) {
		verr_set(e, "out of memory");
		goto fail;
	}
	SSL_set_bio(ssl, rbio, wbio);
	rbio = wbio = NULL;
	SSL_set_connect_state(ssl);
	SSL_set_app_data(ssl, verdict);
	if (set_sni(ssl, cfg) < 0) {
		verr_set(e, "EAP-TLS: cannot set the server name");
		goto fail;
	}
	return ssl;
fail:
	BIO_free(rbio);
	BIO_free(wbio);
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

void tls_ssl_error(const struct tls_verdict *v, const char *doing,
		   struct verr *e)
{
	if (v->why[0])
		verr_set(e, "EAP-TLS: %s", v->why);
	else
		verr_set(e, "EAP-TLS: %s: %s", doing, ossl_reason());
	ERR_clear_error();
}

int tls_export_msk(SSL *ssl, bool rfc9190, struct chunk *msk, struct verr *e)
{
	/* RFC 9190 2.3: the context is the EAP Type. */
	static const uint8_t type = EAP_TYPE_TLS;
	static const char l12[] = "client EAP encryption";
	static const char l13[] = "EXPORTER_EAP_TLS_Key_Material";
	uint8_t km[128];
	int ok;

	/* 128 bytes of Key_Material, the MSK the first 64 (RFC 5216 2.3;
	 * the TLS 1.3 exporter depends on the length). For TLS 1.2 the
	 * exporter without context is RFC 5216's TLS-PRF(master_secret,
	 * label, client.random || server.random). A TLS 1.3 gateway of the
	 * drafts (strongSwan 5.9.8, no success indication) exports with
	 * RFC 5216's label and an empty context: found against it. */
	if (SSL_version(ssl) == TLS1_3_VERSION && rfc9190)
		ok = SSL_export_keying_material(ssl, km, sizeof(km), l13,
						sizeof(l13) - 1, &type, 1, 1);
	else
		ok = SSL_export_keying_material(ssl, km, sizeof(km), l12,
						sizeof(l12) - 1, NULL, 0, 0);
	if (ok != 1 || !chunk_secure_set(msk, km, 64)) {
		OPENSSL_cleanse(km, sizeof(km));
		ERR_clear_error();
		verr_set(e, "EAP-TLS: cannot derive the MSK");
		return -1;
	}
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}
