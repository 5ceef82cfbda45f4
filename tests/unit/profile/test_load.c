/* Good profiles of each kind, with every parsed value checked. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certgen.h"

#include "vpnd/ike_const.h"
#include "tutil.h"

static void check_ts(const struct ts_cfg *ts, int af, const char *addr,
		     unsigned prefix)
{
	uint8_t want[16] = { 0 };

	CU_ASSERT_EQUAL(ts->family, af);
	CU_ASSERT_EQUAL(inet_pton(af, addr, want), 1);
	CU_ASSERT_EQUAL(memcmp(ts->addr, want, 16), 0);
	CU_ASSERT_EQUAL(ts->prefix, prefix);
	CU_ASSERT_EQUAL(ts->ip_proto, 0);
	CU_ASSERT_EQUAL(ts->port_lo, 0);
	CU_ASSERT_EQUAL(ts->port_hi, 65535);
}

static const char full_psk[] =
	"connection:\n"
	"  name: office\n"
	"  gateway: [vpn.example.com, 192.0.2.1, \"2001:db8::1\"]\n"
	"  port: 4500\n"
	"  force-encap: true\n"
	"  fragmentation: false\n"
	"  fragment-size: 576\n"
	"  local-address: 192.0.2.2\n"
	"  interface: office-vpn\n"
	"local:\n"
	"  id: client@example.org\n"
	"  auth: psk\n"
	"  psk: \"s3cret pass\"\n"
	"remote:\n"
	"  id: gw.example.org\n"
	"  id-patterns: [\"*.vpn.example.com\", gw2.example.org]\n"
	"  send-id: false\n"
	"ike:\n"
	"  proposals: [\"aes128-sha256-x25519\"]\n"
	"esp:\n"
	"  proposals: [aes128gcm16-esn-modp2048]\n"
	"  on-failure: delete\n"
	"traffic-selectors:\n"
	"  local: [\"10.1.0.0/16\"]\n"
	"  remote: [\"198.51.100.0/24\", \"2001:db8:1::/48\"]\n"
	"ipv4:\n"
	"  method: disabled\n"
	"  dns: ignore\n"
	"ipv6:\n"
	"  dns: ignore\n"
	"redirect:\n"
	"  enabled: false\n"
	"timers:\n"
	"  retransmit-timeout: 0.5\n"
	"  retransmit-base: 2\n"
	"  retransmit-tries: 0\n"
	"  dpd-interval: 0\n"
	"  reconnect-interval: 0\n"
	"  child-rekey-time: 600\n"
	"  child-life-time: 660\n"
	"  child-retry-interval: 7\n";

static void test_full_psk(void)
{
	struct profile p;
	struct verr e = { "" };

	CU_ASSERT_EQUAL_FATAL(tu_load(full_psk, &p, &e), 0);
	CU_ASSERT_STRING_EQUAL(p.name, "office");
	CU_ASSERT_STRING_EQUAL(p.path, "t.yaml");
	CU_ASSERT_EQUAL(p.n_gateways, 3);
	CU_ASSERT_STRING_EQUAL(p.gateways[0], "vpn.example.com");
	CU_ASSERT_STRING_EQUAL(p.gateways[1], "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(p.gateways[2], "2001:db8::1");
	CU_ASSERT_EQUAL(p.port, 4500);
	CU_ASSERT_TRUE(p.force_encap);
	CU_ASSERT_FALSE(p.fragmentation);
	CU_ASSERT_EQUAL(p.fragment_size, 576);
	CU_ASSERT_STRING_EQUAL(p.local_addr, "192.0.2.2");
	CU_ASSERT_STRING_EQUAL(p.interface, "office-vpn");

	CU_ASSERT_EQUAL(p.local_id.type, ID_RFC822_ADDR);
	CU_ASSERT_EQUAL(p.local_id.len, 18);
	CU_ASSERT_EQUAL(memcmp(p.local_id.data, "client@example.org", 18), 0);
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_PSK);
	CU_ASSERT_TRUE(chunk_eq(&p.psk, "s3cret pass", 11));

	CU_ASSERT_EQUAL(p.remote_id.type, ID_FQDN);
	CU_ASSERT_STRING_EQUAL(p.remote_id.text, "gw.example.org");
	CU_ASSERT_EQUAL(p.n_remote_id_patterns, 2);
	CU_ASSERT_STRING_EQUAL(p.remote_id_patterns[0].text,
			       "*.vpn.example.com");
	CU_ASSERT_EQUAL(p.remote_auth, PAUTH_PSK);
	CU_ASSERT_FALSE(p.send_idr);

	CU_ASSERT_EQUAL_FATAL(p.n_ike, 1);
	CU_ASSERT_EQUAL(p.ike[0].encr[0].id, ENCR_AES_CBC);
	CU_ASSERT_EQUAL(p.ike[0].encr[0].keylen, 128);
	CU_ASSERT_EQUAL(p.ike[0].integ[0], INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_EQUAL(p.ike[0].n_prf, 1);
	CU_ASSERT_EQUAL(p.ike[0].prf[0], PRF_HMAC_SHA2_256);
	CU_ASSERT_EQUAL(p.ike[0].dh[0], DH_CURVE25519);
	CU_ASSERT_EQUAL_FATAL(p.n_esp, 1);
	CU_ASSERT_EQUAL(p.esp[0].encr[0].id, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(p.esp[0].n_integ, 0);
	CU_ASSERT_EQUAL(p.esp[0].n_dh, 1);
	CU_ASSERT_EQUAL(p.esp[0].dh[0], DH_MODP2048);
	CU_ASSERT_EQUAL(p.esp[0].n_esn, 1);
	CU_ASSERT_EQUAL(p.esp[0].esn[0], ESN_YES);

	CU_ASSERT_EQUAL_FATAL(p.n_local_ts, 1);
	check_ts(&p.local_ts[0], AF_INET, "10.1.0.0", 16);
	CU_ASSERT_EQUAL_FATAL(p.n_remote_ts, 2);
	check_ts(&p.remote_ts[0], AF_INET, "198.51.100.0", 24);
	check_ts(&p.remote_ts[1], AF_INET6, "2001:db8:1::", 48);

	CU_ASSERT_FALSE(p.request_ipv4);
	CU_ASSERT_FALSE(p.request_ipv6);
	CU_ASSERT_FALSE(p.request_dns4);
	CU_ASSERT_FALSE(p.request_dns6);
	CU_ASSERT_FALSE(p.redirect_enabled);
	CU_ASSERT_EQUAL(p.retransmit_timeout_ms, 500);
	CU_ASSERT_DOUBLE_EQUAL(p.retransmit_base, 2.0, 1e-9);
	CU_ASSERT_EQUAL(p.retransmit_tries, 0);
	CU_ASSERT_EQUAL(p.dpd_interval, 0);
	CU_ASSERT_EQUAL(p.child_rekey_time, 600);
	CU_ASSERT_EQUAL(p.reconnect_interval, 0);
	CU_ASSERT_EQUAL(p.child_life_time, 660);
	CU_ASSERT_TRUE(p.esp_failure_delete);
	CU_ASSERT_EQUAL(p.child_retry_interval, 7);
	profile_free(&p);
	CU_ASSERT_PTR_NULL(p.psk.p);
	CU_ASSERT_EQUAL(p.psk.len, 0);
}

static const char minimal[] =
	"connection:\n"
	"  gateway: 203.0.113.9\n"
	"local:\n"
	"  id: client.example.org\n"
	"  psk: x\n"
	"remote:\n"
	"  id: 203.0.113.9\n";

static void test_defaults(void)
{
	static const uint8_t gw[4] = { 203, 0, 113, 9 };
	struct profile p;
	struct verr e = { "" };
	const struct alg_set *a;

	CU_ASSERT_EQUAL_FATAL(tu_load(minimal, &p, &e), 0);
	CU_ASSERT_STRING_EQUAL(p.name, "t");
	CU_ASSERT_EQUAL(p.port, 500);
	CU_ASSERT_FALSE(p.force_encap);
	CU_ASSERT_TRUE(p.fragmentation);
	CU_ASSERT_EQUAL(p.fragment_size, 1280);
	CU_ASSERT_EQUAL(p.local_addr[0], '\0');
	CU_ASSERT_EQUAL(p.interface[0], '\0');
	CU_ASSERT_EQUAL(p.local_id.type, ID_FQDN);
	CU_ASSERT_EQUAL(p.remote_id.type, ID_IPV4_ADDR);
	CU_ASSERT_EQUAL(p.remote_id.len, 4);
	CU_ASSERT_EQUAL(memcmp(p.remote_id.data, gw, 4), 0);
	CU_ASSERT_EQUAL(p.remote_auth, PAUTH_PSK);
	CU_ASSERT_TRUE(p.send_idr);

	CU_ASSERT_EQUAL_FATAL(p.n_ike, 2);
	a = &p.ike[0];
	CU_ASSERT_EQUAL(a->n_encr, 1);
	CU_ASSERT_EQUAL(a->encr[0].id, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(a->encr[0].keylen, 256);
	CU_ASSERT_EQUAL(a->n_integ, 0);
	CU_ASSERT_EQUAL(a->n_prf, 1);
	CU_ASSERT_EQUAL(a->prf[0], PRF_HMAC_SHA2_384);
	CU_ASSERT_EQUAL(a->n_dh, 2);
	CU_ASSERT_EQUAL(a->dh[0], DH_ECP384);
	CU_ASSERT_EQUAL(a->dh[1], DH_CURVE25519);
	a = &p.ike[1];
	CU_ASSERT_EQUAL(a->encr[0].id, ENCR_AES_CBC);
	CU_ASSERT_EQUAL(a->encr[0].keylen, 256);
	CU_ASSERT_EQUAL(a->n_integ, 1);
	CU_ASSERT_EQUAL(a->integ[0], INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_EQUAL(a->n_prf, 1);
	CU_ASSERT_EQUAL(a->prf[0], PRF_HMAC_SHA2_256);
	CU_ASSERT_EQUAL(a->n_dh, 2);
	CU_ASSERT_EQUAL(a->dh[0], DH_ECP256);
	CU_ASSERT_EQUAL(a->dh[1], DH_MODP2048);
	CU_ASSERT_EQUAL_FATAL(p.n_esp, 2);
	CU_ASSERT_EQUAL(p.esp[0].encr[0].id, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(p.esp[0].n_esn, 1);
	CU_ASSERT_EQUAL(p.esp[0].esn[0], ESN_NO);
	CU_ASSERT_EQUAL(p.esp[0].n_dh, 0);
	CU_ASSERT_EQUAL(p.esp[1].integ[0], INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_EQUAL(p.esp[1].n_prf, 0);

	/* dynamic: 0.0.0.0/0 lets the gateway narrow to the virtual IP */
	CU_ASSERT_EQUAL_FATAL(p.n_local_ts, 1);
	check_ts(&p.local_ts[0], AF_INET, "0.0.0.0", 0);
	CU_ASSERT_EQUAL_FATAL(p.n_remote_ts, 1);
	check_ts(&p.remote_ts[0], AF_INET, "0.0.0.0", 0);

	CU_ASSERT_TRUE(p.request_ipv4);
	CU_ASSERT_FALSE(p.request_ipv6);
	CU_ASSERT_TRUE(p.request_dns4);
	CU_ASSERT_TRUE(p.request_dns6);
	CU_ASSERT_TRUE(p.redirect_enabled);
	CU_ASSERT_EQUAL(p.max_redirects, 5);
	CU_ASSERT_EQUAL(p.redirect_period, 300);
	CU_ASSERT_EQUAL(p.n_redirect_allow, 0);
	CU_ASSERT_FALSE(p.resume_enabled);
	CU_ASSERT_FALSE(p.resume_draft_gsc);
	CU_ASSERT_EQUAL(p.resume_auth, RESUME_AUTH_MESSAGE);
	CU_ASSERT_EQUAL(p.retransmit_timeout_ms, 4000);
	CU_ASSERT_DOUBLE_EQUAL(p.retransmit_base, 1.8, 1e-9);
	CU_ASSERT_EQUAL(p.retransmit_tries, 5);
	CU_ASSERT_EQUAL(p.dpd_interval, 30);
	CU_ASSERT_EQUAL(p.child_rekey_time, 3240);
	CU_ASSERT_EQUAL(p.reconnect_interval, 10);
	CU_ASSERT_EQUAL(p.child_life_time, 3600);
	CU_ASSERT_FALSE(p.esp_failure_delete);
	CU_ASSERT_EQUAL(p.child_retry_interval, 5);
	profile_free(&p);
}

/* EAP-MSCHAPv2 with a gateway certificate: the defaults (remote auth
 * cert, the EAP identity from local.id), the password file read with
 * the psk-file's rules; without one the password is vpnctl's. */
static void test_eap_mschapv2(void)
{
	static const char prof[] =
		"connection: {gateway: gw.example.org}\n"
		"local: {id: alice@example.org, auth: eap}\n"
		"remote: {id: gw.example.org, ca: ca.pem}\n"
		"eap: {password-file: alice.pw}\n";
	static const char asked[] =
		"connection: {gateway: gw.example.org}\n"
		"local: {auth: eap}\n"
		"remote: {ca: ca.pem}\n"
		"eap: {method: mschapv2, identity: alice}\n";
	struct profile p;
	struct verr e = { "" };

	tu_write("ca.pem", 0644, "ca");
	tu_write("alice.pw", 0600, "pässword\n");
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_EAP);
	CU_ASSERT_EQUAL(p.remote_auth, PAUTH_CERT);
	CU_ASSERT_EQUAL(p.eap_method, PEAP_MSCHAPV2);
	CU_ASSERT_STRING_EQUAL(p.eap_identity, "alice@example.org");
	CU_ASSERT_EQUAL(p.eap_identity_len, 17);
	CU_ASSERT_TRUE(chunk_eq(&p.eap_password, "pässword", 9));
	profile_free(&p);

	tu_write("alice.pw", 0640, "pw\n");
	CU_ASSERT_EQUAL(tu_load(prof, &p, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "chmod 600"));

	CU_ASSERT_EQUAL_FATAL(tu_load(asked, &p, &e), 0);
	CU_ASSERT_EQUAL(p.eap_password.len, 0);
	/* the EAP identity stands in for the IKE one */
	CU_ASSERT_EQUAL(p.local_id.type, ID_FQDN);
	CU_ASSERT_STRING_EQUAL(p.local_id.text, "alice");
	profile_free(&p);
}

/* Words a person types, in any case: the same profile as in lower
 * case. */
static void test_any_case(void)
{
	static const char upper[] =
		"connection: {gateway: gw.example.org, close-action: None}\n"
		"local: {id: \"FQDN:alice.example.org\", auth: EAP}\n"
		"remote: {id: \"Fqdn:gw.example.org\", auth: CERT, ca: ca.pem}\n"
		"eap: {method: MSCHAPv2, identity: alice}\n"
		"ike: {proposals: [AES256-SHA256-ECP256]}\n"
		"esp: {on-failure: Delete}\n"
		"ipv4: {method: Auto, dns: IGNORE}\n"
		"resumption: {enabled: Yes, mode: Draft-GSC, auth: Signed-Octets}\n";
	static const char tls[] =
		"connection: {gateway: gw.example.org}\n"
		"local: {id: alice.example.org, auth: Eap, cert: c.pem, key: c.key}\n"
		"remote: {id: gw.example.org, ca: ca.pem}\n"
		"eap: {method: TLS}\n";
	struct profile p, lower;
	struct verr e = { "" };

	tu_write("ca.pem", 0644, "ca");
	CU_ASSERT_EQUAL_FATAL(tu_load(upper, &p, &e), 0);
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_EAP);
	CU_ASSERT_EQUAL(p.remote_auth, PAUTH_CERT);
	CU_ASSERT_EQUAL(p.eap_method, PEAP_MSCHAPV2);
	CU_ASSERT_FALSE(p.close_restart);
	CU_ASSERT_TRUE(p.esp_failure_delete);
	CU_ASSERT_TRUE(p.request_ipv4);
	CU_ASSERT_FALSE(p.request_dns4);
	CU_ASSERT_TRUE(p.resume_enabled);
	CU_ASSERT_TRUE(p.resume_draft_gsc);
	CU_ASSERT_EQUAL(p.resume_auth, RESUME_AUTH_SIGNED_OCTETS);
	CU_ASSERT_EQUAL(p.local_id.type, ID_FQDN);
	CU_ASSERT_STRING_EQUAL(p.local_id.text, "alice.example.org");
	CU_ASSERT_EQUAL(p.remote_id.type, ID_FQDN);
	CU_ASSERT_EQUAL(p.n_ike, 1);
	CU_ASSERT_FATAL(tu_load("connection: {gateway: gw.example.org}\n"
				"local: {id: alice.example.org, auth: eap}\n"
				"remote: {id: gw.example.org, auth: cert, ca: ca.pem}\n"
				"eap: {method: mschapv2, identity: alice}\n"
				"ike: {proposals: [aes256-sha256-ecp256]}\n",
				&lower, &e) == 0);
	CU_ASSERT_EQUAL(memcmp(&p.ike[0], &lower.ike[0], sizeof(p.ike[0])), 0);
	profile_free(&lower);
	profile_free(&p);

	tu_write("c.pem", 0644, "cert");
	tu_write("c.key", 0600, "key");
	CU_ASSERT_EQUAL_FATAL(tu_load(tls, &p, &e), 0);
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_EAP);
	CU_ASSERT_EQUAL(p.eap_method, PEAP_TLS);
	profile_free(&p);
}

static void test_psk_file(void)
{
	static const char prof[] =
		"connection: {gateway: gw.example.org}\n"
		"local: {id: me.example.org, psk-file: office.psk}\n"
		"remote: {id: gw.example.org}\n";
	struct profile p;
	struct verr e = { "" };

	tu_write("office.psk", 0600, "from file\n");
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	CU_ASSERT_TRUE(chunk_eq(&p.psk, "from file", 9));
	profile_free(&p);

	tu_write("office.psk", 0400, "crlf\r\n");
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	CU_ASSERT_TRUE(chunk_eq(&p.psk, "crlf", 4));
	profile_free(&p);

	/* only one newline is the line end; the rest is the secret */
	tu_write("office.psk", 0600, "two\n\n");
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	CU_ASSERT_TRUE(chunk_eq(&p.psk, "two\n", 4));
	profile_free(&p);

	/* the profile holds no secret itself, so 0644 is fine */
	tu_write("office.psk", 0600, "x");
	tu_write("t.yaml", 0644, prof);
	CU_ASSERT_EQUAL(profile_load("t.yaml", &p, &e), 0);
	profile_free(&p);
}

/* Hand-assembled DER of C=CH, O=Example, CN=gw: countryName is a
 * PrintableString (X.520), the others UTF8String. */
static const uint8_t dn_der[] = {
	0x30, 0x2c,
	0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06,
	0x13, 0x02, 'C', 'H',
	0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x0a,
	0x0c, 0x07, 'E', 'x', 'a', 'm', 'p', 'l', 'e',
	0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x0c, 0x02, 'g', 'w',
};

static void write_cert_files(void)
{
	tu_write("client.pem", 0644, "-----BEGIN CERTIFICATE-----\n");
	tu_write("client.key", 0600, "-----BEGIN PRIVATE KEY-----\n");
	tu_write("ca.pem", 0644, "-----BEGIN CERTIFICATE-----\n");
}

static void test_cert(void)
{
	static const char prof[] =
		"connection:\n"
		"  gateway: gw.example.org\n"
		"local:\n"
		"  auth: cert\n"
		"  cert: client.pem\n"
		"  key: client.key\n"
		"remote:\n"
		"  id: \"dn:C=CH, O=Example, CN=gw\"\n"
		"  ca: ca.pem\n";
	struct profile p;
	struct verr e = { "" };

	write_cert_files();
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_CERT);
	CU_ASSERT_EQUAL(p.remote_auth, PAUTH_CERT);
	/* the engine fills in the certificate's subject */
	CU_ASSERT_EQUAL(p.local_id.type, 0);
	CU_ASSERT_STRING_EQUAL(p.cert_file, "./client.pem");
	CU_ASSERT_STRING_EQUAL(p.key_file, "./client.key");
	CU_ASSERT_STRING_EQUAL(p.ca_file, "./ca.pem");
	CU_ASSERT_EQUAL(p.psk.len, 0);
	CU_ASSERT_EQUAL(p.remote_id.type, ID_DER_ASN1_DN);
	CU_ASSERT_EQUAL_FATAL(p.remote_id.len, sizeof(dn_der));
	CU_ASSERT_EQUAL(memcmp(p.remote_id.data, dn_der, sizeof(dn_der)), 0);
	CU_ASSERT_STRING_EQUAL(p.remote_id.text, "C=CH, O=Example, CN=gw");
	CU_ASSERT_TRUE(p.send_idr);
	profile_free(&p);
}

/* remote.crl: a CRL file (here DER) that loads is kept by name; the
 * engine reads it again at every check. */
static void test_crl(void)
{
	static const char prof[] =
		"connection: {gateway: gw.example.org}\n"
		"local: {auth: cert, cert: client.pem, key: client.key}\n"
		"remote: {ca: ca.pem, crl: ca.crl}\n";
	EVP_PKEY *key = cg_key();
	X509 *ca = key ? cg_cert("CRL CA", key, NULL, NULL, true, NULL) : NULL;
	X509_CRL *crl = ca ? cg_crl(ca, key, &ca, 1, 86400) : NULL;
	struct profile p;
	struct verr e = { "" };

	CU_ASSERT_FATAL(crl && cg_write_crl_der("ca.crl", crl));
	write_cert_files();
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	CU_ASSERT_STRING_EQUAL(p.crl_file, "./ca.crl");
	profile_free(&p);
	/* without the key, no CRL is checked */
	CU_ASSERT_EQUAL_FATAL(tu_load("connection: {gateway: gw.example.org}\n"
				      "local: {auth: cert, cert: client.pem, key: client.key}\n"
				      "remote: {ca: ca.pem}\n", &p, &e), 0);
	CU_ASSERT_STRING_EQUAL(p.crl_file, "");
	profile_free(&p);
	unlink("ca.crl");
	X509_CRL_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
}

static void test_cert_any_gateway(void)
{
	static const char prof[] =
		"connection: {gateway: gw.example.org}\n"
		"local: {auth: cert, cert: client.pem, key: client.key,\n"
		"        id: \"C=CH, O=Example, CN=client\"}\n"
		"remote: {ca: ca.pem}\n";
	struct profile p;
	struct verr e = { "" };

	write_cert_files();
	CU_ASSERT_EQUAL_FATAL(tu_load(prof, &p, &e), 0);
	/* a value with '=' is a DN even without the dn: prefix */
	CU_ASSERT_EQUAL(p.local_id.type, ID_DER_ASN1_DN);
	CU_ASSERT_EQUAL(p.remote_id.type, 0);
	CU_ASSERT_FALSE(p.send_idr);
	CU_ASSERT_TRUE(profile_accepts_remote_id(&p, ID_FQDN,
						 (const uint8_t *)"x", 1));
	profile_free(&p);
}

static const char roaming[] =
	"connection:\n"
	"  gateway: [gw1.example.com, gw2.example.com]\n"
	"local: {id: \"email:road@example.org\", psk: k}\n"
	"remote: {id: \"fqdn:gw1.example.com\", id-patterns: \"*.example.com\"}\n"
	"ipv6:\n"
	"  method: auto\n"
	"redirect:\n"
	"  max-redirects: 10\n"
	"  period: 600\n"
	"  allowed-targets: [\"192.0.2.0/24\", \"2001:db8::/32\",\n"
	"                    \"*.vpn.example.com\", gw3.example.com]\n"
	"resumption:\n"
	"  enabled: true\n"
	"  mode: draft-gsc\n"
	"  auth: signed-octets\n";

static void test_roaming(void)
{
	struct profile p;
	struct verr e = { "" };

	CU_ASSERT_EQUAL_FATAL(tu_load(roaming, &p, &e), 0);
	CU_ASSERT_EQUAL(p.n_gateways, 2);
	CU_ASSERT_EQUAL(p.local_id.type, ID_RFC822_ADDR);
	CU_ASSERT_STRING_EQUAL(p.local_id.text, "road@example.org");
	CU_ASSERT_EQUAL(p.local_id.len, 16);
	CU_ASSERT_EQUAL(p.remote_id.type, ID_FQDN);
	CU_ASSERT_EQUAL(p.n_remote_id_patterns, 1);
	CU_ASSERT_TRUE(p.request_ipv4);
	CU_ASSERT_TRUE(p.request_ipv6);
	CU_ASSERT_EQUAL_FATAL(p.n_local_ts, 2);
	check_ts(&p.local_ts[0], AF_INET, "0.0.0.0", 0);
	check_ts(&p.local_ts[1], AF_INET6, "::", 0);
	CU_ASSERT_EQUAL_FATAL(p.n_remote_ts, 2);
	check_ts(&p.remote_ts[1], AF_INET6, "::", 0);
	CU_ASSERT_TRUE(p.redirect_enabled);
	CU_ASSERT_EQUAL(p.max_redirects, 10);
	CU_ASSERT_EQUAL(p.redirect_period, 600);
	CU_ASSERT_EQUAL_FATAL(p.n_redirect_allow, 4);
	CU_ASSERT_STRING_EQUAL(p.redirect_allow[0].text, "192.0.2.0/24");
	CU_ASSERT_STRING_EQUAL(p.redirect_allow[3].text, "gw3.example.com");
	CU_ASSERT_TRUE(p.resume_enabled);
	CU_ASSERT_TRUE(p.resume_draft_gsc);
	CU_ASSERT_EQUAL(p.resume_auth, RESUME_AUTH_SIGNED_OCTETS);
	profile_free(&p);
}

/* The shipped examples, with /etc/vpnd/ moved into the test directory
 * and the files they name created, must load as they are. */
static void load_example(const char *file, struct profile *p)
{
	char path[512], text[8192], *at;
	struct verr e = { "" };
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", PROFILES_DIR, file);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	CU_ASSERT_FATAL(len > 0 && len < sizeof(text) - 1);
	text[len] = '\0';
	while ((at = strstr(text, "/etc/vpnd/")))
		memmove(at, at + 10, strlen(at + 10) + 1);
	tu_write(file, 0600, text);
	if (profile_load(file, p, &e) < 0)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(e.msg[0], '\0');
}

static void test_examples(void)
{
	struct profile p;

	mkdir("secrets", 0700);
	mkdir("certs", 0700);
	mkdir("private", 0700);
	mkdir("ca", 0700);
	tu_write("secrets/office.psk", 0600, "office secret\n");
	tu_write("secrets/roaming.psk", 0600, "roaming secret\n");
	tu_write("certs/client.pem", 0644, "cert");
	tu_write("private/client.key", 0600, "key");
	tu_write("ca/corp-ca.pem", 0644, "ca");

	load_example("psk-example.yaml", &p);
	CU_ASSERT_STRING_EQUAL(p.name, "office");
	CU_ASSERT_TRUE(chunk_eq(&p.psk, "office secret", 13));
	CU_ASSERT_EQUAL(p.n_remote_ts, 2);
	profile_free(&p);

	load_example("cert-example.yaml", &p);
	CU_ASSERT_STRING_EQUAL(p.name, "corp");
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_CERT);
	CU_ASSERT_EQUAL(p.remote_id.type, ID_DER_ASN1_DN);
	CU_ASSERT_EQUAL(p.esp[0].dh[0], DH_ECP384);
	profile_free(&p);

	tu_write("secrets/office.password", 0600, "office password\n");
	tu_write("ca/office-ca.pem", 0644, "ca");
	load_example("eap-example.yaml", &p);
	CU_ASSERT_EQUAL(p.local_auth, PAUTH_EAP);
	CU_ASSERT_EQUAL(p.eap_method, PEAP_MSCHAPV2);
	CU_ASSERT_STRING_EQUAL(p.eap_identity, "alice");
	CU_ASSERT_TRUE(chunk_eq(&p.eap_password, "office password", 15));
	CU_ASSERT_EQUAL(p.remote_auth, PAUTH_CERT);
	profile_free(&p);

	load_example("roaming-example.yaml", &p);
	CU_ASSERT_STRING_EQUAL(p.name, "roaming");
	CU_ASSERT_TRUE(chunk_eq(&p.psk, "roaming secret", 14));
	CU_ASSERT_EQUAL(p.n_gateways, 3);
	CU_ASSERT_EQUAL(p.n_redirect_allow, 3);
	CU_ASSERT_TRUE(p.resume_enabled);
	CU_ASSERT_FALSE(p.resume_draft_gsc);
	CU_ASSERT_EQUAL(p.retransmit_timeout_ms, 2000);
	CU_ASSERT_EQUAL(p.n_local_ts, 2);
	profile_free(&p);
}

static char reported[4][200], reported_file[4][64];
static size_t n_reported;

static void collect(void *ctx, const char *file, const char *msg)
{
	if (n_reported < 4) {
		snprintf(reported[n_reported], sizeof(reported[0]), "%s", msg);
		snprintf(reported_file[n_reported], sizeof(reported_file[0]),
			 "%s", file ? file : "(none)");
	}
	n_reported++;
}

static void test_load_dir(void)
{
	struct profile *list = NULL;
	size_t n = 99;

	CU_ASSERT_EQUAL_FATAL(mkdir("pdir", 0700), 0);
	tu_write("pdir/b.yml", 0600, minimal);
	tu_write("pdir/a.yaml", 0600, minimal);
	tu_write("pdir/c.yaml", 0600, "connection:\n  gateway: x\n  oops: 1\n");
	tu_write("pdir/d.txt", 0600, "not a profile");
	tu_write("pdir/.e.yaml", 0600, "ignored: [");
	tu_write("pdir/f.yaml", 0600,
		 "connection: {name: b, gateway: x}\n"
		 "local: {id: a.b, psk: k}\nremote: {id: c.d}\n");

	n_reported = 0;
	CU_ASSERT_EQUAL_FATAL(profile_load_dir("pdir", &list, &n, collect,
					       NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(list[0].name, "a");
	CU_ASSERT_STRING_EQUAL(list[1].name, "b");
	CU_ASSERT_STRING_EQUAL(list[1].path, "pdir/b.yml");
	CU_ASSERT_EQUAL_FATAL(n_reported, 2);
	CU_ASSERT_STRING_EQUAL(reported[0], "pdir/c.yaml:3:3: unknown key "
			       "'oops' in section 'connection'");
	CU_ASSERT_STRING_EQUAL(reported[1], "pdir/f.yaml: profile name 'b' "
			       "is already used by pdir/b.yml");
	/* the file each error is about, for vpnd's list of failed ones */
	CU_ASSERT_STRING_EQUAL(reported_file[0], "pdir/c.yaml");
	CU_ASSERT_STRING_EQUAL(reported_file[1], "pdir/f.yaml");
	for (size_t i = 0; i < n; i++)
		profile_free(&list[i]);
	free(list);

	/* a missing directory is the caller's to report, from errno */
	n_reported = 0;
	errno = 0;
	CU_ASSERT_EQUAL(profile_load_dir("no-such-dir", &list, &n, collect,
					 NULL), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(list);
	CU_ASSERT_EQUAL(n_reported, 0);

	/* an empty directory is fine */
	CU_ASSERT_EQUAL_FATAL(mkdir("empty", 0700), 0);
	CU_ASSERT_EQUAL(profile_load_dir("empty", &list, &n, collect, NULL), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(list);
}

int add_load_tests(void)
{
	CU_pSuite s = CU_add_suite("load", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "full psk profile", test_full_psk) ||
	    !CU_add_test(s, "defaults", test_defaults) ||
	    !CU_add_test(s, "psk-file", test_psk_file) ||
	    !CU_add_test(s, "eap mschapv2", test_eap_mschapv2) ||
	    !CU_add_test(s, "enum words in any case", test_any_case) ||
	    !CU_add_test(s, "cert profile", test_cert) ||
	    !CU_add_test(s, "cert, any gateway", test_cert_any_gateway) ||
	    !CU_add_test(s, "remote.crl", test_crl) ||
	    !CU_add_test(s, "roaming profile", test_roaming) ||
	    !CU_add_test(s, "shipped examples", test_examples) ||
	    !CU_add_test(s, "load_dir", test_load_dir))
		return -1;
	return 0;
}
