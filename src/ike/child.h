#ifndef VPND_CHILD_H
#define VPND_CHILD_H

#include <stdbool.h>

#include <stdint.h>
#include <sys/socket.h>

#include "vpnd/buf.h"

struct ike_sa;
struct child_sa;
struct child_backend;
struct chunk;
struct engine;

/* The engine has a backend that installs Child SAs (not "none"). */
bool child_kernel_enabled(const struct ike_sa *sa);

/* child_backend.c */
/* Kernel events of from's Child SA go to 'to' (an IKE SA rekey moved
 * the Child SA there). */
void child_move_owner(struct ike_sa *from, struct ike_sa *to);
/* sa has a Child SA in the backend (events are matched to it), or no
 * longer. */
void child_track(struct ike_sa *sa, bool on);
/* A reqid of vpnd's own range for a new Child SA. */
uint32_t child_next_reqid(struct child_backend *b);
/* Bypass policy, and UDP encapsulation for the NAT-T socket. */
void child_socket_setup(struct engine *eng, int fd, int family, bool natt);
/* Removes SAs and policies a previous vpnd left in the backend (after a
 * crash or SIGKILL): those in vpnd's reqid range, and nothing else. */
int child_cleanup_stale(struct engine *eng, struct verr *e);

/* A new Child SA (CREATING) for IKE_AUTH with its inbound SPI reserved
 * (the kernel's, or a random one when kernel installation is off). */
int child_alloc_spi(struct ike_sa *sa, struct verr *e);
/* Reserves an inbound SPI for ch under ch->reqid (a new one if 0). */
int child_reserve_spi(struct ike_sa *sa, struct child_sa *ch,
		      struct verr *e);
/* Derives KEYMAT and installs both SAs and the policies of ch,
 * made in IKE_AUTH (the kernel side only: the caller adds the host side
 * with hostcfg_install or hands it over with hostcfg_take_over). */
int child_install(struct ike_sa *sa, struct child_sa *ch, struct verr *e);
/* The same for a Child SA made by our CREATE_CHILD_SA: KEYMAT =
 * prf+(SK_d, [g^ir |] Ni | Nr) of that exchange. */
int child_install_new(struct ike_sa *sa, struct child_sa *ch,
		      const struct chunk *gir, const struct chunk *ni,
		      const struct chunk *nr, struct verr *e);
/* A rekeyed pair: KEYMAT = prf+(SK_d, [gir |] ni | nr) of the
 * CREATE_CHILD_SA that made it, installed beside the old pair under the
 * same reqid (the policies stay). */
int child_install_pair(struct ike_sa *sa, struct child_sa *ch,
		       const struct chunk *gir, const struct chunk *ni,
		       const struct chunk *nr, bool we_initiated,
		       struct verr *e);
/* The out and in policies of one selector pair (ok false when the
 * kernel cannot hold the pair), tunnel endpoints from sa's addresses. */
struct ts_entry;
struct kernel_policy;
struct kernel_addr;
/* An address (no port) as the backend takes it. */
void child_kaddr(const struct sockaddr_storage *ss, struct kernel_addr *a);
/* ... and back, with a port. */
void child_sockaddr(const struct kernel_addr *a, uint16_t port,
		    struct sockaddr_storage *ss);
void child_policy_pair(struct ike_sa *sa, const struct child_sa *ch,
		       const struct ts_entry *ti, const struct ts_entry *tr,
		       struct kernel_policy *out, struct kernel_policy *in,
		       bool *ok);
/* MOBIKE (RFC 4555): sa's addresses changed from old_local/old_peer to
 * sa->local/sa->peer; its Child SAs and their policies follow in the
 * backend (child_move.c), keys and counters kept. */
int child_move(struct ike_sa *sa, const struct sockaddr_storage *old_local,
	       const struct sockaddr_storage *old_peer, struct verr *e);
/* ESP goes in UDP: IKE is on 4500 because of a NAT (or forced), not
 * merely because MOBIKE moved it there. */
bool sa_esp_in_udp(const struct ike_sa *sa);
/* Removes the outbound SA of a redundant pair at once, so that traffic
 * leaves on the pair that stays; the inbound one waits for the delete. */
void child_remove_out(struct ike_sa *sa, struct child_sa *ch);
/* Removes the SAs of a pair (not the policies); safe to repeat. */
void child_remove_pair(struct ike_sa *sa, struct child_sa *ch);
/* Removes whatever of sa's Child SAs is in the kernel, except policies
 * that 'keep' (the SA replacing it, or NULL) installed over them; safe
 * to repeat. The Child SA objects stay until the SA is freed. */
void child_remove(struct ike_sa *sa, const struct ike_sa *keep);
struct child_counters {
	uint64_t in_bytes, in_packets, out_bytes, out_packets;
};
/* Byte and packet counters of the installed SAs, read from the kernel. */
int child_counters(const struct ike_sa *sa, struct child_counters *out);

/* hostcfg.c: virtual IP, routes and DNS of an installed Child SA. */
int hostcfg_up(struct ike_sa *sa, struct verr *e);
void hostcfg_down(struct ike_sa *sa);
/* hostcfg_up after the Child SA is in the kernel; what failed goes to
 * sa->host_error (the SAs stand, traffic from the virtual IP cannot
 * flow). */
void hostcfg_install(struct ike_sa *sa);
/* The remote selectors cover 0.0.0.0/0 or ::/0. */
bool hostcfg_full_tunnel(const struct ike_sa *sa);
/* sa replaces old (make-before-break), before old is retired: with the
 * same host side sa takes over old's record, so nothing is removed or
 * added; otherwise old's goes and sa's is installed. old may be NULL. */
void hostcfg_take_over(struct ike_sa *sa, struct ike_sa *old);
/* After a MOBIKE move (mobike.c): when the path to the gateway now
 * leaves through another interface or next hop than the one the virtual
 * IP and routes were installed along, they are installed again along
 * it (break before make, the same virtual IP and DNS servers): on the
 * old link they would stop working once it goes down, as the kernel
 * then drops its routes and the local routes of its addresses. A
 * gateway covered by the remote selectors is looked up through our own
 * bypass route, so there nothing moves. */
void hostcfg_follow(struct ike_sa *sa);
/* Removes virtual IPs, routes and DNS settings recorded in the state
 * directory by a vpnd that did not get to undo them. */
int hostcfg_cleanup_stale(struct engine *eng, struct verr *e);
/* The connection's VPN interface (vpnd/netcfg.h), made on first use:
 * with the kernel backend and a virtual IP in sa->cfg, before the
 * Child SA goes into the kernel so that it can carry the if_id. */
int hostcfg_link_ensure(struct ike_sa *sa, struct verr *e);
/* The if_id for sa's Child SAs: the XFRM interface's, or 0 (a TUN
 * device or no VPN interface: the policies match by selector alone). */
uint32_t hostcfg_if_id(const struct ike_sa *sa);
/* The interface index of the connection's VPN interface, for DNS and
 * anything else that is set "on the VPN interface"; 0 when it has none
 * (no virtual IP, a test backend, or its creation failed). */
int hostcfg_vpn_ifindex(const struct ike_sa *sa);
struct conn;
/* The connection ended: deletes its VPN interface. */
void hostcfg_link_release(struct conn *c);
/* The same when none of its SAs has a Child SA in the kernel (the
 * first one's install failed: no interface without a tunnel). */
void hostcfg_link_unused(struct conn *c);
void hostcfg_close(struct engine *eng);

#endif
