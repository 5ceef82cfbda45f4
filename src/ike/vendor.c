/* vpnd's Vendor ID and the private extensions it stands for. A private
 * notify number means something only between peers that agreed on it
 * (RFC 7296 3.10.1): 40960 is libreswan's NULL_AUTH, 40961 strongSwan's
 * USE_BEET_MODE. So vpnd shows its Vendor ID in IKE_SA_INIT and
 * IKE_SESSION_RESUME, and sends or believes its private notifies only
 * when the gateway showed the same one back. */
#include "ike_sa.h"
#include "vpnd/log.h"

void vendor_add(struct pl_chain *c)
{
	chain_add(c, PL_VENDOR, VPND_VENDOR_ID, VPND_VENDOR_ID_LEN);
}

void vendor_take(struct ike_sa *sa, const struct payload_list *pl)
{
	sa->peer_vpnd = vendor_id_present(pl, (const uint8_t *)VPND_VENDOR_ID,
					  VPND_VENDOR_ID_LEN);
	log_dbg("%s: gateway %s vpnd's Vendor ID: private extensions %s",
		sa->prof->name, sa->peer_vpnd ? "showed" : "did not show",
		sa->peer_vpnd ? "on" : "off");
}

bool vendor_agreed(const struct ike_sa *sa, const char *what)
{
	if (!sa->peer_vpnd)
		log_dbg("%s: %s: the gateway did not show vpnd's Vendor ID",
			sa->prof->name, what);
	return sa->peer_vpnd;
}
