/* vpnd: the IKEv2 client daemon. Holds the profiles, runs the engine and
 * answers vpnctl on the control socket; see vpnd(8). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "vpnd/log.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"

#include "conns.h"
#include "vpnd/conn.h"
#include "vpnd/engine.h"
#include "control.h"
#include "journal.h"
#include "sd.h"

#define SHUTDOWN_WAIT_MS 3000 /* for the gateways to confirm DELETE */
/* OpenSSL's secure heap, for PSKs, IKE keys and tickets (chunk_secure_*):
 * a power of two; one SA needs about 2 KiB, a profile's PSK up to 2 KiB. */
#define SECURE_HEAP_BYTES (1u << 20)
#define SECURE_HEAP_MIN 16

struct options {
	const char *profile_dir;
	const char *socket_path;
	const char *group;
	const char *state_dir;
	bool debug;
	bool no_kernel;
};

struct daemon {
	struct loop *l;
	struct engine *eng;
	struct conns *t;
	struct ctl_server *ctl;
	struct sd_service *sd;
	int sigfd;
	bool stopping;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpnd [OPTIONS]\n"
		"IKEv2 VPN client daemon; controlled with vpnctl(8).\n\n"
		"  -f, --foreground       stay in the foreground (always the case)\n"
		"  -p, --profiles DIR     profile directory (default %s)\n"
		"  -s, --socket PATH      control socket (default %s)\n"
		"  -g, --group NAME       group allowed to use the control socket\n"
		"      --state-dir DIR    state directory (default %s)\n"
		"  -d, --debug            log debug messages\n"
		"      --no-kernel        negotiate only; install no SAs or policies\n"
		"      --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n",
		VPND_PROFILE_DIR, VPND_CONTROL_SOCKET, VPND_STATE_DIR);
}

/* Returns -1 to exit 0 (help, version), 1 on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_STATE_DIR = 256, OPT_VERSION, OPT_NO_KERNEL };
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "debug", no_argument, NULL, 'd' },
		{ "no-kernel", no_argument, NULL, OPT_NO_KERNEL },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "fp:s:g:dh", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'f':
			break;
		case 'p':
			o->profile_dir = optarg;
			break;
		case 's':
			o->socket_path = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case 'd':
			o->debug = true;
			break;
		case OPT_NO_KERNEL:
			o->no_kernel = true;
			break;
		case OPT_VERSION:
			printf("vpnd %s\n", VPND_VERSION);
			return -1;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vpnd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	return 0;
}

static void log_profile_error(void *ctx, const char *msg)
{
	log_warn("profile: %s", msg);
}

static void reload_profiles(struct daemon *d)
{
	struct verr e = { "" };
	int n = conns_reload(d->t, log_profile_error, NULL, &e);

	if (n < 0)
		log_err("%s", e.msg);
	else
		log_info("%d profile%s loaded", n, n == 1 ? "" : "s");
}

static void shutdown_done(void *ctx, bool all_down)
{
	struct daemon *d = ctx;

	loop_stop(d->l);
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading profiles");
			reload_profiles(d);
			continue;
		}
		if (d->stopping) {
			log_info("second termination signal: exiting now");
			loop_stop(d->l);
			return;
		}
		log_info("%s: disconnecting and exiting",
			 si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		d->stopping = true;
		sd_service_stopping(d->sd);
		conns_shutdown(d->t, SHUTDOWN_WAIT_MS, shutdown_done, d);
	}
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -1;
	return loop_add_fd(d->l, d->sigfd, EPOLLIN, on_signal, d);
}

/* The engine keeps resumption tickets there; make sure it exists. */
static void check_state_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			log_warn("state directory %s is not a directory", dir);
		return;
	}
	if (mkdir(dir, 0700) < 0)
		log_warn("cannot create state directory %s: %s", dir,
			 strerror(errno));
}

/* Lazy binding runs the dynamic linker's trampoline on the first call of
 * each library function, and the trampoline saves the vector registers
 * on the stack: with them whatever string work left there, pieces of a
 * profile and its PSK. With every symbol bound at start, before any
 * secret is read, that never happens. vpnd asks for it by running itself
 * again with LD_BIND_NOW set (ld.so(8)); if that fails it goes on. */
static void bind_now(char **argv)
{
	if (getenv("LD_BIND_NOW"))
		return;
	if (setenv("LD_BIND_NOW", "1", 1) == 0)
		execv("/proc/self/exe", argv);
	log_warn("cannot run with LD_BIND_NOW: %s", strerror(errno));
}

/* The kernel names a process after the file it executed: "exe" after
 * bind_now's execv. ps, top and pidof show that name, so vpnd takes the
 * one it was started by back (the kernel keeps 15 bytes of it). */
static void keep_name(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	if (base && *base)
		(void)prctl(PR_SET_NAME, base, 0, 0, 0);
}

/* vpnd holds PSKs, private keys and session keys: no core dump of it may
 * be written (a crash dump is readable by whoever collects it), and a
 * ptrace-based dump (root's gcore) must still miss them, which the secure
 * heap's MADV_DONTDUMP pages do. Before any secret is loaded. */
static void protect_secrets(void)
{
	struct rlimit none = { 0, 0 };
	int r;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn("cannot make vpnd non-dumpable: %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &none) < 0)
		log_warn("cannot turn core dumps off: %s", strerror(errno));
	r = CRYPTO_secure_malloc_init(SECURE_HEAP_BYTES, SECURE_HEAP_MIN);
	if (r == 0)
		log_warn("no secure heap: keys live in ordinary memory");
	else if (r == 2)
		log_info("secure heap not locked in memory (RLIMIT_MEMLOCK?); it is still left out of core dumps");
}

static const struct profile_source profile_files = {
	.load_dir = profile_load_dir,
	.free_one = profile_free,
};

/* The engine, after removing what a crashed vpnd left in the kernel
 * and on the host (before any connection installs its own). */
static struct engine *start_engine(struct loop *l, const struct options *o)
{
	struct engine_config cfg = {
		.state_dir = o->state_dir,
		.child = o->no_kernel ? ENGINE_CHILD_NONE : ENGINE_CHILD_KERNEL,
		.watch_network = true,
	};
	struct verr e = { "" };
	struct engine *eng = engine_new(l, &cfg, &e);

	if (!eng) {
		log_err("cannot start the IKE engine: %s", e.msg);
		return NULL;
	}
	if (!o->no_kernel && engine_cleanup_stale(eng, &e) < 0)
		log_warn("cannot undo what an earlier vpnd left: %s", e.msg);
	return eng;
}

static int run(const struct options *o)
{
	struct daemon d = { .sigfd = -1 };
	struct verr e = { "" };
	int rc = 1;

	d.l = loop_new();
	if (!d.l || setup_signals(&d) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	check_state_dir(o->state_dir);
	d.eng = start_engine(d.l, o);
	if (!d.eng)
		goto out;
	d.t = conns_new(d.l, d.eng, o->profile_dir, &profile_files);
	if (d.t)
		d.sd = sd_service_new(d.l, d.t);
	if (!d.t || !d.sd) {
		log_err("out of memory");
		goto out;
	}
	reload_profiles(&d);
	d.ctl = ctl_open(d.l, d.t, o->socket_path, o->group, &e);
	if (!d.ctl) {
		log_err("%s", e.msg);
		goto out;
	}
	log_info("vpnd %s started", VPND_VERSION);
	sd_service_ready(d.sd);
	if (loop_run(d.l) == 0)
		rc = 0;
	log_info("vpnd stopped");
out:
	ctl_close(d.ctl);
	sd_service_free(d.sd);
	conns_free(d.t);
	engine_free(d.eng);
	if (d.sigfd >= 0)
		close(d.sigfd);
	loop_free(d.l);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = {
		.profile_dir = VPND_PROFILE_DIR,
		.socket_path = VPND_CONTROL_SOCKET,
		.state_dir = VPND_STATE_DIR,
	};
	int r = parse_options(argc, argv, &o);

	if (r)
		return r < 0 ? 0 : 2;
	journal_use_if_stderr();
	bind_now(argv);
	keep_name(argv[0]);
	if (o.debug)
		log_set_level(LOG_DBG);
	protect_secrets();
	return run(&o);
}
