/* SPI allocation and ESP SAs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/udp.h>
#include <openssl/crypto.h>

#include "vpnd/log.h"
#include "kernel_internal.h"

#define SPI_MIN 0xc0000000u
#define SPI_MAX 0xcfffffffu

struct spi_reply {
	uint32_t spi;
	bool got;
};

static int on_spi(const struct nlmsghdr *nlh, void *data)
{
	struct spi_reply *r = data;
	struct xfrm_usersa_info info;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    !knl_payload(nlh, &info, sizeof(info)))
		return MNL_CB_OK;
	r->spi = ntohl(info.id.spi);
	r->got = true;
	return MNL_CB_OK;
}

static bool same_family(const struct kernel_addr *a,
			const struct kernel_addr *b)
{
	return (a->family == AF_INET || a->family == AF_INET6) &&
	       a->family == b->family;
}

int kernel_alloc_spi(struct kernel *k, const struct kernel_addr *src,
		     const struct kernel_addr *dst, uint8_t proto,
		     uint32_t reqid, uint32_t *spi, struct verr *e)
{
	char what[160], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[16];
	struct spi_reply r = { 0 };
	struct xfrm_userspi_info *u;
	struct nlmsghdr *nlh;

	snprintf(what, sizeof(what), "allocating %s SPI %s->%s (reqid %u)",
		 kproto_name(proto, p, sizeof(p)),
		 kernel_addr_str(src, s, sizeof(s)),
		 kernel_addr_str(dst, d, sizeof(d)), reqid);
	if (!same_family(src, dst)) {
		verr_set(e, "%s: address families differ or are unset", what);
		errno = EINVAL;
		return -1;
	}
	nlh = knl_start(k, XFRM_MSG_ALLOCSPI, 0);
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	kaddr_to_xfrm(dst, &u->info.id.daddr);
	kaddr_to_xfrm(src, &u->info.saddr);
	u->info.id.proto = proto;
	u->info.family = (uint16_t)src->family;
	u->info.mode = XFRM_MODE_TUNNEL;
	u->info.reqid = reqid;
	u->min = SPI_MIN;
	u->max = SPI_MAX;
	if (knl_talk(k, on_spi, &r) < 0) {
		knl_fail(k, e, what, NULL);
		return -1;
	}
	if (!r.got || r.spi < SPI_MIN || r.spi > SPI_MAX) {
		verr_set(e, "%s: kernel replied without a valid SPI", what);
		errno = EPROTO;
		return -1;
	}
	*spi = r.spi;
	log_dbg("kernel: allocated %s SPI 0x%08x %s->%s", p, r.spi, s, d);
	return 0;
}

/* Puts struct xfrm_algo* followed by the key: 'hdr' bytes of struct. */
static uint8_t *put_alg(struct nlmsghdr *nlh, uint16_t type, size_t hdr,
			const struct kernel_alg *alg, const uint8_t *key,
			size_t key_len)
{
	uint8_t *p = knl_put(nlh, type, hdr + key_len);

	if (!p)
		return NULL;
	/* alg_name and alg_key_len start every xfrm_algo* struct. */
	snprintf((char *)p, 64, "%s", alg->name);
	((struct xfrm_algo *)p)->alg_key_len = (unsigned int)(key_len * 8);
	memcpy(p + hdr, key, key_len);
	return p;
}

static int put_crypto(struct nlmsghdr *nlh, const struct kernel_sa *sa)
{
	struct xfrm_algo_aead *aead;
	struct xfrm_algo_auth *auth;

	if (sa->encr->aead) {
		aead = (void *)put_alg(nlh, XFRMA_ALG_AEAD, sizeof(*aead),
				       sa->encr, sa->encr_key,
				       sa->encr_key_len);
		if (!aead)
			return -1;
		aead->alg_icv_len = sa->encr->icv_bits;
		return 0;
	}
	if (!put_alg(nlh, XFRMA_ALG_CRYPT, sizeof(struct xfrm_algo), sa->encr,
		     sa->encr_key, sa->encr_key_len))
		return -1;
	auth = (void *)put_alg(nlh, XFRMA_ALG_AUTH_TRUNC, sizeof(*auth),
			       sa->integ, sa->integ_key, sa->integ_key_len);
	if (!auth)
		return -1;
	auth->alg_trunc_len = sa->integ->icv_bits;
	return 0;
}

/* The ESN attribute is needed for ESN and for windows the legacy 32-bit
 * field cannot hold; the kernel then wants replay_window 0 in the SA. */
static int put_replay(struct nlmsghdr *nlh, const struct kernel_sa *sa,
		      struct xfrm_usersa_info *info)
{
	struct xfrm_replay_state_esn *r;
	uint32_t words = (sa->replay_window + 31) / 32;

	if (!sa->esn && sa->replay_window <= 32) {
		info->replay_window = (uint8_t)sa->replay_window;
		return 0;
	}
	r = knl_put(nlh, XFRMA_REPLAY_ESN_VAL, sizeof(*r) + words * 4);
	if (!r)
		return -1;
	r->bmp_len = words;
	r->replay_window = sa->replay_window;
	if (sa->esn)
		info->flags |= XFRM_STATE_ESN;
	return 0;
}

static int put_encap(struct nlmsghdr *nlh, const struct kernel_sa *sa)
{
	struct xfrm_encap_tmpl *t;

	if (!sa->encap)
		return 0;
	t = knl_put(nlh, XFRMA_ENCAP, sizeof(*t));
	if (!t)
		return -1;
	t->encap_type = UDP_ENCAP_ESPINUDP;
	t->encap_sport = htons(sa->encap_sport);
	t->encap_dport = htons(sa->encap_dport);
	return 0;
}

static int build_sa(struct kernel *k, const struct kernel_sa *sa,
		    uint16_t type)
{
	struct nlmsghdr *nlh = knl_start(k, type, 0);
	struct xfrm_usersa_info *info;

	info = mnl_nlmsg_put_extra_header(nlh, sizeof(*info));
	ksel_to_xfrm(&sa->sel, &info->sel);
	kaddr_to_xfrm(&sa->dst, &info->id.daddr);
	kaddr_to_xfrm(&sa->src, &info->saddr);
	info->id.spi = htonl(sa->spi);
	info->id.proto = IPPROTO_ESP;
	info->family = (uint16_t)sa->src.family;
	info->mode = XFRM_MODE_TUNNEL;
	info->reqid = sa->reqid;
	klifetime_to_xfrm(&sa->life, &info->lft);
	if (put_crypto(nlh, sa) < 0 || put_replay(nlh, sa, info) < 0 ||
	    put_encap(nlh, sa) < 0)
		return -1;
	knl_put_mark(nlh, &sa->mark);
	knl_put_if_id(nlh, sa->if_id);
	return 0;
}

static const char *check_sa(const struct kernel_sa *sa)
{
	const struct kernel_alg *en = sa->encr, *in = sa->integ;

	if (!same_family(&sa->src, &sa->dst))
		return "address families differ or are unset";
	if (!en || !sa->encr_key)
		return "no encryption algorithm";
	if (sa->encr_key_len != en->key_bits / 8u + en->salt_bytes)
		return "encryption key length does not fit the algorithm";
	if (en->aead && in)
		return "AEAD with a separate integrity algorithm";
	if (!en->aead && (!in || !sa->integ_key))
		return "cipher without integrity algorithm";
	if (in && sa->integ_key_len != in->key_bits / 8u)
		return "integrity key length does not fit the algorithm";
	if (sa->replay_window > 4096)
		return "replay window above 4096";
	return NULL;
}

static const char *sa_hint(const struct kernel_sa *sa, int err,
			   char *out, size_t outlen)
{
	switch (err) {
	case EPROTONOSUPPORT:
		snprintf(out, outlen, "this kernel has no ESP support: %s",
			 sa->src.family == AF_INET6 ? "CONFIG_INET6_ESP"
						    : "CONFIG_INET_ESP");
		return out;
	case ENOSYS:
	case ENOENT:
		snprintf(out, outlen, "kernel crypto lacks %s%s%s",
			 sa->encr->name, sa->integ ? " or " : "",
			 sa->integ ? sa->integ->name : "");
		return out;
	case EEXIST:
		return "an SA with this SPI already exists";
	case EPERM:
		return "needs CAP_NET_ADMIN";
	default:
		return NULL;
	}
}

static int send_sa(struct kernel *k, const struct kernel_sa *sa,
		   uint16_t type)
{
	if (build_sa(k, sa, type) < 0) {
		OPENSSL_cleanse(k->tx, sizeof(k->tx));
		k->ch.err = EMSGSIZE;
		errno = EMSGSIZE;
		return -1;
	}
	return knl_talk(k, NULL, NULL);
}

int kernel_add_sa(struct kernel *k, const struct kernel_sa *sa,
		  struct verr *e)
{
	char what[160], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], hint[96];
	const char *bad = check_sa(sa);
	bool update = sa->inbound && sa->spi_allocated;
	int rc;

	snprintf(what, sizeof(what), "adding ESP SA spi 0x%08x %s->%s",
		 sa->spi, kernel_addr_str(&sa->src, s, sizeof(s)),
		 kernel_addr_str(&sa->dst, d, sizeof(d)));
	if (bad) {
		verr_set(e, "%s: %s", what, bad);
		errno = EINVAL;
		return -1;
	}
	rc = send_sa(k, sa, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA);
	if (rc < 0 && update && k->ch.err == ESRCH) {
		/* The larval state from ALLOCSPI timed out (IKE_AUTH took
		 * longer than xfrm_acq_expires); the SPI is free again. */
		log_dbg("kernel: larval SA 0x%08x expired, adding it anew",
			sa->spi);
		rc = send_sa(k, sa, XFRM_MSG_NEWSA);
	}
	if (rc < 0) {
		knl_fail(k, e, what, sa_hint(sa, k->ch.err, hint, sizeof(hint)));
		return -1;
	}
	log_dbg("kernel: added %s ESP SA 0x%08x %s->%s",
		sa->inbound ? "inbound" : "outbound", sa->spi, s, d);
	return 0;
}

int kernel_del_sa(struct kernel *k, const struct kernel_addr *dst,
		  uint32_t spi, uint8_t proto, const struct kernel_mark *mark,
		  struct verr *e)
{
	char what[128], d[INET6_ADDRSTRLEN], p[16];
	struct xfrm_usersa_id *id;
	struct nlmsghdr *nlh;

	snprintf(what, sizeof(what), "deleting %s SA spi 0x%08x dst %s",
		 kproto_name(proto, p, sizeof(p)), spi,
		 kernel_addr_str(dst, d, sizeof(d)));
	nlh = knl_start(k, XFRM_MSG_DELSA, 0);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	kaddr_to_xfrm(dst, &id->daddr);
	id->spi = htonl(spi);
	id->family = (uint16_t)dst->family;
	id->proto = proto;
	knl_put_mark(nlh, mark);
	if (knl_talk(k, NULL, NULL) < 0) {
		knl_fail(k, e, what, k->ch.err == ESRCH ? "no such SA" : NULL);
		return -1;
	}
	return 0;
}

struct sa_list_ctx {
	kernel_sa_cb cb;
	void *ctx;
};

static int on_sa(const struct nlmsghdr *nlh, void *data)
{
	struct sa_list_ctx *l = data;
	struct xfrm_usersa_info si;
	struct kernel_sa_info info;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    !knl_payload(nlh, &si, sizeof(si))) {
		log_dbg("kernel: unexpected message %u in SA dump",
			nlh->nlmsg_type);
		return MNL_CB_OK;
	}
	memset(&info, 0, sizeof(info));
	kaddr_from_xfrm(si.family, &si.id.daddr, &info.dst);
	kaddr_from_xfrm(si.family, &si.saddr, &info.src);
	info.spi = ntohl(si.id.spi);
	info.proto = si.id.proto;
	info.reqid = si.reqid;
	info.bytes = si.curlft.bytes;
	info.packets = si.curlft.packets;
	return l->cb(&info, l->ctx) ? MNL_CB_STOP : MNL_CB_OK;
}

int kernel_list_sas(struct kernel *k, kernel_sa_cb cb, void *ctx,
		    struct verr *e)
{
	struct sa_list_ctx l = { cb, ctx };

	knl_start(k, XFRM_MSG_GETSA, NLM_F_DUMP);
	if (knl_talk(k, on_sa, &l) < 0) {
		knl_fail(k, e, "listing IPsec SAs", NULL);
		return -1;
	}
	return 0;
}
