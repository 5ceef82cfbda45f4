#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"

const char *sockaddr_str(const struct sockaddr_storage *ss, char *out,
			 size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s[%u]", a, ntohs(s->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(out, len, "%s[%u]", a, ntohs(s->sin6_port));
	} else {
		snprintf(out, len, "(none)");
	}
	return out;
}

const char *sockaddr_addr_str(const struct sockaddr_storage *ss, char *out,
			      size_t len)
{
	const void *a = ss->ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if ((ss->ss_family != AF_INET && ss->ss_family != AF_INET6) ||
	    !inet_ntop(ss->ss_family, a, out, (socklen_t)len))
		snprintf(out, len, "(none)");
	return out;
}

const char *id_to_text(uint8_t type, const uint8_t *data, size_t len,
		       char *out, size_t outlen)
{
	size_t i, o = 0;

	if (type == ID_IPV4_ADDR && len == 4)
		return inet_ntop(AF_INET, data, out, (socklen_t)outlen);
	if (type == ID_IPV6_ADDR && len == 16)
		return inet_ntop(AF_INET6, data, out, (socklen_t)outlen);
	if (type == ID_FQDN || type == ID_RFC822_ADDR) {
		for (i = 0; i < len && o + 1 < outlen; i++)
			out[o++] = isprint(data[i]) ? (char)data[i] : '?';
		out[o] = '\0';
		return out;
	}
	if (type == ID_DER_ASN1_DN)
		return x509_dn_text(data, len, out, outlen);
	if (type == ID_KEY_ID && len > 0 && len * 2 < outlen) {
		for (i = 0; i < len; i++)
			snprintf(out + 2 * i, 3, "%02x", data[i]);
		return out;
	}
	snprintf(out, outlen, "(id type %u, %zu bytes)", type, len);
	return out;
}

uint16_t first_error_notify(const struct payload_list *pl)
{
	struct notify_payload n;
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->pl[i].type == PL_NOTIFY &&
		    notify_parse(pl->pl[i].body, pl->pl[i].len, &n, NULL) == 0 &&
		    n.type > 0 && n.type <= N_ERROR_MAX)
			return n.type;
	return 0;
}

const struct ike_payload *find_notify(const struct payload_list *pl,
				      uint16_t type, struct notify_payload *n)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->pl[i].type == PL_NOTIFY &&
		    notify_parse(pl->pl[i].body, pl->pl[i].len, n, NULL) == 0 &&
		    n->type == type)
			return &pl->pl[i];
	return NULL;
}

static void encr_str(struct wbuf *w, uint16_t encr, uint16_t keylen)
{
	wb_printf(w, "%s", encr_name(encr));
	if (keylen)
		wb_printf(w, "-%u", keylen);
}

static const char *finish(struct wbuf *w, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)w->len, w->p ? (char *)w->p : "");
	wb_free(w);
	return out;
}

const char *ike_algs_str(const struct ike_algs *a, char *out, size_t len)
{
	struct wbuf w;

	wb_init(&w);
	encr_str(&w, a->encr, a->encr_keylen);
	if (a->integ)
		wb_printf(&w, "/%s", integ_name(a->integ));
	wb_printf(&w, "/%s/%s", prf_name(a->prf), dh_name(a->dh));
	return finish(&w, out, len);
}

const char *esp_algs_str(const struct child_sa *c, char *out, size_t len)
{
	struct wbuf w;

	wb_init(&w);
	encr_str(&w, c->encr, c->encr_keylen);
	if (c->integ)
		wb_printf(&w, "/%s", integ_name(c->integ));
	wb_printf(&w, "/%s", c->esn ? "ESN" : "NO_ESN");
	return finish(&w, out, len);
}

static int nonce_cmp(const struct chunk *a, const struct chunk *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static const struct chunk *lowest(const struct chunk *a, const struct chunk *b)
{
	return nonce_cmp(a, b) <= 0 ? a : b;
}

bool rekey_ours_redundant(const struct chunk *ni, const struct chunk *nr,
			  const struct chunk *their_ni,
			  const struct chunk *their_nr)
{
	return nonce_cmp(lowest(ni, nr), lowest(their_ni, their_nr)) < 0;
}

const char *spi_hex(const uint8_t *spi, size_t n, char *out)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", spi[i]);
	return out;
}

uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return 0;
}

bool sockaddr_same_addr(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

void sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}
