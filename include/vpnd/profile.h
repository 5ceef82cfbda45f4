/* Connection profiles: one YAML file per connection (see vpnd.profile(5)). */
#ifndef VPND_PROFILE_H
#define VPND_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"
#include "vpnd/ike_const.h"

#define PROFILE_NAME_MAX 64
#define PROFILE_MAX_GATEWAYS 8
#define PROFILE_MAX_PROPOSALS 4
#define PROFILE_MAX_ALGS 8
#define PROFILE_MAX_TS 8
#define PROFILE_MAX_PATTERNS 8
#define PROFILE_STR_MAX 256
#define PROFILE_IFNAME_MAX 16
/* connection.fragment-size: the default (strongSwan's fragment_size) and
 * the least accepted (IPv4's 576-byte datagram). */
#define PROFILE_FRAGMENT_SIZE 1280
#define PROFILE_FRAGMENT_MIN 576

/* One proposal: every combination of its lists is acceptable. */
struct alg_set {
	size_t n_encr;
	struct {
		uint16_t id;
		uint16_t keylen; /* bits; 0 for fixed-size algorithms */
	} encr[PROFILE_MAX_ALGS];
	size_t n_integ;
	uint16_t integ[PROFILE_MAX_ALGS]; /* empty with AEAD */
	size_t n_prf;
	uint16_t prf[PROFILE_MAX_ALGS];  /* IKE only */
	size_t n_dh;
	uint16_t dh[PROFILE_MAX_ALGS];   /* IKE; for ESP: PFS groups */
	size_t n_esn;
	uint8_t esn[2];                  /* ESP only */
};

/* Parses a strongSwan-style proposal string such as
 * "aes256gcm16-prfsha384-ecp384" or "aes128-sha256-modp2048" or
 * "chacha20poly1305-prfsha256-x25519". esp selects ESP rules (no PRF,
 * optional DH as PFS, esn/noesn). */
int alg_set_parse(const char *s, bool esp, struct alg_set *out,
		  struct verr *e);

enum profile_auth {
	PAUTH_PSK = 1,
	PAUTH_CERT = 2,
	PAUTH_EAP = 3,
};

/* The EAP method of local.auth eap (section eap). */
enum profile_eap {
	PEAP_NONE = 0,
	PEAP_MSCHAPV2,
	PEAP_TLS,
};

struct profile_id {
	uint8_t type; /* ike_id_type; 0 = unset/any */
	char text[PROFILE_STR_MAX];
	uint8_t data[PROFILE_STR_MAX]; /* wire form (IPs binary, DN as DER) */
	size_t len;
};

struct ts_cfg {
	int family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix;
	uint8_t ip_proto;   /* 0 = any */
	uint16_t port_lo, port_hi;
};

struct redirect_pattern {
	char text[PROFILE_STR_MAX]; /* "192.0.2.0/24", "2001:db8::/32", "*.vpn.example.com", "gw.example.com" */
};

struct profile {
	char name[PROFILE_NAME_MAX];
	char path[PATH_MAX];

	/* gateway */
	char gateways[PROFILE_MAX_GATEWAYS][PROFILE_STR_MAX]; /* address or host name */
	size_t n_gateways;
	uint16_t port;              /* default 500 */
	bool force_encap;           /* NAT-T even without NAT (force UDP 4500) */
	bool mobike;                /* RFC 4555: the IKE SA follows our
				       address (default on) */
	bool fragmentation;         /* RFC 7383 IKE fragmentation offered
				       (default on) */
	unsigned fragment_size;     /* the IP datagram of one fragment
				       (default 1280, strongSwan's) */
	char local_addr[PROFILE_STR_MAX]; /* optional source address */
	/* connection.interface: the VPN interface's name ("" = the first
	 * free vpnd<N>); IFNAMSIZ with its NUL. */
	char interface[PROFILE_IFNAME_MAX];

	/* local side */
	struct profile_id local_id;
	enum profile_auth local_auth;
	struct chunk psk;                     /* loaded secret, wiped on free */
	char cert_file[PATH_MAX];
	char key_file[PATH_MAX];
	/* EAP (local.auth eap; the section eap) */
	enum profile_eap eap_method;
	char eap_identity[PROFILE_STR_MAX];   /* default: local.id's text */
	size_t eap_identity_len;
	struct chunk eap_password;            /* eap.password-file, wiped on
						 free; empty: vpnctl asks */

	/* remote side */
	struct profile_id remote_id;          /* expected IDr; type 0 = any that the CA vouches for */
	struct redirect_pattern remote_id_patterns[PROFILE_MAX_PATTERNS];
	size_t n_remote_id_patterns;          /* extra accepted identities (PAD group) */
	enum profile_auth remote_auth;
	char ca_file[PATH_MAX];               /* trust anchors, PEM bundle */
	char crl_file[PATH_MAX];              /* CRLs, PEM or DER; "" = none */
	bool send_idr;                        /* put IDr in IKE_AUTH */

	/* proposals */
	struct alg_set ike[PROFILE_MAX_PROPOSALS];
	size_t n_ike;
	struct alg_set esp[PROFILE_MAX_PROPOSALS];
	size_t n_esp;
	bool esp_failure_delete;            /* no working Child SA: delete
					       the IKE SA (default: keep it) */

	/* traffic selectors */
	struct ts_cfg local_ts[PROFILE_MAX_TS];
	size_t n_local_ts;
	struct ts_cfg remote_ts[PROFILE_MAX_TS];
	size_t n_remote_ts;

	/* virtual IP / DNS */
	bool request_ipv4;
	bool request_ipv6;
	bool request_dns4;                  /* ipv4.dns: auto */
	bool request_dns6;                  /* ipv6.dns: auto */

	/* redirect (RFC 5685) */
	bool redirect_enabled;              /* default true */
	unsigned max_redirects;             /* default 5 */
	unsigned redirect_period;           /* seconds, default 300 */
	struct redirect_pattern redirect_allow[PROFILE_MAX_PATTERNS];
	size_t n_redirect_allow;            /* 0 = any target */

	/* resumption (RFC 5723) */
	bool resume_enabled;                /* default false */
	bool resume_draft_gsc;              /* draft wire mode */
	enum resume_auth_form resume_auth;  /* default RESUME_AUTH_MESSAGE */

	/* timers */
	unsigned retransmit_timeout_ms;     /* default 4000 */
	double retransmit_base;             /* default 1.8 */
	unsigned retransmit_tries;          /* default 5 */
	unsigned dpd_interval;              /* seconds, 0 = off; default 30 */
	unsigned outage_time;               /* seconds without a route to the
					       gateway before giving up; 0 =
					       never; default 1800 */
	unsigned child_rekey_time;          /* seconds; default 3240 */
	bool close_restart;                 /* connection.close-action: restart
					       (default) or none */
	unsigned ike_rekey_time;            /* seconds, 0 = off; default 14400
					       (strongSwan's), less up to a
					       tenth of jitter */
	unsigned reconnect_interval;        /* seconds, 0 = off; default 10 */
	unsigned reauth_time;               /* seconds, 0 = off (default) */
	unsigned child_life_time;           /* seconds, > rekey; default 3600 */
	unsigned child_retry_interval;      /* seconds, after TEMPORARY_FAILURE;
					       default 5 */
};

/* Loads one profile file. On error returns -1 with e->msg formatted as
 * "file:line:col: message". A secret file or a profile holding an inline
 * secret that is group- or world-readable is refused. */
int profile_load(const char *path, struct profile *p, struct verr *e);
/* Sets defaults (used by profile_load before parsing). */
void profile_defaults(struct profile *p);
void profile_free(struct profile *p);

/* A reason something did not load, for the log and the user. */
typedef void (*profile_err_fn)(void *ctx, const char *msg);
/* ... about one file of a directory (its path; NULL when the error is
 * about none), so that it can be listed as a profile that failed. */
typedef void (*profile_file_err_fn)(void *ctx, const char *file,
				    const char *msg);
/* Loads every *.yaml / *.yml file of a directory. Bad files are reported
 * through the callback and skipped; the others are returned. */
int profile_load_dir(const char *dir, struct profile **out, size_t *n,
		     profile_file_err_fn on_err, void *ctx);

/* Does an identity received from the gateway (wire type + data) match
 * what the profile accepts (remote_id or one of the patterns)? */
bool profile_accepts_remote_id(const struct profile *p, uint8_t id_type,
			       const uint8_t *data, size_t len);

#endif
