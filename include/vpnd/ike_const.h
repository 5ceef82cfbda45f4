/* IKEv2 registry numbers (RFC 7296, 5685, 5723, 7383, 7427). */
#ifndef VPND_IKE_CONST_H
#define VPND_IKE_CONST_H

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define IKE_VERSION 0x20
#define IKE_HDR_LEN 28
#define IKE_PAYLOAD_HDR_LEN 4
#define IKE_MAX_MSG 65535

enum ike_exchange {
	EXCH_IKE_SA_INIT = 34,
	EXCH_IKE_AUTH = 35,
	EXCH_CREATE_CHILD_SA = 36,
	EXCH_INFORMATIONAL = 37,
	EXCH_IKE_SESSION_RESUME = 38,
};

enum ike_flags {
	IKE_FLAG_I = 0x08,
	IKE_FLAG_V = 0x10,
	IKE_FLAG_R = 0x20,
};

enum ike_payload_type {
	PL_NONE = 0,
	PL_SA = 33,
	PL_KE = 34,
	PL_IDI = 35,
	PL_IDR = 36,
	PL_CERT = 37,
	PL_CERTREQ = 38,
	PL_AUTH = 39,
	PL_NONCE = 40,
	PL_NOTIFY = 41,
	PL_DELETE = 42,
	PL_VENDOR = 43,
	PL_TSI = 44,
	PL_TSR = 45,
	PL_SK = 46,
	PL_CP = 47,
	PL_EAP = 48,
	PL_SKF = 53,
};

enum ike_transform_type {
	TRANS_ENCR = 1,
	TRANS_PRF = 2,
	TRANS_INTEG = 3,
	TRANS_DH = 4,
	TRANS_ESN = 5,
};

enum ike_proto {
	PROTO_IKE = 1,
	PROTO_AH = 2,
	PROTO_ESP = 3,
};

enum ike_encr {
	ENCR_3DES = 3,
	ENCR_NULL = 11,
	ENCR_AES_CBC = 12,
	ENCR_AES_CTR = 13,
	ENCR_AES_GCM_8 = 18,
	ENCR_AES_GCM_12 = 19,
	ENCR_AES_GCM_16 = 20,
	ENCR_CHACHA20_POLY1305 = 28,
};

enum ike_prf {
	PRF_HMAC_SHA1 = 2,
	PRF_HMAC_SHA2_256 = 5,
	PRF_HMAC_SHA2_384 = 6,
	PRF_HMAC_SHA2_512 = 7,
};

enum ike_integ {
	INTEG_NONE = 0,
	INTEG_HMAC_SHA1_96 = 2,
	INTEG_HMAC_SHA2_256_128 = 12,
	INTEG_HMAC_SHA2_384_192 = 13,
	INTEG_HMAC_SHA2_512_256 = 14,
};

enum ike_dh {
	DH_NONE = 0,
	DH_MODP2048 = 14,
	DH_MODP3072 = 15,
	DH_MODP4096 = 16,
	DH_ECP256 = 19,
	DH_ECP384 = 20,
	DH_ECP521 = 21,
	DH_CURVE25519 = 31,
};

enum ike_esn {
	ESN_NO = 0,
	ESN_YES = 1,
};

#define TRANS_ATTR_KEYLEN 14
#define TRANS_ATTR_TV 0x8000

enum ike_id_type {
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_RFC822_ADDR = 3,
	ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9,
	ID_DER_ASN1_GN = 10,
	ID_KEY_ID = 11,
};

enum ike_auth_method {
	AUTH_RSA_SIG = 1,
	AUTH_PSK = 2,
	AUTH_DSS = 3,
	AUTH_ECDSA_256 = 9,
	AUTH_ECDSA_384 = 10,
	AUTH_ECDSA_521 = 11,
	AUTH_DIGITAL_SIG = 14,
};

enum ike_hash_alg {
	HASH_SHA1 = 1,
	HASH_SHA2_256 = 2,
	HASH_SHA2_384 = 3,
	HASH_SHA2_512 = 4,
	HASH_IDENTITY = 5,
};

enum ike_cert_encoding {
	CERT_X509_SIG = 4,
};

enum ike_notify {
	N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	N_INVALID_IKE_SPI = 4,
	N_INVALID_MAJOR_VERSION = 5,
	N_INVALID_SYNTAX = 7,
	N_INVALID_MESSAGE_ID = 9,
	N_INVALID_SPI = 11,
	N_NO_PROPOSAL_CHOSEN = 14,
	N_INVALID_KE_PAYLOAD = 17,
	N_AUTHENTICATION_FAILED = 24,
	N_SINGLE_PAIR_REQUIRED = 34,
	N_NO_ADDITIONAL_SAS = 35,
	N_INTERNAL_ADDRESS_FAILURE = 36,
	N_FAILED_CP_REQUIRED = 37,
	N_TS_UNACCEPTABLE = 38,
	N_INVALID_SELECTORS = 39,
	N_UNACCEPTABLE_ADDRESSES = 40,   /* RFC 4555 */
	N_UNEXPECTED_NAT_DETECTED = 41,
	N_TEMPORARY_FAILURE = 43,
	N_CHILD_SA_NOT_FOUND = 44,
	N_ERROR_MAX = 16383,

	N_INITIAL_CONTACT = 16384,
	N_SET_WINDOW_SIZE = 16385,
	N_ADDITIONAL_TS_POSSIBLE = 16386,
	N_NAT_DETECTION_SOURCE_IP = 16388,
	N_NAT_DETECTION_DESTINATION_IP = 16389,
	N_COOKIE = 16390,
	N_USE_TRANSPORT_MODE = 16391,
	N_REKEY_SA = 16393,
	N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	N_MOBIKE_SUPPORTED = 16396,
	N_ADDITIONAL_IP4_ADDRESS = 16397,
	N_ADDITIONAL_IP6_ADDRESS = 16398,
	N_NO_ADDITIONAL_ADDRESSES = 16399,
	N_UPDATE_SA_ADDRESSES = 16400,
	N_COOKIE2 = 16401,
	N_NO_NATS_ALLOWED = 16402,
	N_AUTH_LIFETIME = 16403,         /* RFC 4478 */
	N_MULTIPLE_AUTH_SUPPORTED = 16404,
	N_ANOTHER_AUTH_FOLLOWS = 16405,
	N_REDIRECT_SUPPORTED = 16406,
	N_REDIRECT = 16407,
	N_REDIRECTED_FROM = 16408,
	N_TICKET_LT_OPAQUE = 16409,
	N_TICKET_REQUEST = 16410,
	N_TICKET_ACK = 16411,
	N_TICKET_NACK = 16412,
	N_TICKET_OPAQUE = 16413,
	N_EAP_ONLY_AUTHENTICATION = 16417,
	N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	N_SIGNATURE_HASH_ALGORITHMS = 16431,
	/* draft-dondeti-ipsec-failover-sol-00 leaves its notify numbers to
	 * IANA ("TBD"); vpnd uses these from the private-use range (RFC 7296
	 * 3.10.1: 40960-65535), documented in vpnd.profile(5). They are
	 * clear of libreswan's NULL_AUTH (40960) and strongSwan's 40961-40969,
	 * and are sent, or acted on, only between peers that both showed
	 * VPND_VENDOR_ID. Data of VPND_RESUMPTION_SUPPORTED: one flags byte
	 * (draft 5.2); VPND_ALT_GW_LIST: GW identities (RFC 5685 format)
	 * back to back. */
	N_VPND_RESUMPTION_SUPPORTED = 50640,
	N_VPND_ALT_GW_LIST = 50641,
};

/* vpnd's Vendor ID (RFC 7296 3.12): the first 16 bytes of
 * SHA-256("vpnd private IKEv2 extensions, version 1"). A peer that sends
 * it speaks the private notifies above and the failover draft's GSC
 * Message IDs. */
#define VPND_VENDOR_ID \
	"\x8e\x04\x13\x4b\x32\x7c\x66\xe1\xfa\x1f\x24\x7d\xfb\xa1\x3f\x1b"
#define VPND_VENDOR_ID_LEN 16
#define VPND_VENDOR_ID_TEXT "vpnd private IKEv2 extensions, version 1"

/* Flags of N(VPND_RESUMPTION_SUPPORTED), draft 5.2. */
#define RESUME_FLAG_CLIENT_STORAGE 0x80 /* S: we keep a ticket */
#define RESUME_FLAG_GW_LIST 0x40        /* L: send us the backup gateways */

/* Draft wire mode (draft 5.1): Message ID = GSC (4 bits) || S-Message-ID. */
#define GSC_SHIFT 28
#define GSC_MID_MASK 0x0fffffffu

/* What the AUTH payloads after IKE_SESSION_RESUME are a MAC of. RFC 5723
 * 5.1 says only "prf(SK_px, <message octets>)", and readings differ. */
enum resume_auth_form {
	/* The sender's own IKE_SESSION_RESUME message, nothing appended:
	 * what libreswan (pluto 5.x) sends and expects. */
	RESUME_AUTH_MESSAGE,
	/* RFC 7296 2.15 signed octets with the IKE_SESSION_RESUME message
	 * in place of IKE_SA_INIT: message | peer nonce | prf(SK_px, ID'). */
	RESUME_AUTH_SIGNED_OCTETS,
};

enum ike_cfg_type {
	CFG_REQUEST = 1,
	CFG_REPLY = 2,
	CFG_SET = 3,
	CFG_ACK = 4,
};

enum ike_cfg_attr {
	CFG_INTERNAL_IP4_ADDRESS = 1,
	CFG_INTERNAL_IP4_NETMASK = 2,
	CFG_INTERNAL_IP4_DNS = 3,
	CFG_INTERNAL_IP6_ADDRESS = 8,
	CFG_INTERNAL_IP6_DNS = 10,
	CFG_INTERNAL_IP4_SUBNET = 13,
	CFG_INTERNAL_IP6_SUBNET = 15,
	CFG_INTERNAL_DNS_DOMAIN = 25,
};

enum ike_ts_type {
	TS_IPV4_ADDR_RANGE = 7,
	TS_IPV6_ADDR_RANGE = 8,
};

enum gw_ident_type {
	GW_IPV4 = 1,
	GW_IPV6 = 2,
	GW_FQDN = 3,
};

/* Name tables for logs and status; unknown numbers print as digits. */
const char *exchange_name(unsigned v);
const char *payload_name(unsigned v);
const char *notify_name(unsigned v);
const char *encr_name(unsigned v);
const char *prf_name(unsigned v);
const char *integ_name(unsigned v);
const char *dh_name(unsigned v);
const char *auth_method_name(unsigned v);
const char *id_type_name(unsigned v);
const char *resume_auth_form_name(enum resume_auth_form f);

#endif
