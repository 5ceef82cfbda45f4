/* Keys of the eap section: the method of local.auth eap, the identity
 * it answers EAP-Identity with, and where its password is. */
#include <string.h>

#include "internal.h"

static int eap_method(struct pctx *c, yaml_node_t *n)
{
	static const char *const names[] = { "mschapv2", "tls", NULL };
	int i;

	c->n_eap_method = n;
	if (get_choice(c, n, names, &i) < 0)
		return -1;
	c->p->eap_method = i == 0 ? PEAP_MSCHAPV2 : PEAP_TLS;
	return 0;
}

static int eap_identity(struct pctx *c, yaml_node_t *n)
{
	struct profile *p = c->p;

	c->n_eap_identity = n;
	if (get_str(c, n, p->eap_identity, sizeof(p->eap_identity)) < 0)
		return -1;
	p->eap_identity_len = strlen(p->eap_identity);
	if (!p->eap_identity_len)
		return perr(c, n, "'identity' must not be empty");
	return 0;
}

static int eap_password_file(struct pctx *c, yaml_node_t *n)
{
	c->n_password_file = n;
	return get_path(c, n, c->password_file, sizeof(c->password_file));
}

const struct key_def eap_keys[] = {
	{ "method", eap_method },
	{ "identity", eap_identity },
	{ "password-file", eap_password_file },
	{ NULL, NULL },
};
