/* Private state shared by the profile loader's files. */
#ifndef VPND_PROFILE_INTERNAL_H
#define VPND_PROFILE_INTERNAL_H

#include <sys/stat.h>

#include <yaml.h>

#include "vpnd/profile.h"

/* Profiles are small hand-written files; anything bigger is a mistake. */
#define PROFILE_FILE_MAX (256 * 1024)
#define PSK_FILE_MAX 1024

struct pctx {
	const char *path;
	char dir[PATH_MAX];          /* base for relative file names */
	struct stat st;              /* of the profile file itself */
	yaml_document_t *doc;
	struct profile *p;
	struct verr *e;
	const char *section;         /* for "unknown key" messages */
	const char *key;             /* for type error messages */

	/* nodes remembered for the cross-field checks after the walk */
	yaml_node_t *root;
	yaml_node_t *n_connection, *n_local, *n_remote;
	yaml_node_t *n_local_auth, *n_remote_auth, *n_psk, *n_psk_file;
	yaml_node_t *n_name, *n_cert, *n_key, *n_ca, *n_crl, *n_send_id;
	yaml_node_t *n_ts_dynamic;
	yaml_node_t *n_eap, *n_eap_method, *n_eap_identity, *n_password_file;
	yaml_node_t *n_child_rekey;
	char psk_file[PATH_MAX];
	char password_file[PATH_MAX];
	bool remote_auth_set, send_id_set, ts_local_set, ts_remote_set;
	bool ts_dynamic;
};

typedef int (*key_fn)(struct pctx *c, yaml_node_t *val);

struct key_def {
	const char *key;
	key_fn fn;
};

struct section_def {
	const char *name;
	const struct key_def *keys;
};

extern const struct key_def connection_keys[], local_keys[], remote_keys[];
extern const struct key_def ike_keys[], esp_keys[], ts_keys[];
extern const struct key_def ipv4_keys[], ipv6_keys[], redirect_keys[];
extern const struct key_def resumption_keys[], timers_keys[], eap_keys[];

/* yaml_get.c: typed access to nodes; every failure sets "file:line:col". */
int perr(struct pctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool node_is_null(const yaml_node_t *n);
int get_str(struct pctx *c, yaml_node_t *n, char *out, size_t size);
int get_bool(struct pctx *c, yaml_node_t *n, bool *out);
int get_uint(struct pctx *c, yaml_node_t *n, unsigned lo, unsigned hi,
	     unsigned *out);
int get_double(struct pctx *c, yaml_node_t *n, double lo, double hi,
	       double *out);
int get_choice_hint(struct pctx *c, yaml_node_t *n, const char *const *names,
		    const char *hint, int *out);
int get_choice(struct pctx *c, yaml_node_t *n, const char *const *names,
	       int *out);
int get_path(struct pctx *c, yaml_node_t *n, char *out, size_t size);
/* Calls fn for every item of a sequence (or for a lone scalar). */
int for_each_item(struct pctx *c, yaml_node_t *n, size_t max,
		  int (*fn)(struct pctx *c, yaml_node_t *item, void *arg),
		  void *arg);

/* addr.c */
bool is_ip_literal(const char *s);
bool is_hostname(const char *s);
/* "a.b.c.d/nn", "x::/nn" or a bare address; fails on host bits. */
bool parse_cidr(const char *s, struct ts_cfg *ts, char *why, size_t whylen);
bool valid_redirect_target(const char *s);

/* ident.c */
int profile_id_parse(const char *s, struct profile_id *id, char *why,
		     size_t whylen);
bool valid_id_pattern(const char *s);

/* secrets.c */
int check_secret_mode(const char *path, const struct stat *st,
		      struct verr *e);
int load_psk_file(struct pctx *c);
/* eap.password-file into p->eap_password, with the psk-file's rules. */
int load_password_file(struct pctx *c);
int check_key_file(struct pctx *c);
int check_readable(struct pctx *c, yaml_node_t *n, const char *what,
		   const char *path);

/* walk.c: the sections of the document's root mapping */
int walk_root(struct pctx *c);

/* validate.c */
int profile_finish(struct pctx *c);

#endif
