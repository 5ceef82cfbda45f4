/* The engine object's insides, for the files of src/ike that work on
 * its parts: net.c (sockets, routing table), child.c (Child SA backend,
 * kernel events), hostcfg.c, ticket_req.c and resolve.c. */
#ifndef VPND_ENGINE_INT_H
#define VPND_ENGINE_INT_H

#include "resolve.h"
#include "vpnd/engine.h"
#include "vpnd/ticket.h"

struct ike_sa;
struct netcfg;

/* One per IKE SA, keyed by our SPI (whichever side of the header it is
 * on); the table grows with the SAs. */
struct receiver {
	bool used;
	uint8_t spi[8];
	void (*fn)(void *ctx, const uint8_t *msg, size_t len,
		   const struct sockaddr_storage *from, bool natt);
	void *ctx;
};

struct net {
	int socks[2][2];                /* [family index][natt] */
	uint16_t ports[2][2];
	struct receiver *receivers;
	size_t n_receivers;
	engine_send_fn send_hook;
	void *send_hook_ctx;
};

struct child_backend {
	enum engine_child kind;
	const struct child_backend_ops *ops; /* NULL: install nothing */
	void *ctx;
	struct kernel *kern;            /* ENGINE_CHILD_KERNEL, opened on
					   first use */
	struct kernel_monitor *monitor; /* ... its events */
	uint32_t next_reqid;
	/* IKE SAs with a Child SA in the backend, to match events to; the
	 * list grows with the connections. */
	struct ike_sa **installed;
	size_t n_installed, cap_installed;
};

struct engine {
	struct loop *loop;
	/* The connections made on it (conn_new/conn_free), for the path
	 * checks; slots freed while they run are NULL until they end. */
	struct conn **conns;
	size_t n_conns, cap_conns;
	bool walking_conns;
	const struct engine_host_ops *host;
	void *host_ctx;
	struct netmon *netmon;
	struct suspend_watch *suspend;
	char *state_dir;                /* NULL: nothing kept on disk */
	struct net net;
	struct child_backend child;
	struct netcfg *ncfg;            /* hostcfg.c, opened on first use */
	uint32_t next_if_id;            /* hostcfg.c: the next VPN interface's */
	bool host_config;               /* engine_config.host_config */
	struct ticket_store *tickets;   /* ticket_req.c, ... */
	struct resolver *resolver;      /* resolve.c */
};

/* child.c: the backend's set-up and teardown (engine_new/free). */
int child_backend_open(struct engine *eng, const struct engine_config *cfg,
		       struct verr *e);
void child_backend_close(struct engine *eng);
/* net.c */
void net_init(struct net *n);
void net_close(struct engine *eng);
extern const struct engine_host_ops net_host_ops;
/* engine.c */
int engine_add_conn(struct engine *eng, struct conn *c);
void engine_remove_conn(struct engine *eng, struct conn *c);

#endif
