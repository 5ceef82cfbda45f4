/* Shared by the engine's test programs (unit/ike, unit/redirect): the
 * connection's status as values (conn_status_get), and the pieces of it
 * tests compare most. */
#ifndef VPND_TEST_STATUS_H
#define VPND_TEST_STATUS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vpnd/conn.h"

/* A snapshot of c's status (one static buffer: valid until the next). */
static inline const struct conn_status *status_of(const struct conn *c)
{
	static struct conn_status st;

	conn_status_get(c, &st);
	return &st;
}

/* The address of the current IKE SA's gateway ("127.0.0.1"), or "". */
static inline const char *status_peer(const struct conn_status *st)
{
	static char text[INET6_ADDRSTRLEN];
	const struct sockaddr_storage *ss = &st->ike.peer;

	text[0] = '\0';
	if (!st->has_sa)
		return text;
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  text, sizeof(text));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ss)->sin6_addr, text,
			  sizeof(text));
	return text;
}

/* The virtual IPv4 address as text, or "". */
static inline const char *status_vip4(const struct conn_status *st)
{
	static char text[INET_ADDRSTRLEN];

	text[0] = '\0';
	if (st->vip.has_ip4)
		inet_ntop(AF_INET, st->vip.ip4, text, sizeof(text));
	return text;
}

/* Whether entry i of c's redirect history went from -> to in the
 * exchange. */
static inline bool status_redirected(const struct conn *c, size_t i,
				     const char *from, const char *to,
				     uint8_t exchange)
{
	struct conn_redirect rd;

	return conn_redirect_get(c, i, &rd) && !strcmp(rd.from, from) &&
	       !strcmp(rd.to, to) && rd.exchange == exchange;
}

#endif
