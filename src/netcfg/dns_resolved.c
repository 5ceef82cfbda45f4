/* systemd-resolved through its D-Bus API (org.freedesktop.resolve1(5)),
 * with sd-bus: per-link servers, routing-only domains and the default
 * route, all on the VPN's own link, and RevertLink to undo them. The
 * calls are synchronous and bounded by DNS_TIMEOUT_MS; resolved answers
 * them from memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "dns_internal.h"
#include "netcfg_internal.h"

#define RESOLVE1 "org.freedesktop.resolve1"
#define RESOLVE1_PATH "/org/freedesktop/resolve1"
#define RESOLVE1_MANAGER "org.freedesktop.resolve1.Manager"
#define NO_SUCH_LINK "org.freedesktop.resolve1.NoSuchLink"

static sd_bus *bus_open(int *err)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);

	if (r >= 0)
		r = sd_bus_set_method_call_timeout(bus,
						   DNS_TIMEOUT_MS * 1000ULL);
	if (r < 0) {
		sd_bus_flush_close_unref(bus);
		*err = -r;
		return NULL;
	}
	return bus;
}

int nc_resolved_present(void)
{
	sd_bus_error be = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int err, has = 0;
	sd_bus *bus = bus_open(&err);

	if (!bus)
		return 0;
	if (sd_bus_call_method(bus, "org.freedesktop.DBus",
			       "/org/freedesktop/DBus", "org.freedesktop.DBus",
			       "NameHasOwner", &be, &reply, "s", RESOLVE1) < 0 ||
	    sd_bus_message_read(reply, "b", &has) < 0)
		has = 0;
	sd_bus_error_free(&be);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return has ? 1 : 0;
}

/* "setting DNS servers on link tun0 (7): <D-Bus error>" */
static int fail(struct verr *e, const char *what, const char *link,
		int ifindex, const sd_bus_error *be, int r)
{
	verr_set(e, "%s on link %s (%d): %s", what, link, ifindex,
		 be && sd_bus_error_is_set(be) && be->message ? be->message :
								 strerror(-r));
	errno = -r;
	return -1;
}

static int call(sd_bus *bus, sd_bus_message *m, const char *what,
		const char *link, int ifindex, struct verr *e)
{
	sd_bus_error be = SD_BUS_ERROR_NULL;
	int r = sd_bus_call(bus, m, 0, &be, NULL);

	if (r < 0)
		fail(e, what, link, ifindex, &be, r);
	sd_bus_error_free(&be);
	return r < 0 ? -1 : 0;
}

static int new_call(sd_bus *bus, const char *member, int ifindex,
		    sd_bus_message **m)
{
	int r = sd_bus_message_new_method_call(bus, m, RESOLVE1,
					       RESOLVE1_PATH,
					       RESOLVE1_MANAGER, member);

	return r < 0 ? r : sd_bus_message_append(*m, "i", ifindex);
}

/* A call whose message was built with rc the last step's result: sent
 * when the building went well; the message freed either way. */
static int send_built(sd_bus *bus, sd_bus_message *m, int rc,
		      const char *what, const char *link, int ifindex,
		      struct verr *e)
{
	if (rc < 0)
		rc = fail(e, what, link, ifindex, NULL, rc);
	else
		rc = call(bus, m, what, link, ifindex, e);
	sd_bus_message_unref(m);
	return rc;
}

/* SetLinkDNS(i ifindex, a(iay) addresses) */
static int set_dns(sd_bus *bus, const struct netcfg_dns_config *c,
		   const char *link, struct verr *e)
{
	sd_bus_message *m = NULL;
	size_t i;
	int r = new_call(bus, "SetLinkDNS", c->ifindex, &m);

	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(iay)");
	for (i = 0; r >= 0 && i < c->n_servers; i++) {
		const struct netcfg_ip *s = &c->servers[i];

		r = sd_bus_message_open_container(m, 'r', "iay");
		if (r >= 0)
			r = sd_bus_message_append(m, "i", s->family);
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', s->bytes,
							nc_addr_len(s->family));
		if (r >= 0)
			r = sd_bus_message_close_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return send_built(bus, m, r, "setting DNS servers", link, c->ifindex, e);
}

/* SetLinkDomains(i ifindex, a(sb) domains): every one routing-only, so
 * it routes queries and is no search domain; "." is the catch-all. */
static int set_domains(sd_bus *bus, const struct netcfg_dns_config *c,
		       const char *link, struct verr *e)
{
	sd_bus_message *m = NULL;
	size_t i;
	int r = new_call(bus, "SetLinkDomains", c->ifindex, &m);

	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sb)");
	for (i = 0; r >= 0 && i < c->n_domains; i++)
		r = sd_bus_message_append(m, "(sb)", c->domains[i], 1);
	if (r >= 0 && c->default_route)
		r = sd_bus_message_append(m, "(sb)", ".", 1);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return send_built(bus, m, r, "setting DNS domains", link, c->ifindex, e);
}

static int simple_call(sd_bus *bus, const char *member, int ifindex,
		       const char *what, const char *link, const char *sig,
		       int arg, struct verr *e)
{
	sd_bus_error be = SD_BUS_ERROR_NULL;
	int r;

	r = sig ? sd_bus_call_method(bus, RESOLVE1, RESOLVE1_PATH,
				     RESOLVE1_MANAGER, member, &be, NULL, sig,
				     ifindex, arg) :
		  sd_bus_call_method(bus, RESOLVE1, RESOLVE1_PATH,
				     RESOLVE1_MANAGER, member, &be, NULL, "i",
				     ifindex);
	if (r < 0 && !strcmp(member, "RevertLink") &&
	    sd_bus_error_has_name(&be, NO_SUCH_LINK))
		r = 0; /* the link went, and its settings with it */
	if (r < 0)
		fail(e, what, link, ifindex, &be, r);
	sd_bus_error_free(&be);
	return r < 0 ? -1 : 0;
}

int nc_resolved_apply(const struct netcfg_dns_config *c, const char *link,
		      struct verr *e)
{
	int err, rc;
	sd_bus *bus = bus_open(&err);

	if (!bus) {
		verr_set(e, "connecting to the system bus: %s",
			 strerror(err));
		errno = err;
		return -1;
	}
	rc = set_dns(bus, c, link, e);
	if (rc == 0)
		rc = set_domains(bus, c, link, e);
	if (rc == 0)
		rc = simple_call(bus, "SetLinkDefaultRoute", c->ifindex,
				 "setting the DNS default route", link, "ib",
				 c->default_route, e);
	if (rc < 0) {
		err = errno;
		(void)simple_call(bus, "RevertLink", c->ifindex, "reverting",
				  link, NULL, 0, NULL);
		errno = err;
	}
	sd_bus_flush_close_unref(bus);
	return rc;
}

int nc_resolved_revert(int ifindex, const char *link, struct verr *e)
{
	int err, rc;
	sd_bus *bus = bus_open(&err);

	if (!bus) {
		verr_set(e, "reverting DNS on link %s: connecting to the "
			 "system bus: %s", link, strerror(err));
		errno = err;
		return -1;
	}
	rc = simple_call(bus, "RevertLink", ifindex, "reverting DNS", link,
			 NULL, 0, e);
	sd_bus_flush_close_unref(bus);
	return rc;
}
