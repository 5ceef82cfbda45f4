/* struct conn_status as JSON: the same values the status text is
 * written from (conn_status_get), so the two cannot disagree. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "vpnd/loop.h"

#include "status_json.h"

static void hex_string(struct json *j, const char *key, const uint8_t *p,
		       size_t n)
{
	char hex[2 * 16 + 1];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	hex[2 * i] = '\0';
	json_string(j, key, hex);
}

/* {"address": "192.0.2.1", "port": 500}; null when there is none. */
static void endpoint(struct json *j, const char *key,
		     const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN];
	unsigned port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	} else {
		json_null(j, key);
		return;
	}
	json_object_begin(j, key);
	json_string(j, "address", a);
	json_uint(j, "port", port);
	json_object_end(j);
}

/* The gateway's AUTH method as a word (RFC 7427 and IANA's names). */
static void auth_word(struct json *j, const char *key,
		      const struct conn_status *st)
{
	static const char *const words[] = {
		[1] = "rsa", [2] = "psk", [3] = "dss", [9] = "ecdsa-256",
		[10] = "ecdsa-384", [11] = "ecdsa-521",
		[14] = "digital-signature",
	};
	unsigned m = st->ike.remote_auth;
	char other[32];

	if (st->ike.remote_eap_only) {
		json_string(j, key, "eap-only");
	} else if (m < sizeof(words) / sizeof(words[0]) && words[m]) {
		json_string(j, key, words[m]);
	} else {
		snprintf(other, sizeof(other), "method-%u", m);
		json_string(j, key, other);
	}
}

/* One word per IKE SA state (ike_state_name's are for people). */
static const char *ike_state_word(enum ike_state s)
{
	static const char *const words[] = {
		[IKE_NONE] = "none",
		[IKE_INIT_SENT] = "init-sent",
		[IKE_RESUME_SENT] = "resume-sent",
		[IKE_AUTH_SENT] = "auth-sent",
		[IKE_ESTABLISHED] = "established",
		[IKE_DELETING] = "deleting",
	};

	return (unsigned)s < sizeof(words) / sizeof(words[0]) && words[s] ?
		       words[s] : "unknown";
}

static void ike_json(struct json *j, const struct conn_status *st)
{
	json_object_begin(j, "ike");
	json_string(j, "state", ike_state_word(st->ike.state));
	json_bool(j, "initiator", st->ike.initiator);
	hex_string(j, "spi_i", st->ike.spi_i, 8);
	hex_string(j, "spi_r", st->ike.spi_r, 8);
	endpoint(j, "local", &st->ike.local);
	endpoint(j, "remote", &st->ike.peer);
	json_bool(j, "natt", st->ike.natt);
	json_bool(j, "nat_detected", st->ike.nat_detected);
	json_bool(j, "mobike", st->ike.mobike);
	json_bool(j, "resumed", st->ike.resumed);
	json_bool(j, "rekeyed", st->ike.rekeyed);
	json_uint(j, "gsc", st->ike.gsc);
	json_bool(j, "vpnd_extensions", st->ike.peer_vpnd);
	if (st->ike.state >= IKE_ESTABLISHED) {
		uint64_t now = loop_now_ms();

		json_uint(j, "established_seconds",
			  now > st->ike.established_ms ?
				  (now - st->ike.established_ms) / 1000 : 0);
		json_string(j, "proposal", st->ike.algs);
		json_string(j, "remote_id", st->ike.remote_id);
		auth_word(j, "remote_auth", st);
		json_string(j, "local_auth", st->ike.local_auth);
		json_uint(j, "auth_rounds", st->ike.auth_rounds);
		json_uint(j, "eap_rounds", st->ike.eap_rounds);
		json_uint(j, "auth_lifetime", st->ike.auth_lifetime);
	}
	json_object_end(j);
}

static void child_json(struct json *j, const struct conn_status *st)
{
	json_object_begin(j, "child");
	json_bool(j, "up", st->child.up);
	json_bool(j, "installed", st->child.installed);
	if (st->child.up) {
		hex_string(j, "spi_in", st->child.spi_in, 4);
		hex_string(j, "spi_out", st->child.spi_out, 4);
		json_string(j, "proposal", st->child.algs);
	}
	if (st->child.problem[0])
		json_string(j, "problem", st->child.problem);
	json_object_end(j);
}

static void vip_json(struct json *j, const struct conn_status *st)
{
	char a[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];

	json_array_begin(j, "virtual_ips");
	if (st->vip.has_ip4) {
		inet_ntop(AF_INET, st->vip.ip4, a, sizeof(a));
		snprintf(text, sizeof(text), "%s/%u", a, st->vip.ip4_prefix);
		json_string(j, NULL, text);
	}
	if (st->vip.has_ip6) {
		inet_ntop(AF_INET6, st->vip.ip6, a, sizeof(a));
		snprintf(text, sizeof(text), "%s/%u", a, st->vip.ip6_prefix);
		json_string(j, NULL, text);
	}
	json_array_end(j);
}

void status_json(struct json *j, const char *key,
		 const struct conn_status *st)
{
	json_object_begin(j, key);
	json_string(j, "name", st->name);
	json_string(j, "state", conn_state_name(st->state));
	json_string(j, "state_text", st->state_text);
	json_string(j, "gateway", st->gateway);
	if (st->last_error[0])
		json_string(j, "last_error", st->last_error);
	if (st->change.at) {
		json_object_begin(j, "change");
		json_string(j, "reason", conn_reason_name(st->change.reason));
		json_string(j, "text", st->change.text);
		json_int(j, "at", (long long)st->change.at);
		json_object_end(j);
	}
	json_uint(j, "ike_rekeys", st->ike_rekeys);
	json_uint(j, "child_rekeys", st->child_rekeys);
	json_uint(j, "reauths", st->reauths);
	json_uint(j, "redirects", st->redirects);
	json_bool(j, "waiting_for_network", st->waiting_for_network);
	json_bool(j, "retry_pending", st->retry_pending);
	json_bool(j, "replacing", st->replacing);
	json_bool(j, "resumption", st->resumption);
	if (st->ticket.stored) {
		json_object_begin(j, "ticket");
		json_string(j, "gateway", st->ticket.gateway);
		json_int(j, "expires", (long long)st->ticket.expires);
		json_uint(j, "gsc", st->ticket.gsc);
		json_object_end(j);
	}
	if (st->has_sa) {
		ike_json(j, st);
		child_json(j, st);
	}
	vip_json(j, st);
	json_object_end(j);
}
