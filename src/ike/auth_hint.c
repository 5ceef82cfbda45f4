/* What to tell the user when IKE_AUTH fails over identities: which one
 * we sent and what the gateway may want instead (AUTHENTICATION_FAILED
 * tells nothing more, RFC 7296 2.21.2), or which one the gateway
 * presented and what the profile wanted. Text only; the decisions are
 * made in ike_auth.c and creds.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"

/* Appends to a message being built, cutting at its end. */
struct text {
	char *p;
	size_t len, used;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used + 1 >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n < t->len - t->used ? (size_t)n :
							    t->len - t->used - 1;
}

/* "FQDN 'gw.example.org'" */
static void add_id(struct text *t, uint8_t type, const uint8_t *data,
		   size_t len)
{
	char shown[PROFILE_STR_MAX];

	id_to_text(type, data, len, shown, sizeof(shown));
	add(t, "%s '%s'", id_type_name(type), shown);
}

static void our_cert_hint(const struct ike_sa *sa, struct text *t)
{
	char names[200], issuer[120];
	bool sent_dn = sa->my_id_type == ID_DER_ASN1_DN;
	bool carried = x509_has_id(sa->my_cert, sa->my_id_type, sa->my_id.p,
				   sa->my_id.len);
	size_t n_names = x509_san_text(sa->my_cert, names, sizeof(names));

	x509_name_text(X509_get_issuer_name(sa->my_cert), issuer,
		       sizeof(issuer));
	if (!carried)
		add(t, ", which our certificate does not carry");
	if (n_names && (sent_dn || !carried))
		add(t, "; the gateway may expect %s as local.id: %s",
		    n_names > 1 ? "one of the certificate's other names" :
				  "the certificate's other name", names);
	else if (!carried)
		add(t, "; set local.id to the certificate's subject or a name it carries");
	else
		add(t, "; the gateway may expect another identity (local.id)");
	add(t, "; or it does not trust our issuer '%s'", issuer);
}

/* Refused before or after EAP: not our certificate (EAP-TLS keeps its
 * own), so the identity or the gateway's way of proving itself. */
static void eap_hint(const struct ike_sa *sa, struct text *t)
{
	const struct profile *p = sa->prof;

	add(t, " for %s: the gateway may know us by another identity (local.id)",
	    eap_auth_method_name(p));
	/* strongSwan configured for RFC 5998 refuses a client that did not
	 * offer EAP-only with a bare AUTHENTICATION_FAILED. */
	if (sa->eap_phase == EAP_PHASE_FIRST && p->eap_method == PEAP_TLS &&
	    p->remote_auth != PAUTH_EAP)
		add(t, ", or authenticate itself by EAP only (RFC 5998), which remote.auth: eap allows");
}

void hint_auth_failed(const struct ike_sa *sa, char *out, size_t len)
{
	const struct profile *p = sa->prof;
	struct text t = { out, len, 0 };

	if (len)
		out[0] = '\0';
	add(&t, "we sent IDi ");
	add_id(&t, sa->my_id_type, sa->my_id.p, sa->my_id.len);
	if (p->local_auth == PAUTH_EAP)
		eap_hint(sa, &t);
	else if (sa->my_cert)
		our_cert_hint(sa, &t);
	else
		add(&t, " with a pre-shared key: the gateway may know us by another identity (local.id) or key");
	if (p->send_idr && p->remote_id.type) {
		add(&t, "; we asked for IDr ");
		add_id(&t, p->remote_id.type, p->remote_id.data,
		       p->remote_id.len);
		add(&t, " (remote.send-id: false lets the gateway choose)");
	}
}

void hint_peer_id_refused(const struct ike_sa *sa, uint8_t type,
			  const uint8_t *data, size_t len, struct verr *e)
{
	const struct profile *p = sa->prof;
	struct text t = { e->msg, sizeof(e->msg), 0 };

	add(&t, "gateway presented IDr ");
	add_id(&t, type, data, len);
	add(&t, ", the profile wants ");
	if (p->remote_id.type)
		add_id(&t, p->remote_id.type, p->remote_id.data,
		       p->remote_id.len);
	for (size_t i = 0; i < p->n_remote_id_patterns; i++)
		add(&t, "%s'%s'", i ? ", " : p->remote_id.type ?
			" or id-patterns " : "id-patterns ",
		    p->remote_id_patterns[i].text);
}

void hint_cert_lacks_id(const struct ike_sa *sa, X509 *leaf, struct verr *e)
{
	struct text t = { e->msg, sizeof(e->msg), 0 };
	char names[160], subj[120];

	x509_name_text(X509_get_subject_name(leaf), subj, sizeof(subj));
	add(&t, "gateway's certificate '%s' does not carry its IDr ", subj);
	add_id(&t, sa->peer_id_type, sa->peer_id.p, sa->peer_id.len);
	if (x509_san_text(leaf, names, sizeof(names)))
		add(&t, " (it has %s)", names);
}
