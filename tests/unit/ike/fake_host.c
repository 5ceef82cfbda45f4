/* TEST ONLY: the host of fake_host.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "fake_host.h"

struct fake_host fake_host;

void fake_addr4(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, a, &sin->sin_addr);
}

static int route_source(void *ctx, const struct sockaddr_storage *to,
			struct sockaddr_storage *src)
{
	char a[64] = "";

	fake_host.lookups++;
	if (to->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)to)->sin_addr,
			  a, sizeof(a));
	if (!fake_host.route || !strcmp(a, fake_host.unreachable))
		return -1;
	fake_addr4(src, fake_host.src, 0);
	return 0;
}

static bool is_local(void *ctx, const struct sockaddr_storage *a)
{
	struct sockaddr_storage client;

	fake_addr4(&client, FAKE_CLIENT_ADDR, 0);
	return fake_host.have_client ||
	       memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		      &((struct sockaddr_in *)&client)->sin_addr, 4);
}

const struct engine_host_ops fake_host_ops = {
	.route_source = route_source,
	.is_local = is_local,
};

void fake_host_reset(void)
{
	memset(&fake_host, 0, sizeof(fake_host));
	fake_host.route = fake_host.have_client = true;
	snprintf(fake_host.src, sizeof(fake_host.src), FAKE_CLIENT_ADDR);
}

void fake_host_move(void)
{
	fake_host.have_client = false;
	snprintf(fake_host.src, sizeof(fake_host.src), FAKE_OTHER_ADDR);
}
