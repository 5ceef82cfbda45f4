/* Keys of the connection, local and remote sections. */
#include <string.h>

#include "internal.h"

static int gateway_item(struct pctx *c, yaml_node_t *n, void *arg)
{
	struct profile *p = c->p;
	char *gw = p->gateways[p->n_gateways];

	if (get_str(c, n, gw, PROFILE_STR_MAX) < 0)
		return -1;
	if (!is_ip_literal(gw) && !is_hostname(gw))
		return perr(c, n, "invalid gateway '%s' (need an IPv4 or IPv6 "
			    "address or a host name)", gw);
	p->n_gateways++;
	return 0;
}

static int conn_name(struct pctx *c, yaml_node_t *n)
{
	c->n_name = n;
	return get_str(c, n, c->p->name, sizeof(c->p->name));
}

static int conn_gateway(struct pctx *c, yaml_node_t *n)
{
	return for_each_item(c, n, PROFILE_MAX_GATEWAYS, gateway_item, NULL);
}

static int conn_port(struct pctx *c, yaml_node_t *n)
{
	unsigned v;

	if (get_uint(c, n, 1, 65535, &v) < 0)
		return -1;
	c->p->port = (uint16_t)v;
	return 0;
}

static int conn_mobike(struct pctx *c, yaml_node_t *n)
{
	return get_bool(c, n, &c->p->mobike);
}

static int conn_fragmentation(struct pctx *c, yaml_node_t *n)
{
	return get_bool(c, n, &c->p->fragmentation);
}

/* The IP datagram of one fragment, as strongSwan's fragment_size. At
 * least 576, the datagram every IPv4 host must accept (RFC 791), which
 * RFC 7383 2.5.1 names as the safe size; the engine never goes below
 * 1280 towards an IPv6 gateway, the least every IPv6 link carries. */
static int conn_fragment_size(struct pctx *c, yaml_node_t *n)
{
	return get_uint(c, n, PROFILE_FRAGMENT_MIN, 65535,
			&c->p->fragment_size);
}

static int conn_force_encap(struct pctx *c, yaml_node_t *n)
{
	return get_bool(c, n, &c->p->force_encap);
}

static int conn_local_address(struct pctx *c, yaml_node_t *n)
{
	if (get_str(c, n, c->p->local_addr, sizeof(c->p->local_addr)) < 0)
		return -1;
	if (!is_ip_literal(c->p->local_addr))
		return perr(c, n, "local-address '%s' is not an IPv4 or IPv6 "
			    "address", c->p->local_addr);
	return 0;
}

/* The VPN interface's name, as the kernel takes one: at most 15 bytes,
 * no '/', ':' or space ("." and ".." are directories in sysfs); '%'
 * would make it a template. Letters, digits, '-', '_' and '.' only. */
static int conn_interface(struct pctx *c, yaml_node_t *n)
{
	char *name = c->p->interface;
	char buf[PROFILE_STR_MAX];
	size_t i, len;

	if (get_str(c, n, buf, sizeof(buf)) < 0)
		return -1;
	len = strlen(buf);
	if (len == 0 || len >= PROFILE_IFNAME_MAX)
		return perr(c, n, "interface name '%s' must have 1 to %d "
			    "characters", buf, PROFILE_IFNAME_MAX - 1);
	if (!strcmp(buf, ".") || !strcmp(buf, ".."))
		return perr(c, n, "interface name '%s' is not usable", buf);
	for (i = 0; i < len; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') ||
		      (buf[i] >= 'A' && buf[i] <= 'Z') ||
		      (buf[i] >= '0' && buf[i] <= '9') ||
		      buf[i] == '-' || buf[i] == '_' || buf[i] == '.'))
			return perr(c, n, "interface name '%s': only letters, "
				    "digits, '-', '_' and '.'", buf);
	memcpy(name, buf, len + 1);
	return 0;
}

/* What follows when the gateway ends the connection (strongSwan's
 * close_action): restart, with the reconnect backoff, or none. */
static int conn_close_action(struct pctx *c, yaml_node_t *n)
{
	static const char *const names[] = { "restart", "none", NULL };
	int i;

	if (get_choice(c, n, names, &i) < 0)
		return -1;
	c->p->close_restart = i == 0;
	return 0;
}

const struct key_def connection_keys[] = {
	{ "close-action", conn_close_action },
	{ "name", conn_name },
	{ "gateway", conn_gateway },
	{ "port", conn_port },
	{ "force-encap", conn_force_encap },
	{ "mobike", conn_mobike },
	{ "fragmentation", conn_fragmentation },
	{ "fragment-size", conn_fragment_size },
	{ "local-address", conn_local_address },
	{ "interface", conn_interface },
	{ NULL, NULL },
};

static int get_id(struct pctx *c, yaml_node_t *n, struct profile_id *id)
{
	char text[PROFILE_STR_MAX], why[120];

	if (get_str(c, n, text, sizeof(text)) < 0)
		return -1;
	if (profile_id_parse(text, id, why, sizeof(why)) < 0)
		return perr(c, n, "%s", why);
	return 0;
}

/* local: how we authenticate; remote: how the gateway does, eap only
 * for EAP-only (RFC 5998), which validate.c checks further. */
static int get_auth(struct pctx *c, yaml_node_t *n, bool remote,
		    enum profile_auth *out)
{
	static const char *const names[] = { "psk", "cert", "eap", NULL };
	int i;

	if (get_choice_hint(c, n, names, remote ?
			    "; eap for the gateway is EAP-only (RFC 5998): local auth eap, eap method tls" :
			    "", &i) < 0)
		return -1;
	*out = (enum profile_auth)(i + 1);
	return 0;
}

static int local_id(struct pctx *c, yaml_node_t *n)
{
	return get_id(c, n, &c->p->local_id);
}

static int local_auth(struct pctx *c, yaml_node_t *n)
{
	c->n_local_auth = n;
	return get_auth(c, n, false, &c->p->local_auth);
}

/* Not through get_str: the secret must not linger in stack copies. */
static int local_psk(struct pctx *c, yaml_node_t *n)
{
	const char *v;

	c->n_psk = n;
	if (n->type != YAML_SCALAR_NODE || node_is_null(n))
		return perr(c, n, "'psk' must be a non-empty string");
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return perr(c, n, "'psk' contains a NUL byte");
	if (n->data.scalar.length > PSK_FILE_MAX)
		return perr(c, n, "'psk' is longer than %d bytes", PSK_FILE_MAX);
	if (!chunk_secure_set(&c->p->psk, v, n->data.scalar.length))
		return perr(c, n, "out of memory");
	return 0;
}

static int local_psk_file(struct pctx *c, yaml_node_t *n)
{
	c->n_psk_file = n;
	return get_path(c, n, c->psk_file, sizeof(c->psk_file));
}

static int local_cert(struct pctx *c, yaml_node_t *n)
{
	c->n_cert = n;
	return get_path(c, n, c->p->cert_file, sizeof(c->p->cert_file));
}

static int local_key(struct pctx *c, yaml_node_t *n)
{
	c->n_key = n;
	return get_path(c, n, c->p->key_file, sizeof(c->p->key_file));
}

const struct key_def local_keys[] = {
	{ "id", local_id },
	{ "auth", local_auth },
	{ "psk", local_psk },
	{ "psk-file", local_psk_file },
	{ "cert", local_cert },
	{ "key", local_key },
	{ NULL, NULL },
};

static int remote_id(struct pctx *c, yaml_node_t *n)
{
	return get_id(c, n, &c->p->remote_id);
}

static int pattern_item(struct pctx *c, yaml_node_t *n, void *arg)
{
	struct profile *p = c->p;
	char *text = p->remote_id_patterns[p->n_remote_id_patterns].text;

	if (get_str(c, n, text, PROFILE_STR_MAX) < 0)
		return -1;
	if (!valid_id_pattern(text))
		return perr(c, n, "invalid identity pattern '%s'", text);
	p->n_remote_id_patterns++;
	return 0;
}

static int remote_id_patterns(struct pctx *c, yaml_node_t *n)
{
	return for_each_item(c, n, PROFILE_MAX_PATTERNS, pattern_item, NULL);
}

static int remote_auth(struct pctx *c, yaml_node_t *n)
{
	c->n_remote_auth = n;
	c->remote_auth_set = true;
	return get_auth(c, n, true, &c->p->remote_auth);
}

static int remote_ca(struct pctx *c, yaml_node_t *n)
{
	c->n_ca = n;
	return get_path(c, n, c->p->ca_file, sizeof(c->p->ca_file));
}

/* CRLs for the gateway's chain; loaded once here so that a file that
 * does not parse is an error with its line, not a refused gateway. */
static int remote_crl(struct pctx *c, yaml_node_t *n)
{
	c->n_crl = n;
	return get_path(c, n, c->p->crl_file, sizeof(c->p->crl_file));
}

static int remote_send_id(struct pctx *c, yaml_node_t *n)
{
	c->n_send_id = n;
	c->send_id_set = true;
	return get_bool(c, n, &c->p->send_idr);
}

const struct key_def remote_keys[] = {
	{ "id", remote_id },
	{ "id-patterns", remote_id_patterns },
	{ "auth", remote_auth },
	{ "ca", remote_ca },
	{ "crl", remote_crl },
	{ "send-id", remote_send_id },
	{ NULL, NULL },
};
