/* Command line of vpnd-testgw, turned into a responder configuration. */
#ifndef VPND_TESTGW_OPTS_H
#define VPND_TESTGW_OPTS_H

#include <stdbool.h>

#include "responder.h"

struct testgw_opts {
	struct responder_cfg cfg;
	bool verbose;
};

/* 0 to run, 1 after --help, -1 on a usage error (message in *e). */
int testgw_parse(int argc, char **argv, struct testgw_opts *o,
		 struct verr *e);
void testgw_usage(const char *prog);

#endif
