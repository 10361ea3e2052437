// SPDX-License-Identifier: GPL-2.0-only
/*
 * fwd-listener: accepts clients, reads where they want to go (native line,
 * HTTP CONNECT or SOCKS5), connects there if the policy allows it, and hands
 * the connected pair to the forwarder kernel module (or relays it itself).
 * This file: options, listening sockets, daemon mode, configuration reload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listener.h"

#define DEFAULT_CONFIG "/etc/forwarder/listener.conf"

struct options opt = {
	.proc_dir = "/proc/forwarder",
	.instr_timeout_ms = 10000,
	.connect_timeout_ms = 10000,
	.handoff_timeout_ms = 2000,
	.max_clients = 50000,
};
struct policy policy;
struct host_addrs host_addrs = { .watch_fd = -1 };

/* --allow and --user, kept to rebuild the policy on SIGHUP. */
static const char **cli_rules, **cli_users;
static int ncli_rules, ncli_users;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: fwd-listener [OPTION]...\n"
"Accept TCP clients, read where each wants to go (native \"CONNECT host:port\",\n"
"HTTP CONNECT or SOCKS5), connect there if the allow-list permits it, and hand\n"
"the pair of sockets to the forwarder kernel module through\n"
"/proc/forwarder/forward; relay it with splice(2) when the module cannot.\n"
"\n"
"  -p, --port N             listen on port N and write N to /proc/forwarder/listen_port\n"
"                           (default: the port read from that file)\n"
"  -b, --bind ADDR          listen on ADDR only (repeatable; default 0.0.0.0 and ::)\n"
"  -c, --config FILE        allow-list file (default " DEFAULT_CONFIG " if present)\n"
"  -a, --allow 'NET PORTS'  allow NET (CIDR, address or 'any') on PORTS ('*', N, N-M,\n"
"                           comma lists); repeatable, tried before the file's rules\n"
"  -u, --user NAME:HASH     require credentials (SOCKS5 user/password, HTTP Basic,\n"
"                           native 'NAME:PASS' word); HASH is the password's crypt(3)\n"
"                           hash (a password itself is refused: ps shows it); repeatable\n"
"  -s, --stats FILE         write the counters to FILE every second, on SIGUSR1 and at exit\n"
"  -d, --daemon             detach and log to syslog (unless --log-file)\n"
"  -l, --log-file FILE      log to FILE (reopened on SIGHUP)\n"
"  -P, --pidfile FILE       write the daemon's pid to FILE\n"
"  -v, --verbose            log every connection; twice: debug\n"
"  -q, --quiet              log errors and warnings only\n"
"      --log-format FMT     text (default) or json: one JSON object a line\n"
"      --no-handoff         never hand off: relay every connection ourselves\n"
"      --proc-dir DIR       the forwarder's /proc directory (default /proc/forwarder)\n"
"      --instruction-timeout SEC  time a client has to send its instruction (default 10)\n"
"      --connect-timeout SEC      time to resolve and connect to the server (default 10)\n"
"      --handoff-timeout MS       time the kernel has to take the pair before we relay it\n"
"                                 ourselves instead (default 2000)\n"
"      --max-clients N      stop accepting while N connections are open (default 50000,\n"
"                           less when RLIMIT_NOFILE cannot give each six descriptors)\n"
"  -t, --check              check the configuration (options and config file), print\n"
"                           the verdict and exit: 0 if it is valid, 1 if not\n"
"  -h, --help               this help\n"
"  -V, --version            the version\n"
"\n"
"Signals: SIGTERM/SIGINT stop accepting and exit once the connections the daemon\n"
"still serves have ended (a second one exits at once; connections the kernel\n"
"splices are never affected); SIGUSR1 logs the counters; SIGHUP reloads the\n"
"config file and reopens the log file.\n"
"Without the kernel module every connection is relayed (counted as a fallback).\n"
"Nothing is allowed unless a rule allows it.\n");
}

static int num_arg(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "fwd-listener: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return (int)v;
}

/* Build a policy from the config file and the command line: 0 or -1 (logged). */
static int build_policy(struct policy *p, int at_start)
{
	const char *path = opt.config;
	char e[300], line[600];

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < ncli_rules; i++) {
		snprintf(line, sizeof(line), "allow %s", cli_rules[i]);
		if (policy_add_line(p, line, e, sizeof(e))) {
			err("--allow '%s': %s", cli_rules[i], e);
			goto fail;
		}
	}
	for (int i = 0; i < ncli_users; i++)
		if (policy_add_user(p, cli_users[i], e, sizeof(e))) {
			err("--user: %s", e);
			goto fail;
		}
	if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	if (path && policy_load(p, path, e, sizeof(e))) {
		err("config: %s", e);
		goto fail;
	}
	for (size_t i = 0; i < p->nusers; i++)
		if (!p->users[i].hashed)
			warn("user %s: a plain-text password; store its crypt(3) hash instead "
			     "(mkpasswd -m yescrypt, or openssl passwd -6)", p->users[i].name);
	if (at_start || path)
		info("policy: %zu rule(s)%s, %zu user(s)%s", p->nrules,
		     path ? " incl. the config file's" : "", p->nusers,
		     p->nrules ? "" : ": every destination is refused (see --allow, --config)");
	return 0;
fail:
	policy_free(p);
	return -1;
}

void main_reload(void)
{
	struct policy p;

	notify_reloading();
	if (build_policy(&p, 0) < 0) {
		warn("reload failed, keeping the previous policy");
		notify_ready();
		return;
	}
	policy_free(&policy);
	policy = p;
	info("policy reloaded");
	notify_ready();
}

static int open_listener(const char *addr, int port, int quiet_v6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		err("--bind: '%s' is not an IPv4 or IPv6 address", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (!(quiet_v6 && ss.ss_family == AF_INET6))
			err("socket for %s: %s", addr, strerror(errno));
		return quiet_v6 && ss.ss_family == AF_INET6 ? -2 : -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 4096) < 0) {
		int e = errno;

		close(fd);
		if (quiet_v6 && ss.ss_family == AF_INET6 && e == EADDRNOTAVAIL) {
			warn("no IPv6 here: listening on IPv4 only");
			return -2;
		}
		err("listen on %s port %d: %s", addr, port, strerror(e));
		return -1;
	}
	return fd;
}

/* Daemons work from "/": make a relative path absolute first. */
static const char *absolute(const char *p)
{
	static char cwd[4096];
	char *abs;

	if (!p || p[0] == '/')
		return p;
	if (!cwd[0] && !getcwd(cwd, sizeof(cwd)))
		return p;
	abs = malloc(strlen(cwd) + strlen(p) + 2);
	if (!abs)
		return p;
	sprintf(abs, "%s/%s", cwd, p);
	return abs;	/* lives as long as the process */
}

/* The daemon's end of the pipe its first parent waits on (-1: not a daemon). */
static int ready_fd = -1;

/*
 * The first parent exits only once the daemon says it runs (a byte on the
 * pipe), or with 1 when the daemon died first (EOF): a start-up failure after
 * the fork (an unwritable pid file, another daemon on it) must reach the
 * init script as a failed start, not as a 0 from a parent that left early.
 */
static void wait_for_daemon(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	fprintf(stderr, "fwd-listener: the daemon did not start (the reason is in its log)\n");
	_exit(1);
}

static void daemon_ready(void)
{
	if (ready_fd < 0)
		return;
	if (write(ready_fd, "", 1) != 1) {
		/* the parent is gone: nobody to tell */
	}
	close(ready_fd);
	ready_fd = -1;
}

static void daemonize(void)
{
	int fd, pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err("pipe: %s", strerror(errno));
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		err("fork: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(pipefd[1]);
		wait_for_daemon(pipefd[0]);
	}
	close(pipefd[0]);
	ready_fd = pipefd[1];
	setsid();
	pid = fork();
	if (pid < 0) {
		err("fork: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0) {
		/* cannot happen; nothing to do */
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/*
 * The pid file, locked for the daemon's life (the descriptor stays open): a
 * second daemon given the same file refuses to start instead of taking it.
 */
static int write_pidfile(const char *path)
{
	char buf[24];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		err("cannot write pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (lockf(fd, F_TLOCK, 0) < 0) {
		err("pid file %s is locked: another fwd-listener runs with it", path);
		close(fd);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, len) != len) {
		err("cannot write pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_NO_HANDOFF = 256, O_PROC_DIR, O_ITO, O_CTO, O_HTO, O_MAX, O_LOG_FORMAT };
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'c' },
		{ "allow", required_argument, NULL, 'a' },
		{ "user", required_argument, NULL, 'u' },
		{ "stats", required_argument, NULL, 's' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-handoff", no_argument, NULL, O_NO_HANDOFF },
		{ "proc-dir", required_argument, NULL, O_PROC_DIR },
		{ "instruction-timeout", required_argument, NULL, O_ITO },
		{ "connect-timeout", required_argument, NULL, O_CTO },
		{ "handoff-timeout", required_argument, NULL, O_HTO },
		{ "max-clients", required_argument, NULL, O_MAX },
		{ "log-format", required_argument, NULL, O_LOG_FORMAT },
		{ "check", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int ch, nfds = 0, fds[MAX_LISTEN], level, port;
	struct rlimit rl;
	sigset_t set;

	cli_rules = calloc((size_t)argc, sizeof(*cli_rules));
	cli_users = calloc((size_t)argc, sizeof(*cli_users));
	if (!cli_rules || !cli_users)
		return 1;
	while ((ch = getopt_long(argc, argv, "p:b:c:a:u:s:dl:P:vqthV", lo, NULL)) != -1) {
		switch (ch) {
		case 'p':
			opt.port = num_arg(optarg, 1, 65535, "port");
			break;
		case 'b':
			if (opt.nbind == MAX_LISTEN) {
				fprintf(stderr, "fwd-listener: at most %d --bind\n", MAX_LISTEN);
				return 2;
			}
			opt.bind[opt.nbind++] = optarg;
			break;
		case 'c':
			opt.config = optarg;
			break;
		case 'a':
			cli_rules[ncli_rules++] = optarg;
			break;
		case 'u': {
			const char *pass = strchr(optarg, ':');

			/* Anything on the command line is in the process list. */
			if (pass && pass[1] != '$') {
				fprintf(stderr, "fwd-listener: --user %.*s: a password on the command "
					"line is in the process list; give its crypt(3) hash "
					"(NAME:$y$..., mkpasswd -m yescrypt) or put a 'user' line "
					"in the config file\n", (int)(pass - optarg), optarg);
				return 2;
			}
			cli_users[ncli_users++] = optarg;
			break;
		}
		case 's':
			opt.stats_file = optarg;
			break;
		case 'd':
			opt.daemon = 1;
			break;
		case 'l':
			opt.log_file = optarg;
			break;
		case 'P':
			opt.pidfile = optarg;
			break;
		case 'v':
			opt.verbose++;
			break;
		case 'q':
			opt.quiet = 1;
			break;
		case O_NO_HANDOFF:
			opt.no_handoff = 1;
			break;
		case O_PROC_DIR:
			opt.proc_dir = optarg;
			break;
		case O_ITO:
			opt.instr_timeout_ms = num_arg(optarg, 1, 3600, "instruction timeout") * 1000;
			break;
		case O_CTO:
			opt.connect_timeout_ms = num_arg(optarg, 1, 3600, "connect timeout") * 1000;
			break;
		case O_HTO:
			opt.handoff_timeout_ms = num_arg(optarg, 0, 600000, "hand-off timeout");
			break;
		case O_MAX:
			opt.max_clients = num_arg(optarg, 1, 10000000, "max clients");
			break;
		case O_LOG_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr, "fwd-listener: --log-format is text or json, not '%s'\n",
					optarg);
				return 2;
			}
			log_set_json(!strcmp(optarg, "json"));
			break;
		case 't':
			opt.check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("fwd-listener %s\n", FWD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fwd-listener: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	level = opt.quiet ? LOG_LVL_WARN : LOG_LVL_INFO + (opt.verbose > 2 ? 2 : opt.verbose);
	log_init(0, opt.log_file, level);

	if (build_policy(&policy, 1) < 0) {
		if (opt.check)
			fprintf(stderr, "fwd-listener: the configuration is not valid\n");
		return 1;
	}
	if (opt.check) {
		/* nginx -t style, for ExecStartPre: the policy parsed, nothing started. */
		printf("fwd-listener: the configuration is valid (%zu rule(s), %zu user(s))\n",
		       policy.nrules, policy.nusers);
		policy_free(&policy);
		return 0;
	}

	/* The port: from the command line (and tell the kernel), or from the kernel. */
	if (opt.port) {
		int r = proc_write_port(opt.proc_dir, opt.port);

		if (r == 1)
			info("%s/listen_port not found (module not loaded): every connection "
			     "will be relayed", opt.proc_dir);
		else if (r < 0)
			warn("cannot write %s/listen_port: %s", opt.proc_dir, strerror(errno));
		port = opt.port;
	} else {
		port = proc_read_port(opt.proc_dir);
		if (port <= 0) {
			err("no port: %s/listen_port is %s; use --port N", opt.proc_dir,
			    port == 0 ? "0 (unset)" : "missing or unreadable");
			return 1;
		}
	}

	/* This host's addresses: the policy refuses them unless a rule names them. */
	{
		char e[200];

		if (host_addrs_init(&host_addrs, (uint16_t)port, e, sizeof(e)) < 0) {
			err("cannot read this host's addresses: %s", e);
			return 1;
		}
		if (host_addrs.watch_fd < 0)
			warn("no address change notifications: this host's addresses are re-read every second");
	}

	/* More descriptors: each relayed connection uses six. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		/* Never accept more clients than there are descriptors to serve them. */
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 32 + 6 * (rlim_t)opt.max_clients) {
			opt.max_clients = rl.rlim_cur > 38 ? (int)((rl.rlim_cur - 32) / 6) : 1;
			info("%llu file descriptors: serving at most %d connections at once",
			     (unsigned long long)rl.rlim_cur, opt.max_clients);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (opt.nbind == 0) {
		int fd = open_listener("0.0.0.0", port, 0);

		if (fd < 0)
			return 1;
		fds[nfds++] = fd;
		fd = open_listener("::", port, 1);
		if (fd == -1)
			return 1;
		if (fd >= 0)
			fds[nfds++] = fd;
	} else {
		for (int i = 0; i < opt.nbind; i++) {
			int fd = open_listener(opt.bind[i], port, 0);

			if (fd < 0)
				return 1;
			fds[nfds++] = fd;
		}
	}

	if (opt.daemon) {
		opt.config = absolute(opt.config);
		opt.stats_file = absolute(opt.stats_file);
		opt.log_file = absolute(opt.log_file);
		opt.pidfile = absolute(opt.pidfile);
		opt.proc_dir = absolute(opt.proc_dir);
		daemonize();
		log_init(1, opt.log_file, level);
	}
	if (opt.pidfile && write_pidfile(opt.pidfile) < 0)
		return 1;
	if (loop_init() < 0) {
		err("event loop setup: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < nfds; i++)
		if (loop_add_listener(fds[i]) < 0) {
			err("epoll: %s", strerror(errno));
			return 1;
		}
	daemon_ready();
	notify_ready();
	info("fwd-listener %s listening on port %d (%s), %s", FWD_VERSION, port,
	     opt.nbind ? "given addresses" : nfds == 2 ? "IPv4 and IPv6" : "IPv4",
	     opt.no_handoff ? "relaying every connection (--no-handoff)" :
	     "handing connections off to the kernel");
	if (opt.stats_file)
		stats_write(opt.stats_file);

	loop_run();

	info("exiting");
	stats_log();
	if (opt.stats_file)
		stats_write(opt.stats_file);
	if (opt.pidfile)
		unlink(opt.pidfile);
	policy_free(&policy);
	host_addrs_free(&host_addrs);
	free(cli_rules);
	free(cli_users);
	return 0;
}
