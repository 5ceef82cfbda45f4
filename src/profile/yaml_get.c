/* Typed access to YAML nodes. Every failure names the node's position so
 * that a user can jump straight to the bad line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

int perr(struct pctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[sizeof(c->e->msg)];
	size_t line = n ? n->start_mark.line + 1 : 1;
	size_t col = n ? n->start_mark.column + 1 : 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	verr_set(c->e, "%s:%zu:%zu: %s", c->path, line, col, msg);
	return -1;
}

bool node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null");
}

/* Scalars may carry NUL bytes through escapes ("\0"); C strings cannot. */
static const char *scalar(struct pctx *c, yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		perr(c, n, "'%s' must be a single value", c->key);
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		perr(c, n, "'%s' contains a NUL byte", c->key);
		return NULL;
	}
	return v;
}

int get_str(struct pctx *c, yaml_node_t *n, char *out, size_t size)
{
	const char *v = scalar(c, n);

	if (!v)
		return -1;
	if (!*v || node_is_null(n))
		return perr(c, n, "'%s' must not be empty", c->key);
	if (strlen(v) >= size)
		return perr(c, n, "'%s' is too long (max %zu characters)",
			    c->key, size - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int get_bool(struct pctx *c, yaml_node_t *n, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	const char *v = scalar(c, n);

	if (!v)
		return -1;
	for (size_t i = 0; yes[i]; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return perr(c, n, "'%s' must be true or false", c->key);
}

int get_uint(struct pctx *c, yaml_node_t *n, unsigned lo, unsigned hi,
	     unsigned *out)
{
	const char *v = scalar(c, n);
	unsigned long x;
	char *end;

	if (!v)
		return -1;
	errno = 0;
	x = strtoul(v, &end, 10);
	/* strtoul accepts "-1" and leading blanks; a count must not */
	if (*v < '0' || *v > '9' || *end || errno || x < lo || x > hi)
		return perr(c, n, "'%s' must be an integer from %u to %u",
			    c->key, lo, hi);
	*out = (unsigned)x;
	return 0;
}

int get_double(struct pctx *c, yaml_node_t *n, double lo, double hi,
	       double *out)
{
	const char *v = scalar(c, n);
	double x;
	char *end;

	if (!v)
		return -1;
	errno = 0;
	x = strtod(v, &end);
	/* the negated comparison also refuses NaN */
	if (*v < '0' || *v > '9' || *end || errno || !(x >= lo && x <= hi))
		return perr(c, n, "'%s' must be a number from %g to %g",
			    c->key, lo, hi);
	*out = x;
	return 0;
}

/* Words a person types: any case ("PSK", "MSCHAPv2", "TLS"). The
 * error lists the words of this place only, and what the caller adds
 * (hint, "" for none) about when one of them is valid. */
int get_choice_hint(struct pctx *c, yaml_node_t *n, const char *const *names,
		    const char *hint, int *out)
{
	char list[160] = "";
	const char *v = scalar(c, n);

	if (!v)
		return -1;
	for (int i = 0; names[i]; i++) {
		if (!strcasecmp(v, names[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", names[i]);
	}
	return perr(c, n, "'%s' must be one of: %s (got '%.40s')%s", c->key,
		    list, v, hint);
}

int get_choice(struct pctx *c, yaml_node_t *n, const char *const *names,
	       int *out)
{
	return get_choice_hint(c, n, names, "", out);
}

/* Relative file names are taken relative to the profile's directory so
 * that a profile and its secrets can move together. */
int get_path(struct pctx *c, yaml_node_t *n, char *out, size_t size)
{
	char tmp[PATH_MAX];
	int len;

	if (get_str(c, n, tmp, sizeof(tmp)) < 0)
		return -1;
	if (tmp[0] == '/')
		len = snprintf(out, size, "%s", tmp);
	else
		len = snprintf(out, size, "%s/%s", c->dir, tmp);
	if (len < 0 || (size_t)len >= size)
		return perr(c, n, "'%s' is too long", c->key);
	return 0;
}

int for_each_item(struct pctx *c, yaml_node_t *n, size_t max,
		  int (*fn)(struct pctx *c, yaml_node_t *item, void *arg),
		  void *arg)
{
	yaml_node_item_t *it;
	size_t count = 0;

	if (n->type == YAML_SCALAR_NODE)
		return fn(c, n, arg);
	if (n->type != YAML_SEQUENCE_NODE)
		return perr(c, n, "'%s' must be a value or a list", c->key);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(c->doc, *it);

		if (!item)
			return perr(c, n, "'%s': broken list", c->key);
		if (++count > max)
			return perr(c, item, "too many entries in '%s' (max %zu)",
				    c->key, max);
		if (item->type != YAML_SCALAR_NODE)
			return perr(c, item, "entries of '%s' must be values",
				    c->key);
		if (fn(c, item, arg) < 0)
			return -1;
	}
	if (!count)
		return perr(c, n, "'%s' must not be empty", c->key);
	return 0;
}
