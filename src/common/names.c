#include <stdio.h>

#include "vpnd/ike_const.h"

struct name {
	unsigned v;
	const char *s;
};

static const char *lookup(const struct name *t, unsigned v)
{
	/* Unknown values print as numbers; rotating buffers let a caller
	 * use several names in one log line. */
	static char bufs[4][12];
	static unsigned idx;
	char *b;

	for (; t->s; t++)
		if (t->v == v)
			return t->s;
	b = bufs[idx++ % 4];
	snprintf(b, sizeof(bufs[0]), "%u", v);
	return b;
}

const char *exchange_name(unsigned v)
{
	static const struct name t[] = {
		{ EXCH_IKE_SA_INIT, "IKE_SA_INIT" },
		{ EXCH_IKE_AUTH, "IKE_AUTH" },
		{ EXCH_CREATE_CHILD_SA, "CREATE_CHILD_SA" },
		{ EXCH_INFORMATIONAL, "INFORMATIONAL" },
		{ EXCH_IKE_SESSION_RESUME, "IKE_SESSION_RESUME" },
		{ 0, NULL }
	};
	return lookup(t, v);
}

const char *payload_name(unsigned v)
{
	static const struct name t[] = {
		{ PL_SA, "SA" }, { PL_KE, "KE" }, { PL_IDI, "IDi" },
		{ PL_IDR, "IDr" }, { PL_CERT, "CERT" },
		{ PL_CERTREQ, "CERTREQ" }, { PL_AUTH, "AUTH" },
		{ PL_NONCE, "No" }, { PL_NOTIFY, "N" }, { PL_DELETE, "D" },
		{ PL_VENDOR, "V" }, { PL_TSI, "TSi" }, { PL_TSR, "TSr" },
		{ PL_SK, "SK" }, { PL_CP, "CP" }, { PL_EAP, "EAP" },
		{ PL_SKF, "SKF" }, { 0, NULL }
	};
	return lookup(t, v);
}

const char *notify_name(unsigned v)
{
	static const struct name t[] = {
		{ N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
		{ N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
		{ N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
		{ N_INVALID_SYNTAX, "INVALID_SYNTAX" },
		{ N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
		{ N_INVALID_SPI, "INVALID_SPI" },
		{ N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
		{ N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
		{ N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
		{ N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
		{ N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
		{ N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
		{ N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
		{ N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
		{ N_INVALID_SELECTORS, "INVALID_SELECTORS" },
		{ N_UNACCEPTABLE_ADDRESSES, "UNACCEPTABLE_ADDRESSES" },
		{ N_UNEXPECTED_NAT_DETECTED, "UNEXPECTED_NAT_DETECTED" },
		{ N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
		{ N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
		{ N_INITIAL_CONTACT, "INITIAL_CONTACT" },
		{ N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE" },
		{ N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE" },
		{ N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP" },
		{ N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP" },
		{ N_COOKIE, "COOKIE" },
		{ N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE" },
		{ N_REKEY_SA, "REKEY_SA" },
		{ N_ESP_TFC_PADDING_NOT_SUPPORTED, "ESP_TFC_PADDING_NOT_SUPPORTED" },
		{ N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED" },
		{ N_ADDITIONAL_IP4_ADDRESS, "ADDITIONAL_IP4_ADDRESS" },
		{ N_ADDITIONAL_IP6_ADDRESS, "ADDITIONAL_IP6_ADDRESS" },
		{ N_NO_ADDITIONAL_ADDRESSES, "NO_ADDITIONAL_ADDRESSES" },
		{ N_UPDATE_SA_ADDRESSES, "UPDATE_SA_ADDRESSES" },
		{ N_COOKIE2, "COOKIE2" },
		{ N_NO_NATS_ALLOWED, "NO_NATS_ALLOWED" },
		{ N_AUTH_LIFETIME, "AUTH_LIFETIME" },
		{ N_MULTIPLE_AUTH_SUPPORTED, "MULTIPLE_AUTH_SUPPORTED" },
		{ N_ANOTHER_AUTH_FOLLOWS, "ANOTHER_AUTH_FOLLOWS" },
		{ N_REDIRECT_SUPPORTED, "REDIRECT_SUPPORTED" },
		{ N_REDIRECT, "REDIRECT" },
		{ N_REDIRECTED_FROM, "REDIRECTED_FROM" },
		{ N_TICKET_LT_OPAQUE, "TICKET_LT_OPAQUE" },
		{ N_TICKET_REQUEST, "TICKET_REQUEST" },
		{ N_TICKET_ACK, "TICKET_ACK" },
		{ N_TICKET_NACK, "TICKET_NACK" },
		{ N_TICKET_OPAQUE, "TICKET_OPAQUE" },
		{ N_EAP_ONLY_AUTHENTICATION, "EAP_ONLY_AUTHENTICATION" },
		{ N_IKEV2_FRAGMENTATION_SUPPORTED, "IKEV2_FRAGMENTATION_SUPPORTED" },
		{ N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS" },
		{ 0, NULL }
	};
	return lookup(t, v);
}

const char *encr_name(unsigned v)
{
	static const struct name t[] = {
		{ ENCR_3DES, "3DES" }, { ENCR_NULL, "NULL" },
		{ ENCR_AES_CBC, "AES_CBC" }, { ENCR_AES_CTR, "AES_CTR" },
		{ ENCR_AES_GCM_8, "AES_GCM_8" },
		{ ENCR_AES_GCM_12, "AES_GCM_12" },
		{ ENCR_AES_GCM_16, "AES_GCM_16" },
		{ ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305" }, { 0, NULL }
	};
	return lookup(t, v);
}

const char *prf_name(unsigned v)
{
	static const struct name t[] = {
		{ PRF_HMAC_SHA1, "PRF_HMAC_SHA1" },
		{ PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
		{ PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
		{ PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" }, { 0, NULL }
	};
	return lookup(t, v);
}

const char *integ_name(unsigned v)
{
	static const struct name t[] = {
		{ INTEG_NONE, "none" },
		{ INTEG_HMAC_SHA1_96, "HMAC_SHA1_96" },
		{ INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128" },
		{ INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192" },
		{ INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256" }, { 0, NULL }
	};
	return lookup(t, v);
}

const char *dh_name(unsigned v)
{
	static const struct name t[] = {
		{ DH_NONE, "none" }, { DH_MODP2048, "MODP_2048" },
		{ DH_MODP3072, "MODP_3072" }, { DH_MODP4096, "MODP_4096" },
		{ DH_ECP256, "ECP_256" }, { DH_ECP384, "ECP_384" },
		{ DH_ECP521, "ECP_521" }, { DH_CURVE25519, "CURVE_25519" },
		{ 0, NULL }
	};
	return lookup(t, v);
}

const char *auth_method_name(unsigned v)
{
	static const struct name t[] = {
		{ AUTH_RSA_SIG, "RSA signature" },
		{ AUTH_PSK, "pre-shared key" },
		{ AUTH_ECDSA_256, "ECDSA-256" }, { AUTH_ECDSA_384, "ECDSA-384" },
		{ AUTH_ECDSA_521, "ECDSA-521" },
		{ AUTH_DIGITAL_SIG, "digital signature (RFC 7427)" },
		{ 0, NULL }
	};
	return lookup(t, v);
}

/* RFC 7296 3.5, as strongSwan's logs name them. */
const char *id_type_name(unsigned v)
{
	static const struct name t[] = {
		{ ID_IPV4_ADDR, "IPV4_ADDR" }, { ID_FQDN, "FQDN" },
		{ ID_RFC822_ADDR, "RFC822_ADDR" }, { ID_IPV6_ADDR, "IPV6_ADDR" },
		{ ID_DER_ASN1_DN, "DER_ASN1_DN" },
		{ ID_DER_ASN1_GN, "DER_ASN1_GN" }, { ID_KEY_ID, "KEY_ID" },
		{ 0, NULL }
	};
	return lookup(t, v);
}

/* The profile's words for the forms (resumption: auth). */
const char *resume_auth_form_name(enum resume_auth_form f)
{
	return f == RESUME_AUTH_SIGNED_OCTETS ? "signed-octets" : "message";
}
