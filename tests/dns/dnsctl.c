/* vpnd-test-dnsctl: the DNS half of vpnd's host side, driven from a
 * script, for the dns suite against a real systemd-resolved. It makes
 * the calls hostcfg.c makes (netcfg_dns_apply, the record saved under
 * the state directory, netcfg_tunnel_down), so a test can apply DNS on a
 * link of its choosing where this kernel cannot carry ESP, and play a
 * vpnd that dies with its DNS applied (hold, then SIGKILL).
 *
 *   vpnd-test-dnsctl apply STATEDIR CONN IFNAME [-d DOMAIN]... [-f] SERVER...
 *   vpnd-test-dnsctl hold  ...the same, then waits for a signal
 *   vpnd-test-dnsctl down  STATEDIR CONN
 *
 * -f: every name (a full tunnel: "~." and the default route). */
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpnd/netcfg.h"

static int usage(void)
{
	fprintf(stderr, "usage: vpnd-test-dnsctl apply|hold STATEDIR CONN "
		"IFNAME [-d DOMAIN]... [-f] SERVER...\n"
		"       vpnd-test-dnsctl down STATEDIR CONN\n");
	return 2;
}

static int apply(int argc, char **argv, bool hold)
{
	const char *dir = argv[2], *conn = argv[3];
	struct netcfg_ip *servers = calloc((size_t)argc, sizeof(*servers));
	const char **domains = calloc((size_t)argc, sizeof(*domains));
	struct netcfg_dns_config c = { 0 };
	struct netcfg_record rec;
	struct verr e = { { 0 } };
	int i;

	if (!servers || !domains)
		return 1;
	c.ifindex = (int)if_nametoindex(argv[4]);
	c.servers = servers;
	c.domains = domains;
	for (i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "-f"))
			c.default_route = true;
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			domains[c.n_domains++] = argv[++i];
		else if (netcfg_ip_parse(argv[i], &servers[c.n_servers]))
			c.n_servers++;
		else
			return usage();
	}
	if (netcfg_record_init(&rec, conn, &e) < 0 ||
	    netcfg_dns_apply(&c, &rec.dns, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	rec.has_dns = true;
	if (netcfg_record_save(dir, conn, &rec, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	printf("method=%s link=%s ifindex=%d\n",
	       netcfg_dns_method_name(rec.dns.method), rec.dns.link,
	       rec.dns.ifindex);
	fflush(stdout);
	free(servers);
	free(domains);
	if (hold)
		for (;;)
			pause();
	return 0;
}

static int down(const char *dir, const char *conn)
{
	struct netcfg_record rec;
	struct verr e = { { 0 } };
	struct netcfg *n = netcfg_open(&e);

	if (!n || netcfg_record_load(dir, conn, &rec, &e) < 0 ||
	    netcfg_tunnel_down(n, dir, &rec, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		netcfg_close(n);
		return 1;
	}
	netcfg_close(n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "apply"))
		return apply(argc, argv, false);
	if (argc >= 6 && !strcmp(argv[1], "hold"))
		return apply(argc, argv, true);
	if (argc == 4 && !strcmp(argv[1], "down"))
		return down(argv[2], argv[3]);
	return usage();
}
