/* The section/key walk: every key of every section goes through a table
 * so that a misspelt key is an error instead of being ignored. */
#include <string.h>

#include "internal.h"

static const struct section_def sections[] = {
	{ "connection", connection_keys },
	{ "local", local_keys },
	{ "remote", remote_keys },
	{ "ike", ike_keys },
	{ "esp", esp_keys },
	{ "traffic-selectors", ts_keys },
	{ "ipv4", ipv4_keys },
	{ "ipv6", ipv6_keys },
	{ "redirect", redirect_keys },
	{ "resumption", resumption_keys },
	{ "timers", timers_keys },
	{ "eap", eap_keys },
	{ NULL, NULL },
};

static const char *key_text(yaml_node_t *k)
{
	if (k->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)k->data.scalar.value;
}

/* Mappings are walked pair by pair; libyaml keeps duplicate keys, so we
 * refuse them here rather than silently using the last one. */
static int walk_section(struct pctx *c, const struct section_def *s,
			yaml_node_t *map)
{
	uint32_t seen = 0;
	yaml_node_pair_t *pair;

	c->section = s->name;
	if (node_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return perr(c, map, "section '%s' must be a mapping", s->name);
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pair->value);
		const char *name = k ? key_text(k) : NULL;
		size_t i;

		if (!k || !v)
			return perr(c, map, "broken mapping");
		if (!name)
			return perr(c, k, "keys in section '%s' must be names",
				    s->name);
		for (i = 0; s->keys[i].key; i++)
			if (!strcmp(s->keys[i].key, name))
				break;
		if (!s->keys[i].key)
			return perr(c, k, "unknown key '%s' in section '%s'",
				    name, s->name);
		if (seen & (1u << i))
			return perr(c, k, "duplicate key '%s' in section '%s'",
				    name, s->name);
		seen |= 1u << i;
		c->key = name;
		if (s->keys[i].fn(c, v) < 0)
			return -1;
	}
	return 0;
}

static yaml_node_t **section_slot(struct pctx *c, const char *name)
{
	if (!strcmp(name, "connection"))
		return &c->n_connection;
	if (!strcmp(name, "local"))
		return &c->n_local;
	if (!strcmp(name, "remote"))
		return &c->n_remote;
	if (!strcmp(name, "eap"))
		return &c->n_eap;
	return NULL;
}

int walk_root(struct pctx *c)
{
	uint32_t seen = 0;
	yaml_node_pair_t *pair;
	yaml_node_t *root = c->root;

	if (!root)
		return perr(c, NULL, "profile is empty");
	if (root->type != YAML_MAPPING_NODE)
		return perr(c, root, "profile must be a mapping of sections");
	for (pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pair->value);
		const char *name = k ? key_text(k) : NULL;
		yaml_node_t **slot;
		size_t i;

		if (!k || !v)
			return perr(c, root, "broken mapping");
		if (!name)
			return perr(c, k, "section names must be plain names");
		for (i = 0; sections[i].name; i++)
			if (!strcmp(sections[i].name, name))
				break;
		if (!sections[i].name)
			return perr(c, k, "unknown section '%s'", name);
		if (seen & (1u << i))
			return perr(c, k, "duplicate section '%s'", name);
		seen |= 1u << i;
		slot = section_slot(c, name);
		if (slot)
			*slot = k;
		if (walk_section(c, &sections[i], v) < 0)
			return -1;
	}
	return 0;
}
