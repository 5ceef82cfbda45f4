/* The engine object (vpnd/engine.h) with the Child SA test double
 * (fake_kernel.h): what IKE_AUTH installs and a teardown removes, an
 * install that fails, the kernel's expire events, crash leftovers, and
 * two engines that do not see each other's IKE SAs. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "child.h"
#include "fake_kernel.h"
#include "harness.h"
#include "mem.h"

#define REQID_FIRST 0x7670000u /* vpnd's range, child_backend.c */

static struct mem m;
static struct fake_kernel fk;

static int use_double(void)
{
	return fake_kernel_engine(&fk, NULL);
}

static int back_to_none(void)
{
	return fake_kernel_engine_end(&fk);
}

static bool ours(uint32_t reqid)
{
	return reqid >= REQID_FIRST && reqid <= REQID_FIRST + 0xffffu;
}

/* IKE_AUTH puts both SAs and the policies into the backend, under one
 * reqid of vpnd's range; freeing the connection takes them out. */
static void test_install_and_remove(void)
{
	const struct fake_sa *in, *out;
	struct conn_status st;
	size_t i;

	mem_begin(&m);
	mem_established(&m);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_TRUE(st.child.installed);
	CU_ASSERT_EQUAL(fk.spis_allocated, 1);
	CU_ASSERT_EQUAL(fk.n_sas, 2);
	in = fake_kernel_sa(&fk, get_u32(st.child.spi_in));
	out = fake_kernel_sa(&fk, get_u32(st.child.spi_out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_TRUE(in->inbound);
	CU_ASSERT_FALSE(in->larval);
	CU_ASSERT_FALSE(out->inbound);
	CU_ASSERT_EQUAL(get_u32(st.child.spi_out), get_u32(m.gw_esp_spi));
	CU_ASSERT_EQUAL(in->reqid, out->reqid);
	CU_ASSERT_TRUE(ours(in->reqid));
	CU_ASSERT_EQUAL(in->key_len, 16 + 4); /* AES-GCM-128 key, salt */
	CU_ASSERT_EQUAL(out->soft_secs, m.prof.child_rekey_time);
	/* out, in and fwd for each selector pair */
	CU_ASSERT_TRUE(fk.n_pols > 0 && fk.n_pols % 3 == 0);
	for (i = 0; i < fk.n_pols; i++)
		CU_ASSERT_EQUAL(fk.pols[i].reqid, in->reqid);
	mem_end(&m);
	CU_ASSERT_EQUAL(fk.n_sas, 0);
	CU_ASSERT_EQUAL(fk.n_pols, 0);
}

/* The backend refuses the SA: the IKE SA stands, without a tunnel, and
 * status says why; what was put in is taken out again. */
static void test_install_fails(void)
{
	struct conn_status st;

	mem_begin(&m);
	fk.fail_add_sa = true;
	mem_established(&m);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_NO_TUNNEL);
	CU_ASSERT_FALSE(st.child.installed);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.state_text, "not installed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(st.state_text, "(fake)"));
	CU_ASSERT_EQUAL(m.n_no_tunnel, 1);
	CU_ASSERT_EQUAL(fk.n_pols, 0);
	CU_ASSERT_EQUAL(fk.n_sas, 0); /* the reserved SPI released too */
	mem_end(&m);
	CU_ASSERT_EQUAL(fk.n_sas, 0);
}

/* The kernel's EXPIRE; at the hard limit the kernel has removed the SA
 * already. */
static void expire(uint32_t spi, bool hard)
{
	struct kernel_event ev;

	if (hard)
		CU_ASSERT_EQUAL(fake_kernel_ops.del_sa(&fk, NULL, spi, 50, NULL,
						       NULL), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = KERNEL_EV_EXPIRE;
	ev.spi = spi;
	ev.proto = 50;
	ev.hard = hard;
	engine_child_event(test_engine, &ev);
}

/* A soft expire of our inbound SA starts its rekey (CREATE_CHILD_SA);
 * one of an SA that is not ours changes nothing; a hard one ends the
 * tunnel, and status says so. */
static void test_expire_events(void)
{
	struct conn_status st;
	size_t sent;

	mem_begin(&m);
	mem_established(&m);
	mem_status(&m, &st);
	sent = m.n_sent;
	expire(0xc0ffee00u, false);
	CU_ASSERT_EQUAL(m.n_sent, sent);
	expire(get_u32(st.child.spi_in), false);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, sent + 1);
	CU_ASSERT_EQUAL(mem_last(&m)->p[18], EXCH_CREATE_CHILD_SA);
	expire(get_u32(st.child.spi_in), true);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_NO_TUNNEL);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.state_text, "hard lifetime"));
	/* its outbound twin expires at the same limit */
	expire(get_u32(st.child.spi_out), true);
	mem_end(&m);
	/* the rekey's reserved SPI went with the connection */
	CU_ASSERT_EQUAL(fk.n_sas, 0);
	CU_ASSERT_EQUAL(fk.n_pols, 0);
}

/* What a crashed vpnd left: SAs and policies of vpnd's reqid range go,
 * another daemon's stay. */
static void test_cleanup_stale(void)
{
	struct kernel_policy pol;
	struct kernel_sa sa;
	struct verr e = { { 0 } };

	memset(&sa, 0, sizeof(sa));
	sa.spi = 0xc0000001u;
	sa.reqid = REQID_FIRST + 7;
	CU_ASSERT_EQUAL(fake_kernel_ops.add_sa(&fk, &sa, &e), 0);
	sa.spi = 0xc0000002u;
	sa.reqid = 1; /* strongSwan's */
	CU_ASSERT_EQUAL(fake_kernel_ops.add_sa(&fk, &sa, &e), 0);
	memset(&pol, 0, sizeof(pol));
	pol.dir = KERNEL_DIR_OUT;
	pol.reqid = REQID_FIRST + 7;
	CU_ASSERT_EQUAL(fake_kernel_ops.add_policy(&fk, &pol, &e), 0);
	pol.dir = KERNEL_DIR_IN;
	pol.reqid = 1;
	CU_ASSERT_EQUAL(fake_kernel_ops.add_policy(&fk, &pol, &e), 0);
	CU_ASSERT_EQUAL(engine_cleanup_stale(test_engine, &e), 0);
	CU_ASSERT_EQUAL_FATAL(fk.n_sas, 1);
	CU_ASSERT_EQUAL(fk.sas[0].reqid, 1);
	CU_ASSERT_EQUAL_FATAL(fk.n_pols, 1);
	CU_ASSERT_EQUAL(fk.pols[0].reqid, 1);
	fake_kernel_free(&fk);
}

/* A datagram handed to another engine does not reach this engine's IKE
 * SA: the routing tables are the engines' own. */
static void test_engines_apart(void)
{
	struct engine_config cfg = { .child = ENGINE_CHILD_NONE };
	struct sockaddr_storage from;
	struct verr e = { { 0 } };
	struct engine *other;
	struct ike_sa *sa;
	struct wbuf d;
	size_t sent;

	other = engine_new(test_loop, &cfg, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	mem_begin(&m);
	sa = mem_established(&m);
	mem_chain(&m);
	mem_datagram(&m, sa, EXCH_INFORMATIONAL, 0, mem_gw_flags(sa, false),
		     &d);
	sent = m.n_sent;
	memcpy(&from, &sa->peer, sizeof(from));
	engine_input(other, d.p, d.len, &from, false);
	CU_ASSERT_EQUAL(m.n_sent, sent);
	mem_deliver(&d);
	CU_ASSERT_EQUAL(m.n_sent, sent + 1); /* answered on its own engine */
	wb_free(&d);
	mem_end(&m);
	engine_free(other);
}

void register_engine_tests(void)
{
	CU_pSuite s = CU_add_suite("engine and Child SA backend", use_double,
				   back_to_none);

	CU_add_test(s, "Child SA installed and removed", test_install_and_remove);
	CU_add_test(s, "Child SA install fails", test_install_fails);
	CU_add_test(s, "kernel expire events", test_expire_events);
	CU_add_test(s, "a crashed vpnd's SAs and policies", test_cleanup_stale);
	CU_add_test(s, "two engines apart", test_engines_apart);
}
