/* Every load error with its exact "file:line:col: message", and the
 * permission refusals for secrets. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tutil.h"

#define OK_LOCAL "local: {id: me.example.org, psk: k}\n"
#define OK_REMOTE "remote: {id: gw.example.org}\n"
#define OK_CONN "connection: {gateway: gw.example.org}\n"
#define OK_BASE OK_CONN OK_LOCAL OK_REMOTE

struct bad_case {
	const char *yaml;
	const char *msg;
};

static const struct bad_case cases[] = {
	{ "connection:\n  gateway: a\n  bogus: 1\n",
	  "t.yaml:3:3: unknown key 'bogus' in section 'connection'" },
	{ OK_BASE "tunnel:\n  x: 1\n",
	  "t.yaml:4:1: unknown section 'tunnel'" },
	{ OK_BASE "ike:\n  proposals: [aes256-sha256-ecp256]\n"
	  "ike:\n  proposals: [aes256-sha256-ecp256]\n",
	  "t.yaml:6:1: duplicate section 'ike'" },
	{ "connection:\n  gateway: a\n  port: 1\n  port: 2\n",
	  "t.yaml:4:3: duplicate key 'port' in section 'connection'" },
	{ "connection:\n  gateway: [a, b\n",
	  "t.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
	  "while parsing a flow sequence" },
	{ "connection: {gateway: a}\n\tlocal: x\n",
	  "t.yaml:2:1: YAML syntax error: found character that cannot start "
	  "any token while scanning for the next token" },
	{ "connection:\n  gateway: a\xff\n",
	  "t.yaml:2:13: YAML syntax error: invalid leading UTF-8 octet" },
	{ OK_BASE "---\nconnection: {gateway: b}\n",
	  "t.yaml:5:1: a profile holds exactly one YAML document" },
	{ "", "t.yaml:1:1: profile is empty" },
	{ "- a\n- b\n", "t.yaml:1:1: profile must be a mapping of sections" },
	{ "connection: 5\n",
	  "t.yaml:1:13: section 'connection' must be a mapping" },
	{ OK_BASE "ike:\n  proposals: [\"aes256gcm16-prfsha384-ecp384\",\n"
	  "              \"aes257-sha256-ecp256\"]\n",
	  "t.yaml:6:15: unknown proposal token 'aes257'" },
	{ OK_BASE "ike:\n  proposals: [aes256gcm16-ecp384]\n",
	  "t.yaml:5:15: AEAD proposal needs a prf" },
	{ OK_BASE "ike:\n  proposals: aes256gcm16-sha256-prfsha256-ecp384\n",
	  "t.yaml:5:14: AEAD proposal cannot have an integrity algorithm" },
	{ OK_BASE "ike:\n  proposals: [aes128-sha256]\n",
	  "t.yaml:5:15: IKE proposal needs a DH group" },
	{ OK_BASE "esp:\n  proposals: [aes128-prfsha256]\n",
	  "t.yaml:5:15: 'prfsha256' is not valid in an ESP proposal" },
	{ OK_BASE "ike:\n  proposals: [a, b, c, d, e]\n",
	  "t.yaml:5:15: unknown proposal token 'a'" },
	{ OK_BASE "ike:\n  proposals: [aes128-sha1-ecp256, aes128-sha1-ecp256,"
	  " aes128-sha1-ecp256, aes128-sha1-ecp256, aes128-sha1-ecp256]\n",
	  "t.yaml:5:95: too many entries in 'proposals' (max 4)" },
	{ OK_BASE "ike:\n  proposals: []\n",
	  "t.yaml:5:14: 'proposals' must not be empty" },
	{ "connection:\n  name: office\n" OK_LOCAL OK_REMOTE,
	  "t.yaml:1:1: connection 'gateway' is required" },
	{ OK_LOCAL OK_REMOTE, "t.yaml:1:1: connection 'gateway' is required" },
	{ "connection:\n  gateway: [ok.example.com, -bad.example.com]\n",
	  "t.yaml:2:29: invalid gateway '-bad.example.com' (need an IPv4 or "
	  "IPv6 address or a host name)" },
	{ "connection:\n  gateway: [a, b, c, d, e, f, g, h, i]\n",
	  "t.yaml:2:37: too many entries in 'gateway' (max 8)" },
	{ "connection:\n  gateway: {a: b}\n",
	  "t.yaml:2:12: 'gateway' must be a value or a list" },
	{ "connection:\n  gateway: a\n  port: 0\n",
	  "t.yaml:3:9: 'port' must be an integer from 1 to 65535" },
	{ "connection:\n  gateway: a\n  port: -500\n",
	  "t.yaml:3:9: 'port' must be an integer from 1 to 65535" },
	{ "connection:\n  gateway: a\n  fragment-size: 575\n",
	  "t.yaml:3:18: 'fragment-size' must be an integer from 576 to 65535" },
	{ "connection:\n  gateway: a\n  force-encap: maybe\n",
	  "t.yaml:3:16: 'force-encap' must be true or false" },
	{ "connection:\n  gateway: a\n  interface: vpn-for-the-office\n",
	  "t.yaml:3:14: interface name 'vpn-for-the-office' must have 1 to 15 "
	  "characters" },
	{ "connection:\n  gateway: a\n  interface: \"my vpn\"\n",
	  "t.yaml:3:14: interface name 'my vpn': only letters, digits, '-', "
	  "'_' and '.'" },
	{ "connection:\n  gateway: a\n  interface: vpn%d\n",
	  "t.yaml:3:14: interface name 'vpn%d': only letters, digits, '-', "
	  "'_' and '.'" },
	{ "connection:\n  gateway: a\n  interface: ..\n",
	  "t.yaml:3:14: interface name '..' is not usable" },
	{ "connection:\n  gateway: a\n  local-address: host.example\n",
	  "t.yaml:3:18: local-address 'host.example' is not an IPv4 or IPv6 "
	  "address" },
	{ "connection:\n  name: \"my office\"\n  gateway: a\n" OK_LOCAL
	  OK_REMOTE,
	  "t.yaml:2:9: invalid name 'my office' (use 1-63 of A-Z a-z 0-9 . _ -)" },
	{ "connection:\n  name: "
	  "a123456789012345678901234567890123456789012345678901234567890123"
	  "\n", "t.yaml:2:9: 'name' is too long (max 63 characters)" },
	{ OK_CONN "local:\n  id: me.example.org\n  psk: a\n  psk-file: f\n"
	  OK_REMOTE,
	  "t.yaml:5:13: 'psk' and 'psk-file' are mutually exclusive" },
	{ OK_CONN "local:\n  id: me.example.org\n  auth: psk\n" OK_REMOTE,
	  "t.yaml:4:9: psk auth needs 'psk' or 'psk-file'" },
	{ OK_CONN "local:\n  id: me.example.org\n" OK_REMOTE,
	  "t.yaml:2:1: psk auth needs 'psk' or 'psk-file'" },
	{ OK_CONN "local:\n  psk: abc\n" OK_REMOTE,
	  "t.yaml:2:1: local 'id' is required for psk auth" },
	{ OK_CONN "local:\n  id: a.b\n  auth: eap\n",
	  "t.yaml:1:1: remote cert auth needs 'ca'" },
	{ OK_CONN "local:\n  auth: eap\n" "remote:\n  ca: ca.pem\n",
	  "t.yaml:2:1: eap auth needs local 'id' or eap 'identity'" },
	{ OK_CONN "local:\n  id: a.b\n  auth: eap\n" "remote:\n  ca: ca.pem\n"
	  "eap:\n  method: tls\n  password-file: pw\n",
	  "t.yaml:9:18: eap method tls uses local 'cert' and 'key', not a password" },
	{ OK_CONN "local:\n  id: a.b\n  auth: eap\n"
	  "remote:\n  auth: eap\n  ca: ca.pem\n",
	  "t.yaml:6:9: remote auth eap (EAP-only, RFC 5998) needs eap method tls: mschapv2 does not authenticate the gateway well enough to stand alone" },
	{ OK_BASE "eap:\n  method: mschapv2\n", "t.yaml:4:1: an eap section is set but local 'auth' is not eap" },
	{ OK_CONN "local:\n  id: a.b\n  auth: eap\n" "remote:\n  ca: ca.pem\n"
	  "eap:\n  method: md5\n", "t.yaml:8:11: 'method' must be one of: mschapv2, tls (got 'md5')" },
	{ OK_CONN "local:\n  id: a.b\n  auth: eap\n" "remote:\n  ca: ca.pem\n"
	  "eap:\n  method: tls\n", "t.yaml:4:9: eap tls auth needs 'cert'" },
	{ OK_CONN "local:\n  id: a.b\n  auth: eap\n" "remote:\n  ca: ca.pem\n"
	  "eap:\n  password-file: nope\n", "t.yaml:8:18: cannot open password-file './nope': No such file or directory" },
	{ OK_CONN "local:\n  auth: token\n",
	  "t.yaml:3:9: 'auth' must be one of: psk, cert, eap (got 'token')" },
	/* the gateway's auth: eap only as EAP-only, and the error says so */
	{ OK_CONN OK_LOCAL "remote:\n  id: c.d\n  auth: token\n",
	  "t.yaml:5:9: 'auth' must be one of: psk, cert, eap (got 'token'); "
	  "eap for the gateway is EAP-only (RFC 5998): local auth eap, eap method tls" },
	{ OK_CONN "local:\n  auth: cert\n  cert: c.pem\n" OK_REMOTE,
	  "t.yaml:3:9: cert auth needs 'key'" },
	{ OK_CONN "local:\n  auth: cert\n  key: k.pem\n" OK_REMOTE,
	  "t.yaml:3:9: cert auth needs 'cert'" },
	{ OK_CONN "local:\n  auth: cert\n  cert: client.pem\n  key: client.key\n"
	  "remote:\n  id: gw\n",
	  "t.yaml:6:1: remote cert auth needs 'ca'" },
	{ OK_CONN "local:\n  auth: cert\n  cert: nope.pem\n  key: client.key\n"
	  "remote:\n  ca: ca.pem\n",
	  "t.yaml:4:9: cannot access cert file './nope.pem': No such file or "
	  "directory" },
	{ OK_CONN "local:\n  auth: cert\n  cert: client.pem\n  key: client.key\n"
	  "remote:\n  ca: /nonexistent/ca.pem\n",
	  "t.yaml:7:7: cannot access ca file '/nonexistent/ca.pem': No such "
	  "file or directory" },
	{ OK_CONN OK_LOCAL "remote: {id: gw, crl: bad.crl}\n",
	  "t.yaml:3:23: 'crl' is set but the gateway does not authenticate "
	  "with a certificate" },
	{ OK_CONN "local: {auth: cert, cert: client.pem, key: client.key}\n"
	  "remote:\n  ca: ca.pem\n  crl: bad.crl\n",
	  "t.yaml:5:8: ./bad.crl: neither PEM CRLs nor one DER CRL" },
	{ OK_CONN "local: {auth: cert, cert: client.pem, key: client.key}\n"
	  "remote:\n  ca: ca.pem\n  crl: none.crl\n",
	  "t.yaml:5:8: cannot access crl file './none.crl': No such file or "
	  "directory" },
	{ OK_CONN OK_LOCAL "remote:\n  auth: psk\n",
	  "t.yaml:4:9: remote 'id' or 'id-patterns' is required for psk auth" },
	{ OK_CONN "local: {auth: cert, cert: client.pem, key: client.key, "
	  "psk: x}\nremote: {ca: ca.pem}\n",
	  "t.yaml:2:61: a psk is set but neither side uses psk auth" },
	{ OK_CONN "local: {auth: cert, cert: client.pem, key: client.key}\n"
	  "remote: {ca: ca.pem, send-id: true}\n",
	  "t.yaml:3:31: send-id needs a remote 'id'" },
	{ OK_CONN "local: {id: \"dn:C=CH, XX=1\", psk: k}\n",
	  "t.yaml:2:13: unknown DN attribute 'XX'" },
	{ OK_CONN "local: {id: \"ipv4:300.1.1.1\", psk: k}\n",
	  "t.yaml:2:13: invalid identity 'ipv4:300.1.1.1'" },
	{ OK_CONN "local: {id: \"keyid:abc\", psk: k}\n",
	  "t.yaml:2:13: invalid identity 'keyid:abc'" },
	{ OK_CONN "local: {id: \"\", psk: k}\n",
	  "t.yaml:2:13: 'id' must not be empty" },
	{ OK_CONN "local: {id: \"a\\0b\", psk: k}\n",
	  "t.yaml:2:13: 'id' contains a NUL byte" },
	{ OK_CONN OK_LOCAL "remote: {id: gw, id-patterns: [\"a*b\"]}\n",
	  "t.yaml:3:32: invalid identity pattern 'a*b'" },
	{ OK_CONN "local: {id: a.b, psk-file: missing.psk}\n" OK_REMOTE,
	  "t.yaml:2:28: cannot open psk-file './missing.psk': No such file or "
	  "directory" },
	{ OK_BASE "traffic-selectors:\n  remote: [\"10.0.0.1/24\"]\n",
	  "t.yaml:5:12: '10.0.0.1/24' has host bits set beyond /24" },
	{ OK_BASE "traffic-selectors:\n  remote: [\"10.0.0.0/33\"]\n",
	  "t.yaml:5:12: invalid subnet '10.0.0.0/33' (need ADDRESS/PREFIX)" },
	{ OK_BASE "traffic-selectors:\n  remote: [dynamic]\n",
	  "t.yaml:5:12: 'dynamic' is only valid for the local traffic "
	  "selectors" },
	{ OK_BASE "traffic-selectors:\n  local: [dynamic]\n"
	  "ipv4:\n  method: disabled\n",
	  "t.yaml:5:11: 'dynamic' needs a virtual IP (ipv4 or ipv6 method "
	  "auto)" },
	{ OK_BASE "ipv4:\n  method: manual\n",
	  "t.yaml:5:11: 'method' must be one of: auto, disabled (got 'manual')" },
	{ OK_BASE "ipv6:\n  dns: yes\n",
	  "t.yaml:5:8: 'dns' must be one of: auto, ignore (got 'yes')" },
	{ OK_BASE "redirect:\n  max-redirects: 0\n",
	  "t.yaml:5:18: 'max-redirects' must be an integer from 1 to 100" },
	{ OK_BASE "redirect:\n  period: 86401\n",
	  "t.yaml:5:11: 'period' must be an integer from 1 to 86400" },
	{ OK_BASE "redirect:\n  allowed-targets: [\"*.\"]\n",
	  "t.yaml:5:21: invalid redirect target '*.' (need a CIDR, an address, "
	  "a host name or *.domain)" },
	{ OK_BASE "resumption:\n  mode: rfc9999\n",
	  "t.yaml:5:9: 'mode' must be one of: rfc5723, draft-gsc (got 'rfc9999')" },
	{ OK_BASE "resumption:\n  auth: libreswan\n",
	  "t.yaml:5:9: 'auth' must be one of: message, signed-octets (got 'libreswan')" },
	{ OK_BASE "timers:\n  retransmit-timeout: 0.05\n",
	  "t.yaml:5:23: 'retransmit-timeout' must be a number from 0.1 to 60" },
	{ OK_BASE "timers:\n  retransmit-base: 4.5\n",
	  "t.yaml:5:20: 'retransmit-base' must be a number from 1 to 4" },
	{ OK_BASE "timers:\n  retransmit-tries: 21\n",
	  "t.yaml:5:21: 'retransmit-tries' must be an integer from 0 to 20" },
	{ OK_BASE "timers:\n  dpd-interval: [30]\n",
	  "t.yaml:5:17: 'dpd-interval' must be a single value" },
	{ OK_BASE "timers:\n  child-rekey-time: 3600\n",
	  "t.yaml:5:21: timers 'child-rekey-time' (3600 s) must be below "
	  "'child-life-time' (3600 s)" },
	{ OK_BASE "esp:\n  on-failure: drop\n",
	  "t.yaml:5:15: 'on-failure' must be one of: keep, delete (got 'drop')" },
	{ OK_BASE "timers:\n  child-retry-interval: 0\n",
	  "t.yaml:5:25: 'child-retry-interval' must be an integer from 1 to "
	  "3600" },
	{ OK_BASE "timers:\n  child-life-time: 5\n",
	  "t.yaml:5:20: 'child-life-time' must be an integer from 20 to "
	  "691200" },
};

static void test_bad_profiles(void)
{
	struct profile p;
	struct verr e;

	/* files referenced by the cert cases that must get past the
	 * existence checks */
	tu_write("client.pem", 0644, "cert");
	tu_write("client.key", 0600, "key");
	tu_write("ca.pem", 0644, "ca");
	tu_write("bad.crl", 0644, "-----BEGIN X509 CRL-----\nnot base64\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		CU_ASSERT_EQUAL(tu_load(cases[i].yaml, &p, &e), -1);
		/* gcc's format-overflow check misfires here under the
		 * sanitizers unless the pointer is visibly non-NULL */
		const char *want = cases[i].msg ? cases[i].msg : "";

		if (strcmp(e.msg, want))
			fprintf(stderr, "\ncase %zu:\n  got  %s\n  want %s\n",
				i, e.msg, want);
		CU_ASSERT_STRING_EQUAL(e.msg, cases[i].msg);
		/* a failed load leaves nothing to free */
		CU_ASSERT_PTR_NULL(p.psk.p);
	}
}

static void test_mode_refusals(void)
{
	struct profile p;
	struct verr e;

	/* a profile with an inline psk is a secret file itself */
	tu_write("t.yaml", 0644, OK_BASE);
	CU_ASSERT_EQUAL(profile_load("t.yaml", &p, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "t.yaml: secret file is readable by "
			       "group/others (mode 0644); chmod 600 it");
	tu_write("t.yaml", 0640, OK_BASE);
	CU_ASSERT_EQUAL(profile_load("t.yaml", &p, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "t.yaml: secret file is readable by "
			       "group/others (mode 0640); chmod 600 it");
	tu_write("t.yaml", 0604, OK_BASE);
	CU_ASSERT_EQUAL(profile_load("t.yaml", &p, &e), -1);
	tu_write("t.yaml", 0400, OK_BASE);
	CU_ASSERT_EQUAL(profile_load("t.yaml", &p, &e), 0);
	profile_free(&p);

	tu_write("s.psk", 0644, "secret\n");
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {id: a.b, psk-file: s.psk}\n"
				OK_REMOTE, &p, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "./s.psk: secret file is readable by "
			       "group/others (mode 0644); chmod 600 it");
	tu_write("s.psk", 0660, "secret\n");
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {id: a.b, psk-file: s.psk}\n"
				OK_REMOTE, &p, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "./s.psk: secret file is readable by "
			       "group/others (mode 0660); chmod 600 it");

	tu_write("client.pem", 0644, "cert");
	tu_write("ca.pem", 0644, "ca");
	tu_write("client.key", 0644, "key");
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {auth: cert, cert: client.pem,"
				" key: client.key}\nremote: {ca: ca.pem}\n",
				&p, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "./client.key: secret file is readable "
			       "by group/others (mode 0644); chmod 600 it");
	tu_write("client.key", 0600, "key");
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {auth: cert, cert: client.pem,"
				" key: client.key}\nremote: {ca: ca.pem}\n",
				&p, &e), 0);
	profile_free(&p);
}

/* Mode 0600 but owned by another user: that user can rewrite it, so it
 * is refused (the PSK file, the key file, a profile with an inline PSK).
 * chown needs root; the unit suite runs as root in CI. */
static void test_owner_refusals(void)
{
	static const uid_t other = 4242;
	struct profile p;
	struct verr e;
	char want[160];

	if (geteuid() != 0) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			CU_FAIL("needs root to chown test files (CI=true)");
		return;
	}
	snprintf(want, sizeof(want), "./s.psk: secret file is owned by uid "
		 "%u; only root or uid 0 (this process) may own it",
		 (unsigned)other);
	tu_write("s.psk", 0600, "secret\n");
	CU_ASSERT_EQUAL_FATAL(chown("s.psk", other, (gid_t)-1), 0);
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {id: a.b, psk-file: s.psk}\n"
				OK_REMOTE, &p, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, want);
	CU_ASSERT_EQUAL_FATAL(chown("s.psk", 0, (gid_t)-1), 0);
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {id: a.b, psk-file: s.psk}\n"
				OK_REMOTE, &p, &e), 0);
	profile_free(&p);

	tu_write("client.pem", 0644, "cert");
	tu_write("ca.pem", 0644, "ca");
	tu_write("client.key", 0600, "key");
	CU_ASSERT_EQUAL_FATAL(chown("client.key", other, (gid_t)-1), 0);
	CU_ASSERT_EQUAL(tu_load(OK_CONN "local: {auth: cert, cert: client.pem,"
				" key: client.key}\nremote: {ca: ca.pem}\n",
				&p, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "client.key: secret file is owned by uid 4242"));

	tu_write("t.yaml", 0600, OK_BASE);
	CU_ASSERT_EQUAL_FATAL(chown("t.yaml", other, (gid_t)-1), 0);
	CU_ASSERT_EQUAL(profile_load("t.yaml", &p, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "t.yaml: secret file is owned by uid 4242"));
}

int add_error_tests(void)
{
	CU_pSuite s = CU_add_suite("errors", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "bad profiles", test_bad_profiles) ||
	    !CU_add_test(s, "secret file modes", test_mode_refusals) ||
	    !CU_add_test(s, "secret file owners", test_owner_refusals))
		return -1;
	return 0;
}
