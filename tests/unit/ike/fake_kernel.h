/* TEST ONLY: a Child SA backend (vpnd/engine.h) that keeps in memory
 * what the engine would have put into the kernel, so that tests can
 * look at it and make an operation fail. */
#ifndef VPND_TEST_FAKE_KERNEL_H
#define VPND_TEST_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "vpnd/engine.h"

struct fake_sa {
	uint32_t spi, reqid;
	bool inbound;
	bool larval;                    /* reserved, not filled in */
	struct kernel_addr src, dst;
	size_t key_len;                 /* encryption key and salt */
	bool encap;                     /* ESP in UDP (after a move) */
	uint16_t encap_sport, encap_dport; /* ... with these ports */
	uint64_t soft_secs, hard_secs;
	uint32_t if_id;                 /* XFRMA_IF_ID, 0 = none */
};

struct fake_kernel {
	struct fake_sa *sas;
	size_t n_sas, cap_sas;
	struct kernel_policy *pols;
	size_t n_pols, cap_pols;
	uint32_t next_spi;
	unsigned spis_allocated;
	bool fail_add_sa;               /* the next add_sa fails */
	unsigned migrations;            /* migrate calls */
	bool fail_migrate;              /* ... fail */
};

extern const struct child_backend_ops fake_kernel_ops;

/* The SA of that SPI, or NULL. */
const struct fake_sa *fake_kernel_sa(const struct fake_kernel *k,
				     uint32_t spi);
void fake_kernel_free(struct fake_kernel *k);
/* A suite's set-up: test_engine (harness.h) with k, emptied, as its
 * Child SA backend and host as its view of the host (NULL: the real
 * one); fake_kernel_engine_end gives the suites after it the default
 * engine back and frees what k holds. */
int fake_kernel_engine(struct fake_kernel *k,
		       const struct engine_host_ops *host);
int fake_kernel_engine_end(struct fake_kernel *k);

#endif
