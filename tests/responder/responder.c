/* Life cycle of the test responder, and its event lines. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "r_internal.h"

void responder_cfg_defaults(struct responder_cfg *cfg)
{
	static const char id[] = "gw.test";

	memset(cfg, 0, sizeof(*cfg));
	cfg->psk = "test-secret";
	cfg->id_type = ID_FQDN;
	memcpy(cfg->id, id, sizeof(id) - 1);
	cfg->id_len = sizeof(id) - 1;
	cfg->has_vip4 = true;
	memcpy(cfg->vip4, (const uint8_t[]){ 198, 51, 100, 2 }, 4);
	cfg->n_dns4 = 1;
	memcpy(cfg->dns4[0], (const uint8_t[]){ 198, 51, 100, 53 }, 4);
}

struct responder *responder_new(struct loop *l, const struct responder_cfg *cfg,
				struct verr *e)
{
	struct responder *r = calloc(1, sizeof(*r));

	if (!r) {
		verr_set(e, "out of memory");
		return NULL;
	}
	r->loop = l;
	r->cfg = *cfg;
	r->fd = -1;
	if (cfg->id_len > sizeof(cfg->id) || !cfg->psk ||
	    !chunk_set(&r->psk, cfg->psk, strlen(cfg->psk)) ||
	    random_bytes(r->cookie_secret, sizeof(r->cookie_secret)) < 0) {
		verr_set(e, "responder: bad configuration");
		responder_free(r);
		return NULL;
	}
	r->cfg.psk = NULL; /* the copy in r->psk is the one used */
	if (cfg->eap && (!cfg->eap_password ||
			 !chunk_secure_set(&r->eap_password,
					   cfg->eap_password,
					   strlen(cfg->eap_password)))) {
		verr_set(e, "responder: EAP needs a password");
		responder_free(r);
		return NULL;
	}
	r->cfg.eap_password = NULL;
	if (cfg->n_backups > RESP_MAX_BACKUPS ||
	    cfg->gsc_floor > RESP_GSC_MAX) {
		verr_set(e, "responder: too many backups or GSC floor > %d",
			 RESP_GSC_MAX);
		responder_free(r);
		return NULL;
	}
	if (r_cert_open(r, e) < 0 || r_net_open(r, e) < 0) {
		responder_free(r);
		return NULL;
	}
	return r;
}

void responder_free(struct responder *r)
{
	size_t i;

	if (!r)
		return;
	r_redirect_cancel(r);
	r_net_close(r);
	for (i = 0; i < R_MAX_SAS; i++)
		r_sa_clear(&r->sas[i]);
	chunk_free(&r->psk);
	chunk_free(&r->eap_password);
	r_cert_close(r);
	OPENSSL_cleanse(r->cookie_secret, sizeof(r->cookie_secret));
	OPENSSL_cleanse(r->cfg.domain_key, sizeof(r->cfg.domain_key));
	OPENSSL_cleanse(r->st.rekey_keymat_head,
			sizeof(r->st.rekey_keymat_head));
	free(r);
}

void responder_set_mute(struct responder *r, bool mute)
{
	if (r->mute != mute)
		r_event(r, "event=mute %s", mute ? "on" : "off");
	r->mute = mute;
}

uint16_t responder_port(const struct responder *r)
{
	size_t len;
	uint16_t port;

	r_sockaddr_ip(&r->local, &len, &port);
	return port;
}

void r_event(struct responder *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!r->cfg.on_event)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->cfg.on_event(r->cfg.event_ctx, line);
}

const char *r_addr_str(const struct sockaddr_storage *ss, char *out,
		       size_t len)
{
	size_t alen;
	uint16_t port;
	const uint8_t *ip = r_sockaddr_ip(ss, &alen, &port);

	if (!inet_ntop(alen == 16 ? AF_INET6 : AF_INET, ip, out,
		       (socklen_t)len))
		snprintf(out, len, "?");
	return out;
}

const struct responder_stats *responder_stats(const struct responder *r)
{
	return &r->st;
}
