// SPDX-License-Identifier: GPL-2.0-only
/*
 * fwdctl: the admin tool for forwarder, in the grammar of ip(8) and tc(8).
 * It speaks the "forwarder" generic netlink family (include/forwarder/netlink.h)
 * for sessions, events, tunables and splice pairs, and the firewall plugin's
 * "fwd_firewall" family (include/forwarder/firewall_netlink.h) for its rules,
 * printing the kernel's extended-ack message when a request is refused, and
 * the documented /proc/forwarder files (proc_api.md) for what netlink does
 * not offer yet, in the caller's network namespace or the one -n NETNS names.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <forwarder/netlink.h>
#include <forwarder/firewall_netlink.h>

#define PROC_DIR "/proc/forwarder"
#define NL_BUF_SIZE (64 * 1024)

static bool json, show_stats, pretty, prom;
static const char *proc_dir = PROC_DIR;

/* ---- help ------------------------------------------------------------------ */

static const char usage_main[] =
	"Usage: fwdctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	"OPTIONS := { -j[son] [ -p[retty] ] | -s[tatistics] | -n[etns] NETNS | -b[atch] FILE |\n"
	"             -h[elp] | -V[ersion] }\n"
	"OBJECT := { stats | session | monitor | top | splice | plugin | group | firewall |\n"
	"            get | set | save }\n"
	"\n"
	"  fwdctl stats                      session and splice counters\n"
	"  fwdctl session list [ FILTER ]    the session table (-s: packet and byte counters)\n"
	"  fwdctl session show ID            one session\n"
	"  fwdctl session delete ID          remove one session\n"
	"  fwdctl session flush [ FILTER ]   remove every session, or those matching\n"
	"  fwdctl monitor [ -e EVENTS ] [ -o timestamp ] [ count N ]  session events (until Ctrl-C)\n"
	"  fwdctl top [ -n ITER ] [ -d SECS ] [ -N ROWS ] [ FILTER ]  the busiest sessions\n"
	"  fwdctl splice list                spliced connection pairs\n"
	"  fwdctl splice kill ID             tear one down, both peers reset\n"
	"  fwdctl plugin list                registered plugins and user-defined events\n"
	"  fwdctl group { list | add | change | del | bind | unbind } ...  rate groups\n"
	"  fwdctl get [ TUNABLE ]            read a setting (e.g. max_sessions), or list them all\n"
	"  fwdctl set TUNABLE VALUE          change a setting (needs CAP_NET_ADMIN)\n"
	"  fwdctl firewall { list | add | flush } ...  the firewall plugin's rules\n"
	"  fwdctl save                       the configuration, as fwdctl commands for -b\n"
	"  fwdctl -b FILE                    run FILE's commands, one a line (- for stdin)\n"
	"\n"
	"`fwdctl OBJECT help` describes each object. See fwdctl(8).\n";

static const char usage_session[] =
	"Usage: fwdctl [ -j ] [ -s ] session list [ FILTER ]\n"
	"       fwdctl [ -j ] session show ID\n"
	"       fwdctl session delete ID\n"
	"       fwdctl [ -j ] session flush [ FLUSH_FILTER ]\n"
	"FILTER := [ proto { tcp | udp } ] [ port N ] [ state STATE ]\n"
	"          [ src ADDR[/LEN] ] [ dst ADDR[/LEN] ] [ sport N ] [ dport N ]\n"
	"FLUSH_FILTER := [ family { ipv4 | ipv6 } ] [ proto { tcp | udp } ]\n"
	"          [ src ADDR[/LEN] ] [ dst ADDR[/LEN] ] [ sport N ] [ dport N ]\n"
	"  port matches the client or the server port, state either end's TCP state;\n"
	"  src and sport the client's address (IPv4 or IPv6 prefix) and port, dst and\n"
	"  dport the server's.\n"
	"  The list comes from netlink (paged, with session ids) or, when the netlink\n"
	"  family is not there or not allowed, from " PROC_DIR "/sessions.\n"
	"  show, delete and flush need netlink and CAP_NET_ADMIN; flush prints how\n"
	"  many sessions it removed.\n";

static const char usage_monitor[] =
	"Usage: fwdctl [ -j ] monitor [ -e EVENTS ] [ -o timestamp ] [ count N ]\n"
	"  Print session events (new, TCP state change, closing) until interrupted,\n"
	"  or until N events were printed. -j prints one JSON object per line.\n"
	"  -e: only these events, a comma-separated list of NEW, STATE, CLOSING.\n"
	"  -o timestamp: each event with the wall-clock time (ISO 8601).\n"
	"  Needs CAP_NET_ADMIN.\n";

static const char usage_top[] =
	"Usage: fwdctl [ -j ] top [ -n ITER ] [ -d SECONDS ] [ -N ROWS ] [ FILTER ]\n"
	"  The busiest sessions by byte rate between refreshes (every SECONDS, default\n"
	"  1), ROWS of them (default: what fits the terminal, or 20). -n stops after\n"
	"  ITER refreshes. FILTER as for session list. Ctrl-C or q quits.\n";

static const char usage_splice[] =
	"Usage: fwdctl [ -j ] splice list\n"
	"       fwdctl splice kill ID\n"
	"  list: the spliced pairs, from netlink (or, when the netlink family is not\n"
	"  there or not allowed, from " PROC_DIR "/show); kill: tear pair ID down,\n"
	"  both peers reset (netlink, CAP_NET_ADMIN).\n";

static const char usage_plugin[] = "Usage: fwdctl [ -j ] plugin list\n";

static const char usage_group[] =
	"Usage: fwdctl [ -j ] group list\n"
	"       fwdctl group add ID rate RATE burst SIZE [ ebs SIZE | peakrate RATE pburst SIZE ]\n"
	"                  [ mode police|shape ] [ action drop|mark-dscp N|mark N ]\n"
	"                  [ limit Np ] [ limit SIZE ] [ ecn | noecn ]\n"
	"       fwdctl group change ID KEY VALUE...   (keys as for add; the others stay)\n"
	"       fwdctl group del ID\n"
	"       fwdctl group bind ID proto tcp|udp [ sport N ] [ dport N ] [ dir orig|reply|both ]\n"
	"       fwdctl group unbind ID\n"
	"  Over netlink (the kernel's reason printed on refusal); RATE in tc units\n"
	"  (10mbit, 1.5mbit, 100kbps), SIZE too (64k, 1500, 2mb), e.g.\n"
	"  group add 1 rate 10mbit burst 64k mode police.\n";

static const char usage_firewall[] =
	"Usage: fwdctl [ -j ] firewall list\n"
	"       fwdctl firewall add ACTION [ group ID [ dir DIR ] ] [ MATCH ]...\n"
	"       fwdctl firewall flush\n"
	"ACTION := { accept | intercept | rate-limit }   DIR := { orig | reply | both }\n"
	"MATCH := { proto { tcp | udp } | src ADDR[/LEN] | dst ADDR[/LEN] | sport N |\n"
	"           dport N | class CLASS }\n"
	"  The firewall plugin's rules (fwd_firewall.ko), through its fwd_firewall\n"
	"  netlink family (" PROC_DIR "/firewall with an older plugin), e.g.\n"
	"  firewall add intercept proto tcp dport 5002. A refused rule is printed\n"
	"  with the kernel's reason and the attribute it names. add and flush need\n"
	"  CAP_NET_ADMIN.\n";

static const char usage_save[] =
	"Usage: fwdctl save\n"
	"  Print the namespace's configuration as fwdctl commands, one a line: the\n"
	"  settings (set), the rate groups and bind rules (group add, group bind), the\n"
	"  firewall's rules (firewall add). fwdctl -b FILE (- for standard input)\n"
	"  restores it in a namespace that has none of them yet:\n"
	"  fwdctl save > fw.conf; fwdctl -n NEW -b fw.conf\n";

static const char usage_stats[] =
	"Usage: fwdctl [ -j ] stats [ -o prom ]\n"
	"  -o prom   the Prometheus text format (forwarder_*; a node_exporter textfile)\n"
	"  Session counters from netlink, per-event and splice ones from " PROC_DIR ".\n";

static const char usage_get[] =
	"Usage: fwdctl [ -j ] get [ TUNABLE ]\n"
	"       fwdctl set TUNABLE VALUE\n"
	"  TUNABLE is e.g. max_sessions, timeout_udp, splice_timeout_established,\n"
	"  listen_port, full_policy (drop or pass); get alone lists every tunable\n"
	"  with its range. Through netlink; " PROC_DIR " with an older module.\n";

static int help_or(int argc, char **argv, const char *usage)
{
	if (argc >= 1 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h") ||
			  !strcmp(argv[0], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	return -1;
}

/* ---- errors ---------------------------------------------------------------- */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fwdctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "fwdctl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return 2;
}

static int need_module(void)
{
	struct stat st;

	if (stat(proc_dir, &st) == 0)
		return 0;
	return fail("the forwarder module is not loaded (no %s)", proc_dir);
}

static bool is(const char *arg, const char *word)
{
	/* ip(8)-style abbreviations: "sess" for "session", "l" for "list". */
	return *arg && !strncmp(word, arg, strlen(arg));
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ---- /proc ------------------------------------------------------------------ */

/* The whole of /proc/forwarder/NAME, NUL-terminated; NULL with errno set on error. */
static char *slurp(const char *name)
{
	char path[512], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", proc_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap += 65536);

			if (!nb) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int saved = errno;

			free(buf);
			close(fd);
			errno = saved;
			return NULL;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* One write(2) of @cmd to /proc/forwarder/@name; 0 or errno. */
static int proc_write(const char *name, const char *cmd)
{
	char path[512];
	ssize_t w;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/%s", proc_dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	w = write(fd, cmd, strlen(cmd));
	saved = errno;
	close(fd);
	return w == (ssize_t)strlen(cmd) ? 0 : saved;
}

/* ---- output helpers ------------------------------------------------------------ */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_value(const char *s)
{
	const char *digits = s[0] == '-' ? s + 1 : s;	/* "tokens -1200" */

	if (is_number(digits) && (digits[0] != '0' || !digits[1]) && strcmp(s, "-0"))
		fputs(s, stdout);
	else
		json_str(s);
}

static void json_key(bool *first, const char *k)
{
	printf("%s", *first ? "" : ",");
	*first = false;
	json_str(k);
	putchar(':');
}

/*
 * -p: stdout goes through this filter, which indents the compact JSON the
 * commands print (two spaces a level, as json.dumps(indent=2)); a newline
 * outside any object still ends a document (monitor, top: one per line).
 */
struct pretty {
	FILE *out;
	int depth;
	bool in_str, esc, open;	/* open: a { or [ waits to see if it is empty */
};

static void pretty_newline(struct pretty *p)
{
	fputc('\n', p->out);
	for (int i = 0; i < p->depth; i++)
		fputs("  ", p->out);
}

static ssize_t pretty_write(void *cookie, const char *buf, size_t len)
{
	struct pretty *p = cookie;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (p->open && c != '}' && c != ']') {
			p->open = false;
			p->depth++;
			pretty_newline(p);
		}
		if (p->in_str) {
			fputc(c, p->out);
			if (p->esc)
				p->esc = false;
			else if (c == '\\')
				p->esc = true;
			else if (c == '"')
				p->in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			p->in_str = true;
			fputc(c, p->out);
			break;
		case '{':
		case '[':
			fputc(c, p->out);
			p->open = true;
			break;
		case '}':
		case ']':
			if (p->open) {
				p->open = false;
			} else {
				p->depth--;
				pretty_newline(p);
			}
			fputc(c, p->out);
			break;
		case ',':
			fputc(c, p->out);
			pretty_newline(p);
			break;
		case ':':
			fputs(": ", p->out);
			break;
		default:
			fputc(c, p->out);
		}
	}
	fflush(p->out);
	return len;
}

static int pretty_close(void *cookie)
{
	struct pretty *p = cookie;

	return fclose(p->out);
}

/* Replace stdout by the filter; false if that cannot be done (stdout kept). */
static bool pretty_stdout(void)
{
	static struct pretty p;
	static const cookie_io_functions_t io = { .write = pretty_write, .close = pretty_close };
	FILE *f;
	int fd = dup(STDOUT_FILENO);

	if (fd < 0 || !(p.out = fdopen(fd, "w")))
		return false;
	f = fopencookie(&p, "w", io);
	if (!f)
		return false;
	/* Line-buffered, so monitor and top still show each line at once. */
	setvbuf(f, NULL, _IOLBF, 0);
	stdout = f;
	return true;
}

/* Split @line at blanks in place; returns the number of words (at most @max). */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *save, *t;

	for (t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

/* 1234567 -> "1.2M"; @bytes uses powers of 1024 and a "B" suffix. */
static const char *human(unsigned long long v, bool bytes, char *buf, size_t len)
{
	static const char units[] = "kMGTPE";
	double d = v, base = bytes ? 1024 : 1000;
	int u = -1;

	while (d >= base && u < 5) {
		d /= base;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu%s", v, bytes ? "B" : "");
	else
		snprintf(buf, len, "%.*f%c%s", d < 10 ? 1 : 0, d,
			 bytes && units[u] == 'k' ? 'K' : units[u], bytes ? "iB" : "");
	return buf;
}

/* Seconds as "45s", "12m03s", "3h05m", "2d04h". */
static const char *human_secs(unsigned long long s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s % 86400 / 3600);
	return buf;
}

/* ---- sessions --------------------------------------------------------------- */

static const char * const tcp_states[] = {
	"NONE", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSED",
};

static const char * const close_reasons[] = {
	"none", "timeout", "evicted", "replaced", "flush",
};

static const char *tcp_state_name(unsigned int st)
{
	return st < sizeof(tcp_states) / sizeof(tcp_states[0]) ? tcp_states[st] : "?";
}

/* ADDR:PORT, an IPv6 address in brackets ([fd00::1]:53) as in RFC 3986. */
static const char *endpoint(const char *addr, unsigned int port, char *buf, size_t len)
{
	snprintf(buf, len, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
	return buf;
}

struct sess {
	unsigned long long id;		/* 0: not known (from /proc) */
	char proto[4], family[5];
	char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];
	unsigned int cport, sport;
	char cstate[16], sstate[16];
	unsigned int established;
	unsigned long long age_ms, expires_ms;
	unsigned long long opkts, obytes, rpkts, rbytes;
};

/* Called for each session; non-zero stops the walk. */
typedef int (*sess_cb_t)(const struct sess *s, void *arg);

/* An address prefix of a filter (src, dst): family 0 when not given. */
struct addr_prefix {
	int family;
	unsigned int len;
	unsigned char addr[16];
};

struct session_filter {
	const char *proto, *state;
	long port, cport, sport;	/* -1: any */
	struct addr_prefix src, dst;	/* the client's and the server's address */
};

#define SESSION_FILTER_INIT { .port = -1, .cport = -1, .sport = -1 }

/*
 * ADDR or ADDR/LEN, IPv4 or IPv6: the address (4 or 16 bytes), its family,
 * and the length as written (-1 when none; at most three digits, the caller
 * bounds it); 0 or -1.
 */
static int split_prefix(const char *arg, unsigned char *addr, int *family, int *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	*len = -1;
	if (slash) {
		if (!is_number(slash) || strlen(slash) > 3)
			return -1;
		*len = atoi(slash);
	}
	return 0;
}

/* ADDR or ADDR/LEN within its family's bits (all of them when none); 0 or -1. */
static int parse_prefix(const char *arg, struct addr_prefix *p)
{
	unsigned int max;
	int len;

	if (split_prefix(arg, p->addr, &p->family, &len))
		return -1;
	max = p->family == AF_INET ? 32 : 128;
	if (len > (int)max)
		return -1;
	p->len = len < 0 ? max : (unsigned int)len;
	return 0;
}

/* Does the address @text (as printed, "?" when unknown) lie in @p? */
static bool prefix_match(const struct addr_prefix *p, const char *text)
{
	unsigned char a[16];
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (!p->family)
		return true;
	if (inet_pton(p->family, text, a) != 1)
		return false;	/* the other family */
	if (memcmp(a, p->addr, full))
		return false;
	return !rest || !((a[full] ^ p->addr[full]) & (0xff00 >> rest));
}

static bool sess_match(const struct sess *s, const struct session_filter *f)
{
	if (f->proto && strcmp(s->proto, f->proto))
		return false;
	if (f->port >= 0 && s->cport != f->port && s->sport != f->port)
		return false;
	if (f->cport >= 0 && s->cport != f->cport)
		return false;
	if (f->sport >= 0 && s->sport != f->sport)
		return false;
	if (f->state && strcasecmp(s->cstate, f->state) && strcasecmp(s->sstate, f->state))
		return false;
	return prefix_match(&f->src, s->client) && prefix_match(&f->dst, s->server);
}

static bool is_port(const char *arg)
{
	return is_number(arg) && strlen(arg) <= 5 && atol(arg) <= 65535;
}

/*
 * One filter, KEY VALUE: proto, port, state, src, dst, sport, dport. 0, or -1
 * for a key or value that is not one.
 */
static int parse_filter(const char *key, const char *val, struct session_filter *f)
{
	if (is(key, "proto") && (!strcmp(val, "tcp") || !strcmp(val, "udp")))
		f->proto = val;
	else if (is(key, "state"))
		f->state = val;
	else if (!strcmp(key, "sport") && is_port(val))
		f->cport = atol(val);
	else if (!strcmp(key, "dport") && is_port(val))
		f->sport = atol(val);
	else if (is(key, "port") && is_port(val))
		f->port = atol(val);
	else if (!strcmp(key, "src"))
		return parse_prefix(val, &f->src);
	else if (!strcmp(key, "dst"))
		return parse_prefix(val, &f->dst);
	else
		return -1;
	return 0;
}

/* The session table through /proc/forwarder/sessions (no ids). */
static int proc_sessions(sess_cb_t cb, void *arg)
{
	char *buf = slurp("sessions"), *line, *save, *w[32];
	int err = 0;

	if (!buf)
		return fail("cannot read sessions: %s", strerror(errno));
	line = strtok_r(buf, "\n", &save);	/* header */
	while (line && (line = strtok_r(NULL, "\n", &save))) {
		struct sess s = {};

		if (words(line, w, 32) != 15)
			continue;
		snprintf(s.proto, sizeof(s.proto), "%s", w[0]);
		snprintf(s.family, sizeof(s.family), "%s", w[1]);
		snprintf(s.client, sizeof(s.client), "%s", w[2]);
		s.cport = atoi(w[3]);
		snprintf(s.server, sizeof(s.server), "%s", w[4]);
		s.sport = atoi(w[5]);
		snprintf(s.cstate, sizeof(s.cstate), "%s", w[6]);
		snprintf(s.sstate, sizeof(s.sstate), "%s", w[7]);
		s.established = atoi(w[8]);
		s.age_ms = strtoull(w[9], NULL, 10) * 1000;
		s.expires_ms = strtoull(w[10], NULL, 10) * 1000;
		s.opkts = strtoull(w[11], NULL, 10);
		s.obytes = strtoull(w[12], NULL, 10);
		s.rpkts = strtoull(w[13], NULL, 10);
		s.rbytes = strtoull(w[14], NULL, 10);
		err = cb(&s, arg);
		if (err)
			break;
	}
	free(buf);
	return err;
}

/* ---- netlink ------------------------------------------------------------------ */

struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	uint16_t family;
	uint32_t events_group;
	char *buf;
};

static int ctrl_grp_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int ctrl_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= CTRL_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int ctrl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1] = {}, *pos;
	struct nl *n = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, tb);
	if (tb[CTRL_ATTR_FAMILY_ID])
		n->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS]) {
		struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

		mnl_attr_parse_nested(pos, ctrl_grp_cb, g);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]), FWD_GENL_MCGRP_EVENTS))
			n->events_group = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *nl_msg(struct nl *n, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : FWD_GENL_VERSION;
	return nlh;
}

/*
 * The kernel's extended ack of the last refusal: its message, and the
 * attribute it blames (the request's attribute type, or a missing one).
 */
static struct {
	char msg[256];
	int bad_attr;		/* -1: none */
	int miss_attr;		/* -1: none */
} ext;

static void ext_clear(void)
{
	ext.msg[0] = '\0';
	ext.bad_attr = -1;
	ext.miss_attr = -1;
}

static int ext_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= NLMSGERR_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * The TLVs at @off in @nlh's payload; @req is the request echoed (NULL when
 * it is not), whose attribute at NLMSGERR_ATTR_OFFS is the one blamed.
 */
static void ext_parse(const struct nlmsghdr *nlh, size_t off, const struct nlmsghdr *req)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > mnl_nlmsg_get_payload_len(nlh))
		return;
	if (mnl_attr_parse(nlh, off, ext_attr_cb, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && !mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING))
		snprintf(ext.msg, sizeof(ext.msg), "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] && !mnl_attr_validate(tb[NLMSGERR_ATTR_MISS_TYPE], MNL_TYPE_U32))
		ext.miss_attr = mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (req && tb[NLMSGERR_ATTR_OFFS] && !mnl_attr_validate(tb[NLMSGERR_ATTR_OFFS], MNL_TYPE_U32)) {
		uint32_t o = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		if (o >= sizeof(*req) && o + sizeof(struct nlattr) <= req->nlmsg_len)
			ext.bad_attr = mnl_attr_get_type((const struct nlattr *)((const char *)req + o));
	}
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	/* The request is echoed after the error unless the ack was capped. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off = MNL_ALIGN(sizeof(*e) + e->msg.nlmsg_len - sizeof(struct nlmsghdr));
	ext_parse(nlh, off, nlh->nlmsg_flags & NLM_F_CAPPED ? NULL : &e->msg);
	errno = -e->error;
	return MNL_CB_ERROR;
}

/* A dump's end: its error, if the dump was refused, with the kernel's message. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = 0;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	ext_parse(nlh, sizeof(err), NULL);
	errno = -err;
	return MNL_CB_ERROR;
}

static mnl_cb_t nl_ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = nl_error_cb,
	[NLMSG_DONE] = nl_done_cb,
};

/* Send @nlh and run @cb on every answer until the end; 0 or -errno (ext says why). */
static int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int ret;

	ext_clear();
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = mnl_socket_recvfrom(n->sock, n->buf, NL_BUF_SIZE);
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run2(n->buf, ret, n->seq, n->portid, cb, data, nl_ctl_cbs,
				  NLMSG_MIN_TYPE);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static void nl_close(struct nl *n)
{
	if (n->sock)
		mnl_socket_close(n->sock);
	free(n->buf);
	memset(n, 0, sizeof(*n));
}

/* Open a socket and resolve the family @name: 0, -ENOENT without it, or -errno. */
static int nl_open_family(struct nl *n, const char *name)
{
	struct nlmsghdr *nlh;
	int err;

	memset(n, 0, sizeof(*n));
	n->buf = malloc(NL_BUF_SIZE);
	if (!n->buf)
		return -ENOMEM;
	n->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sock || mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		nl_close(n);
		return err;
	}
	n->portid = mnl_socket_get_portid(n->sock);
	n->seq = time(NULL);
	/* The kernel's reason with each refusal (ignored by kernels without it). */
	mnl_socket_setsockopt(n->sock, NETLINK_EXT_ACK, &(int){ 1 }, sizeof(int));
	nlh = nl_msg(n, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = nl_talk(n, nlh, ctrl_family_cb, n);
	if (!err && !n->family)
		err = -ENOENT;
	if (err)
		nl_close(n);
	return err;
}

/* Open a socket on the "forwarder" family: 0, -ENOENT without it, or -errno. */
static int nl_open(struct nl *n)
{
	return nl_open_family(n, FWD_GENL_NAME);
}

/* One attribute-less request @cmd to the family, answers to @cb: 0 or -errno. */
static int nl_ask(uint16_t flags, uint8_t cmd, mnl_cb_t cb, void *data)
{
	struct nl n;
	int err;

	err = nl_open(&n);
	if (err)
		return err;
	err = nl_talk(&n, nl_msg(&n, n.family, flags, cmd), cb, data);
	nl_close(&n);
	return err;
}

/* The family's attributes as Documentation/netlink/specs/forwarder.yaml names them. */
static const char * const attr_names[FWD_A_MAX + 1] = {
	[FWD_A_SESSION_ID] = "session-id", [FWD_A_FAMILY] = "family", [FWD_A_PROTO] = "proto",
	[FWD_A_CLIENT_ADDR] = "client-addr", [FWD_A_CLIENT_PORT] = "client-port",
	[FWD_A_SERVER_ADDR] = "server-addr", [FWD_A_SERVER_PORT] = "server-port",
	[FWD_A_TUNABLE_NAME] = "tunable-name", [FWD_A_TUNABLE_VALUE] = "tunable-value",
	[FWD_A_CLIENT_PREFIX_LEN] = "client-prefix-len",
	[FWD_A_SERVER_PREFIX_LEN] = "server-prefix-len",
	[FWD_A_GROUP_ID] = "group-id", [FWD_A_GROUP_MODE] = "group-mode",
	[FWD_A_GROUP_ACTION] = "group-action", [FWD_A_GROUP_RATE] = "group-rate",
	[FWD_A_GROUP_BURST] = "group-burst", [FWD_A_GROUP_EBS] = "group-ebs",
	[FWD_A_GROUP_PEAKRATE] = "group-peakrate", [FWD_A_GROUP_PBURST] = "group-pburst",
	[FWD_A_GROUP_DSCP] = "group-dscp", [FWD_A_GROUP_MARK] = "group-mark",
	[FWD_A_GROUP_LIMIT_PKTS] = "group-limit-pkts",
	[FWD_A_GROUP_LIMIT_BYTES] = "group-limit-bytes", [FWD_A_GROUP_ECN] = "group-ecn",
	[FWD_A_BIND_SPORT] = "bind-sport", [FWD_A_BIND_DPORT] = "bind-dport",
	[FWD_A_BIND_DIR] = "bind-dir",
	[FWD_A_SPLICE_ID] = "splice-id", [FWD_A_TUNABLE_TEXT] = "tunable-text",
};

static const char *attr_name(int type, char *buf, size_t len)
{
	if (type >= 0 && type <= FWD_A_MAX && attr_names[type])
		return attr_names[type];
	snprintf(buf, len, "%d", type);
	return buf;
}

/* "kernel: MESSAGE (attribute NAME)" from the last refusal; "" without a message. */
static const char *ext_text(void)
{
	static char out[384];
	char b[16];

	if (!ext.msg[0])
		return "";
	if (ext.bad_attr >= 0)
		snprintf(out, sizeof(out), "kernel: %s (attribute %s)", ext.msg,
			 attr_name(ext.bad_attr, b, sizeof(b)));
	else if (ext.miss_attr >= 0)
		snprintf(out, sizeof(out), "kernel: %s (missing attribute %s)", ext.msg,
			 attr_name(ext.miss_attr, b, sizeof(b)));
	else
		snprintf(out, sizeof(out), "kernel: %s", ext.msg);
	return out;
}

static int nl_error(int err, const char *what)
{
	if (ext.msg[0])
		return fail("%s: %s", what, ext_text());
	if (err == -EPERM || err == -EACCES)
		return fail("%s: permission denied (needs CAP_NET_ADMIN)", what);
	if (err == -ENOENT)
		return fail("%s: the forwarder netlink family is not there (module not loaded, or too old)",
			    what);
	if (err == -EOPNOTSUPP)
		return fail("%s: not supported by this module (too old)", what);
	return fail("%s: %s", what, strerror(-err));
}

static int sess_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= FWD_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static unsigned long long u64_or0(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static unsigned int u8_or0(const struct nlattr *a)
{
	return a ? mnl_attr_get_u8(a) : 0;
}

static void nl_addr(const struct nlattr *a, int family, char *out, size_t len)
{
	if (!a || mnl_attr_get_payload_len(a) != (family == AF_INET ? 4 : 16) ||
	    !inet_ntop(family, mnl_attr_get_payload(a), out, len))
		snprintf(out, len, "?");
}

static void sess_from_attrs(struct nlattr **tb, struct sess *s)
{
	int family = u8_or0(tb[FWD_A_FAMILY]) == AF_INET6 ? AF_INET6 : AF_INET;
	bool tcp = u8_or0(tb[FWD_A_PROTO]) == IPPROTO_TCP;

	memset(s, 0, sizeof(*s));
	s->id = u64_or0(tb[FWD_A_SESSION_ID]);
	snprintf(s->proto, sizeof(s->proto), "%s", tcp ? "tcp" : "udp");
	snprintf(s->family, sizeof(s->family), "%s", family == AF_INET ? "ipv4" : "ipv6");
	nl_addr(tb[FWD_A_CLIENT_ADDR], family, s->client, sizeof(s->client));
	nl_addr(tb[FWD_A_SERVER_ADDR], family, s->server, sizeof(s->server));
	s->cport = tb[FWD_A_CLIENT_PORT] ? ntohs(mnl_attr_get_u16(tb[FWD_A_CLIENT_PORT])) : 0;
	s->sport = tb[FWD_A_SERVER_PORT] ? ntohs(mnl_attr_get_u16(tb[FWD_A_SERVER_PORT])) : 0;
	snprintf(s->cstate, sizeof(s->cstate), "%s",
		 tcp ? tcp_state_name(u8_or0(tb[FWD_A_CLIENT_STATE])) : "-");
	snprintf(s->sstate, sizeof(s->sstate), "%s",
		 tcp ? tcp_state_name(u8_or0(tb[FWD_A_SERVER_STATE])) : "-");
	s->established = u8_or0(tb[FWD_A_ESTABLISHED]);
	s->age_ms = u64_or0(tb[FWD_A_AGE_MS]);
	s->expires_ms = u64_or0(tb[FWD_A_EXPIRES_MS]);
	s->opkts = u64_or0(tb[FWD_A_ORIG_PACKETS]);
	s->obytes = u64_or0(tb[FWD_A_ORIG_BYTES]);
	s->rpkts = u64_or0(tb[FWD_A_REPLY_PACKETS]);
	s->rbytes = u64_or0(tb[FWD_A_REPLY_BYTES]);
}

struct sess_walk {
	sess_cb_t cb;
	void *arg;
	int stopped;
};

static int nl_session_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	struct sess_walk *w = data;
	struct sess s;

	if (w->stopped)
		return MNL_CB_OK;	/* drain the dump */
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	sess_from_attrs(tb, &s);
	w->stopped = w->cb(&s, w->arg);
	return MNL_CB_OK;
}

/* Every session through a netlink dump: 0, or -errno (-ENOENT: no family). */
static int nl_sessions(sess_cb_t cb, void *arg)
{
	struct sess_walk w = { .cb = cb, .arg = arg };
	int err = nl_ask(NLM_F_DUMP, FWD_CMD_SESSION_GET, nl_session_cb, &w);

	return err ? err : w.stopped;
}

/* Sessions from netlink, else (no family, not allowed) from /proc. */
static int any_sessions(sess_cb_t cb, void *arg, bool *have_ids)
{
	int err = nl_sessions(cb, arg);

	*have_ids = true;
	if (err == -ENOENT || err == -EPERM || err == -EACCES || err == -EPROTONOSUPPORT) {
		*have_ids = false;
		return proc_sessions(cb, arg);
	}
	if (err < 0)
		return nl_error(err, "session dump");
	return err;
}

/* ---- session list / show ------------------------------------------------------ */

static void sess_json(const struct sess *s)
{
	printf("{");
	if (s->id)
		printf("\"id\":%llu,", s->id);
	printf("\"proto\":\"%s\",\"family\":\"%s\",\"client\":\"%s\",\"cport\":%u,"
	       "\"server\":\"%s\",\"sport\":%u,\"client_state\":\"%s\",\"server_state\":\"%s\","
	       "\"established\":%u,\"age_s\":%llu,\"expires_s\":%llu,\"orig_pkts\":%llu,"
	       "\"orig_bytes\":%llu,\"reply_pkts\":%llu,\"reply_bytes\":%llu}",
	       s->proto, s->family, s->client, s->cport, s->server, s->sport, s->cstate,
	       s->sstate, s->established, s->age_ms / 1000, (s->expires_ms + 999) / 1000,
	       s->opkts, s->obytes, s->rpkts, s->rbytes);
}

static const char sess_header[] =
	"id proto family client cport server sport client_state server_state established age expires";

static void sess_text(const struct sess *s)
{
	char a[32], e[32], b[4][32];

	if (s->id)
		printf("%llu ", s->id);
	else
		printf("- ");
	printf("%s %s %s %u %s %u %s %s %u %s %s", s->proto, s->family, s->client, s->cport,
	       s->server, s->sport, s->cstate, s->sstate, s->established,
	       human_secs(s->age_ms / 1000, a, sizeof(a)),
	       human_secs((s->expires_ms + 999) / 1000, e, sizeof(e)));
	if (show_stats)
		printf(" %s %s %s %s", human(s->opkts, false, b[0], sizeof(b[0])),
		       human(s->obytes, true, b[1], sizeof(b[1])),
		       human(s->rpkts, false, b[2], sizeof(b[2])),
		       human(s->rbytes, true, b[3], sizeof(b[3])));
	putchar('\n');
}

struct list_arg {
	const struct session_filter *f;
	unsigned long shown;
};

static int list_one(const struct sess *s, void *p)
{
	struct list_arg *a = p;

	if (!sess_match(s, a->f))
		return 0;
	if (json) {
		printf("%s", a->shown ? "," : "");
		sess_json(s);
	} else {
		sess_text(s);
	}
	a->shown++;
	return 0;
}

static int cmd_session_list(const struct session_filter *f)
{
	struct list_arg a = { .f = f };
	bool ids;
	int err;

	if (json)
		putchar('[');
	else
		printf("%s%s\n", sess_header,
		       show_stats ? " orig_pkts orig_bytes reply_pkts reply_bytes" : "");
	err = any_sessions(list_one, &a, &ids);
	if (json)
		puts("]");
	return err ? 1 : 0;
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	struct sess *s = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	sess_from_attrs(tb, s);
	return MNL_CB_OK;
}

static int cmd_session_show(const char *arg)
{
	struct nlmsghdr *nlh;
	struct sess s = {};
	char b[32];
	struct nl n;
	int err;

	if (!is_number(arg) || !strtoull(arg, NULL, 10))
		return usage_error(usage_session, "bad session id '%s'", arg);
	if (need_module())
		return 1;
	err = nl_open(&n);
	if (err)
		return nl_error(err, "session show");
	nlh = nl_msg(&n, n.family, NLM_F_ACK, FWD_CMD_SESSION_GET);
	mnl_attr_put_u64(nlh, FWD_A_SESSION_ID, strtoull(arg, NULL, 10));
	err = nl_talk(&n, nlh, show_cb, &s);
	nl_close(&n);
	if (err == -ENOENT)
		return fail("no session with id %s", arg);
	if (err)
		return nl_error(err, "session show");
	if (json) {
		sess_json(&s);
		putchar('\n');
		return 0;
	}
	printf("id %llu\nproto %s\nfamily %s\nclient %s port %u state %s\n"
	       "server %s port %u state %s\nestablished %u\n",
	       s.id, s.proto, s.family, s.client, s.cport, s.cstate, s.server, s.sport,
	       s.sstate, s.established);
	printf("age %s\n", human_secs(s.age_ms / 1000, b, sizeof(b)));
	printf("expires %s\n", human_secs((s.expires_ms + 999) / 1000, b, sizeof(b)));
	printf("orig %llu packets %llu bytes\nreply %llu packets %llu bytes\n",
	       s.opkts, s.obytes, s.rpkts, s.rbytes);
	return 0;
}

/*
 * Delete one object by its id with @cmd (@attr holds the id): 0, or 1 with
 * the kernel's reason; "no @noun with id ID" when there is none.
 */
static int nl_delete_id(const char *arg, const char *usage, const char *what, const char *noun,
			uint8_t cmd, uint16_t attr)
{
	struct nlmsghdr *nlh;
	char bad[160];
	struct nl n;
	int err;

	if (!is_number(arg) || !strtoull(arg, NULL, 10)) {
		snprintf(bad, sizeof(bad), "bad %s id '%s'", noun, arg);
		return usage_error(usage, "%s", bad);
	}
	if (need_module())
		return 1;
	err = nl_open(&n);
	if (err)
		return nl_error(err, what);
	nlh = nl_msg(&n, n.family, NLM_F_ACK, cmd);
	mnl_attr_put_u64(nlh, attr, strtoull(arg, NULL, 10));
	err = nl_talk(&n, nlh, NULL, NULL);
	nl_close(&n);
	if (err == -ENOENT && ext.msg[0])
		return fail("no %s with id %s (%s)", noun, arg, ext_text());
	return err ? nl_error(err, what) : 0;
}

static int cmd_session_delete(const char *arg)
{
	return nl_delete_id(arg, usage_session, "session delete", "session", FWD_CMD_SESSION_DEL,
			    FWD_A_SESSION_ID);
}

/* "ADDR" or "ADDR/LEN" as a FLUSH filter's address and prefix length. */
static int put_prefix(struct nlmsghdr *nlh, const char *arg, uint16_t addr_attr,
		      uint16_t plen_attr, int *family)
{
	unsigned char a[16];
	int fam, plen, bits;

	if (split_prefix(arg, a, &fam, &plen))
		return -1;
	bits = fam == AF_INET ? 32 : 128;
	if (plen > bits)
		return -1;
	if (*family && *family != fam)
		return -1;
	*family = fam;
	mnl_attr_put(nlh, addr_attr, bits / 8, a);
	if (plen >= 0)
		mnl_attr_put_u8(nlh, plen_attr, plen);
	return 0;
}

static int flush_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	if (tb[FWD_A_FLUSHED])
		*(unsigned long long *)data = mnl_attr_get_u64(tb[FWD_A_FLUSHED]);
	return MNL_CB_OK;
}

static int cmd_session_flush(int argc, char **argv)
{
	unsigned long long flushed = 0;
	struct nlmsghdr *nlh;
	int i, err, family = 0;
	struct nl n;

	if (need_module())
		return 1;
	err = nl_open(&n);
	if (err)
		return nl_error(err, "session flush");
	nlh = nl_msg(&n, n.family, NLM_F_ACK, FWD_CMD_SESSION_FLUSH);
	for (i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = v;

		if (!v)
			;
		else if (is(k, "family") && (!strcmp(v, "ipv4") || !strcmp(v, "ipv6")) &&
			 (!family || family == (v[3] == '4' ? AF_INET : AF_INET6)))
			family = v[3] == '4' ? AF_INET : AF_INET6;
		else if (is(k, "proto") && (!strcmp(v, "tcp") || !strcmp(v, "udp")))
			mnl_attr_put_u8(nlh, FWD_A_PROTO, v[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP);
		else if (!strcmp(k, "src"))
			ok = !put_prefix(nlh, v, FWD_A_CLIENT_ADDR, FWD_A_CLIENT_PREFIX_LEN, &family);
		else if (!strcmp(k, "dst"))
			ok = !put_prefix(nlh, v, FWD_A_SERVER_ADDR, FWD_A_SERVER_PREFIX_LEN, &family);
		else if ((!strcmp(k, "sport") || !strcmp(k, "dport")) && is_port(v))
			/* As session list's filters: sport the client's, dport the server's. */
			mnl_attr_put_u16(nlh, k[0] == 's' ? FWD_A_CLIENT_PORT : FWD_A_SERVER_PORT,
					 htons(atoi(v)));
		else
			ok = false;
		if (!ok) {
			nl_close(&n);
			if (!v)
				return usage_error(usage_session, "'%s' needs a value", k);
			return fail("bad filter '%s %s'", k, v), 2;
		}
	}
	if (family)
		mnl_attr_put_u8(nlh, FWD_A_FAMILY, family);
	err = nl_talk(&n, nlh, flush_cb, &flushed);
	nl_close(&n);
	if (err)
		return nl_error(err, "session flush");
	if (json)
		printf("{\"flushed\":%llu}\n", flushed);
	else
		printf("flushed %llu session%s\n", flushed, flushed == 1 ? "" : "s");
	return 0;
}

static int cmd_session(int argc, char **argv)
{
	struct session_filter f = SESSION_FILTER_INIT;
	int i;

	if (help_or(argc, argv, usage_session) == 0)
		return 0;
	if (argc < 1)
		return usage_error(usage_session, "session: missing command%s", "");
	if (is(argv[0], "show")) {
		if (argc != 2)
			return usage_error(usage_session, "session show needs one ID%s", "");
		return cmd_session_show(argv[1]);
	}
	if (is(argv[0], "delete")) {
		if (argc != 2)
			return usage_error(usage_session, "session delete needs one ID%s", "");
		return cmd_session_delete(argv[1]);
	}
	if (is(argv[0], "flush"))
		return cmd_session_flush(argc - 1, argv + 1);
	if (!is(argv[0], "list"))
		return usage_error(usage_session, "unknown session command '%s'", argv[0]);
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage_error(usage_session, "'%s' needs a value", argv[i]);
		if (parse_filter(argv[i], argv[i + 1], &f))
			return fail("bad filter '%s %s'", argv[i], argv[i + 1]), 2;
	}
	return need_module() ? 1 : cmd_session_list(&f);
}

/* ---- monitor ------------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct monitor_arg {
	unsigned long printed, count;
	unsigned int types;	/* bit per FWD_NL_EV_*: the events to print (0: all) */
	bool timestamp;
};

/* -e NEW,STATE,CLOSING (any case) into a mask of event types; 0 if a name is unknown. */
static unsigned int monitor_types(const char *list)
{
	static const struct { const char *name; unsigned int type; } names[] = {
		{ "new", FWD_NL_EV_NEW }, { "state", FWD_NL_EV_STATE },
		{ "closing", FWD_NL_EV_CLOSING },
	};
	unsigned int mask = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (len == strlen(names[i].name) && !strncasecmp(p, names[i].name, len))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return 0;
		mask |= 1u << names[i].type;
		if (!p[len])
			return mask;
		p += len + 1;
	}
}

/* The wall-clock time, ISO 8601 with microseconds and the UTC offset. */
static const char *wall_clock(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char date[32], zone[8];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, len, "%s.%06d%.3s:%.2s", date, (int)(ts.tv_nsec / 1000), zone, zone + 3);
	return buf;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	struct monitor_arg *m = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	unsigned int type, side, old, new, reason;
	const char *name;
	struct sess s;

	if (g->cmd != FWD_CMD_EVENT)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), sess_attr_cb, tb);
	sess_from_attrs(tb, &s);
	type = u8_or0(tb[FWD_A_EVENT_TYPE]);
	side = u8_or0(tb[FWD_A_EVENT_SIDE]);
	old = u8_or0(tb[FWD_A_EVENT_OLD_STATE]);
	new = u8_or0(tb[FWD_A_EVENT_NEW_STATE]);
	reason = u8_or0(tb[FWD_A_EVENT_REASON]);
	name = type == FWD_NL_EV_NEW ? "new" : type == FWD_NL_EV_STATE ? "state" :
	       type == FWD_NL_EV_CLOSING ? "closing" : "unknown";
	if (m->types && (type >= 32 || !(m->types & (1u << type))))
		return MNL_CB_OK;
	if (m->timestamp) {
		char t[80];

		printf(json ? "{\"timestamp\":\"%s\"," : "[%s] ", wall_clock(t, sizeof(t)));
	}
	if (json) {
		printf("%s\"event\":\"%s\",", m->timestamp ? "" : "{", name);
		if (type == FWD_NL_EV_STATE)
			printf("\"side\":\"%s\",\"old_state\":\"%s\",\"new_state\":\"%s\",",
			       side ? "server" : "client", tcp_state_name(old), tcp_state_name(new));
		if (type == FWD_NL_EV_CLOSING)
			printf("\"reason\":\"%s\",", reason < 5 ? close_reasons[reason] : "?");
		printf("\"session\":");
		sess_json(&s);
		puts("}");
	} else {
		char cl[INET6_ADDRSTRLEN + 8], sv[INET6_ADDRSTRLEN + 8];

		printf("[%s] id %llu %s %s -> %s", name, s.id, s.proto,
		       endpoint(s.client, s.cport, cl, sizeof(cl)),
		       endpoint(s.server, s.sport, sv, sizeof(sv)));
		if (type == FWD_NL_EV_STATE)
			printf(" %s %s -> %s", side ? "server" : "client", tcp_state_name(old),
			       tcp_state_name(new));
		if (type == FWD_NL_EV_CLOSING)
			printf(" reason %s", reason < 5 ? close_reasons[reason] : "?");
		printf(" %s/%s\n", s.cstate, s.sstate);
	}
	fflush(stdout);
	m->printed++;
	if (m->count && m->printed >= m->count)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static int cmd_monitor(int argc, char **argv)
{
	struct monitor_arg m = {};
	struct sigaction sa = { .sa_handler = on_signal };
	int one = 1, err, ret;
	struct nl n;

	int i;

	if (help_or(argc, argv, usage_monitor) == 0)
		return 0;
	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage_error(usage_monitor, "bad monitor argument '%s'", argv[i]);
		if (is(argv[i], "count") && is_number(argv[i + 1]) && atol(argv[i + 1]) > 0)
			m.count = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-e") && !(m.types = monitor_types(argv[i + 1])))
			return usage_error(usage_monitor,
					   "bad event list '%s' (NEW, STATE, CLOSING, comma-separated)",
					   argv[i + 1]);
		else if (!strcmp(argv[i], "-o") && !strcmp(argv[i + 1], "timestamp"))
			m.timestamp = true;
		else if (strcmp(argv[i], "-e"))
			return usage_error(usage_monitor, "bad monitor argument '%s'", argv[i]);
	}
	if (need_module())
		return 1;
	err = nl_open(&n);
	if (err)
		return nl_error(err, "monitor");
	if (!n.events_group) {
		nl_close(&n);
		return fail("monitor: the module has no events group");
	}
	if (mnl_socket_setsockopt(n.sock, NETLINK_ADD_MEMBERSHIP, &n.events_group,
				  sizeof(n.events_group)) < 0) {
		err = -errno;
		nl_close(&n);
		return nl_error(err, "monitor");
	}
	/* Overruns show up as ENOBUFS here and in the kernel's counter. */
	mnl_socket_setsockopt(n.sock, NETLINK_BROADCAST_ERROR, &one, sizeof(one));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "fwdctl: listening for session events (Ctrl-C to stop)\n");
	while (!stop) {
		ret = mnl_socket_recvfrom(n.sock, n.buf, NL_BUF_SIZE);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "fwdctl: events lost (receive buffer overrun)\n");
				continue;
			}
			err = -errno;
			nl_close(&n);
			return nl_error(err, "monitor");
		}
		ret = mnl_cb_run(n.buf, ret, 0, 0, event_cb, &m);
		if (ret == MNL_CB_STOP)
			break;
	}
	nl_close(&n);
	return 0;
}

/* ---- top -------------------------------------------------------------------------- */

struct top_row {
	struct sess s;
	char key[128];
	double rate;		/* bytes per second, both directions */
	double prate;		/* packets per second */
};

struct top_set {
	struct top_row *rows;
	size_t n, cap;
	const struct session_filter *f;
};

static void sess_key(const struct sess *s, char *key, size_t len)
{
	if (s->id)
		snprintf(key, len, "%llu", s->id);
	else
		snprintf(key, len, "%s %s %u %s %u", s->proto, s->client, s->cport, s->server,
			 s->sport);
}

static int top_collect(const struct sess *s, void *p)
{
	struct top_set *t = p;

	if (!sess_match(s, t->f))
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct top_row *r = realloc(t->rows, cap * sizeof(*r));

		if (!r)
			return fail("out of memory");
		t->rows = r;
		t->cap = cap;
	}
	t->rows[t->n].s = *s;
	sess_key(s, t->rows[t->n].key, sizeof(t->rows[t->n].key));
	t->n++;
	return 0;
}

static int row_cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct top_row *)a)->key, ((const struct top_row *)b)->key);
}

static int row_cmp_rate(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return x->s.obytes + x->s.rbytes < y->s.obytes + y->s.rbytes ? 1 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * top reads single keys ('q') from a terminal on standard input: canonical
 * mode and echo off while it runs, the settings restored however it ends
 * (return, exit, SIGINT and SIGTERM through the loop's exit).
 */
static struct termios tty_saved;
static bool tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	tty_raw = false;
}

static void tty_keys(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty_saved))
		return;
	t = tty_saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	tty_raw = true;
	atexit(tty_restore);
}

/* Wait @secs, or until 'q' is typed (true) or a signal asks to stop. */
static bool top_wait(double secs)
{
	double end = now_s() + secs, left;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char c;

	while (!stop && (left = end - now_s()) > 0) {
		if (!tty_raw) {
			struct timespec ts = { (time_t)left, (long)((left - (time_t)left) * 1e9) };

			nanosleep(&ts, NULL);
			continue;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;	/* timeout, or EINTR: the loop checks both */
		if (read(STDIN_FILENO, &c, 1) != 1)
			return false;
		if (c == 'q' || c == 'Q')
			return true;
	}
	return false;
}

static int cmd_top(int argc, char **argv)
{
	struct session_filter f = SESSION_FILTER_INIT;
	struct top_set prev = { .f = &f }, cur = { .f = &f };
	long iters = -1, rows = 0, iter;
	double interval = 1, t_prev = 0, t_cur;
	bool tty = isatty(STDOUT_FILENO), ids;
	struct sigaction sa = { .sa_handler = on_signal };
	int i;

	if (help_or(argc, argv, usage_top) == 0)
		return 0;
	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			return usage_error(usage_top, "'%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "-n") && is_number(argv[i + 1]) && atol(argv[i + 1]) > 0)
			iters = atol(argv[++i]);
		else if (!strcmp(argv[i], "-N") && is_number(argv[i + 1]) && atol(argv[i + 1]) > 0)
			rows = atol(argv[++i]);
		else if (!strcmp(argv[i], "-d") && atof(argv[i + 1]) > 0)
			interval = atof(argv[++i]);
		else if (!parse_filter(argv[i], argv[i + 1], &f))
			i++;
		else
			return usage_error(usage_top, "bad top argument '%s'", argv[i]);
	}
	if (need_module())
		return 1;
	if (!rows) {
		struct winsize ws;

		rows = tty && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 6 ?
		       ws.ws_row - 5 : 20;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tty_keys();
	for (iter = 0; !stop && (iters < 0 || iter < iters); iter++) {
		char b[4][32];
		size_t k;

		if (iter && (top_wait(interval) || stop))
			break;
		cur.n = 0;
		if (any_sessions(top_collect, &cur, &ids)) {
			tty_restore();
			return 1;
		}
		t_cur = now_s();
		/* Rate since the previous refresh; for new sessions, since they began. */
		for (k = 0; k < cur.n; k++) {
			struct top_row *r = &cur.rows[k], *p = NULL;
			unsigned long long bytes = r->s.obytes + r->s.rbytes;
			unsigned long long pkts = r->s.opkts + r->s.rpkts;
			double dt;

			if (prev.n)
				p = bsearch(r, prev.rows, prev.n, sizeof(*r), row_cmp_key);
			if (p && bytes >= p->s.obytes + p->s.rbytes) {
				dt = t_cur - t_prev;
				r->rate = (bytes - p->s.obytes - p->s.rbytes) / dt;
				r->prate = (pkts - p->s.opkts - p->s.rpkts) / dt;
			} else {
				dt = r->s.age_ms ? r->s.age_ms / 1000.0 : 1;
				r->rate = bytes / (dt < 1 ? 1 : dt);
				r->prate = pkts / (dt < 1 ? 1 : dt);
			}
		}
		qsort(cur.rows, cur.n, sizeof(*cur.rows), row_cmp_rate);
		if (json) {
			printf("{\"iteration\":%ld,\"sessions\":%zu,\"top\":[", iter + 1, cur.n);
			for (k = 0; k < cur.n && k < (size_t)rows; k++) {
				printf("%s{\"rate_bps\":%.0f,\"rate_pps\":%.0f,\"session\":",
				       k ? "," : "", cur.rows[k].rate * 8, cur.rows[k].prate);
				sess_json(&cur.rows[k].s);
				putchar('}');
			}
			puts("]}");
		} else {
			if (tty)
				printf("\033[H\033[2J");
			printf("fwdctl top - %zu sessions, every %.1fs%s\n\n", cur.n, interval,
			       ids ? "" : " (from /proc: no ids)");
			printf("%s%-8s %-5s %-40s %-40s %-12s %10s %9s %10s%s\n", tty ? "\033[7m" : "",
			       "ID", "PROTO", "CLIENT", "SERVER", "STATE", "RATE", "PKT/S", "TOTAL",
			       tty ? "\033[0m" : "");
			for (k = 0; k < cur.n && k < (size_t)rows; k++) {
				const struct sess *s = &cur.rows[k].s;
				char cl[64], sv[64];

				endpoint(s->client, s->cport, cl, sizeof(cl));
				endpoint(s->server, s->sport, sv, sizeof(sv));
				human((unsigned long long)(cur.rows[k].rate * 8), false, b[0],
				      sizeof(b[0]));
				strncat(b[0], "b/s", sizeof(b[0]) - strlen(b[0]) - 1);
				printf("%-8s %-5s %-40s %-40s %-12s %10s %9s %10s\n",
				       s->id ? (snprintf(b[3], sizeof(b[3]), "%llu", s->id), b[3]) : "-",
				       s->proto, cl, sv,
				       !strcmp(s->proto, "udp") ? (s->established ? "REPLIED" : "NEW") :
				       s->sstate, b[0],
				       human((unsigned long long)cur.rows[k].prate, false, b[1],
					     sizeof(b[1])),
				       human(s->obytes + s->rbytes, true, b[2], sizeof(b[2])));
			}
		}
		fflush(stdout);
		/* Keep this refresh, sorted by key, for the next one's rates. */
		qsort(cur.rows, cur.n, sizeof(*cur.rows), row_cmp_key);
		{
			struct top_set tmp = prev;

			prev = cur;
			cur = tmp;
		}
		t_prev = t_cur;
	}
	tty_restore();
	free(prev.rows);
	free(cur.rows);
	return 0;
}

/* ---- counters, splices, plugins, groups, tunables ------------------------------- */

/* The counters that are levels, not totals (Prometheus gauges). */
static bool counter_is_gauge(const char *name)
{
	static const char *const gauges[] = {
		"sessions_active", "sessions_limit", "session_size", "splice_active",
	};

	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if (!strcmp(name, gauges[i]))
			return true;
	return false;
}


/* One counter as a Prometheus sample with its TYPE (counters get _total). */
static void show_prom(const char *name, const char *value)
{
	bool gauge = counter_is_gauge(name);

	printf("# TYPE forwarder_%s%s %s\n", name, gauge ? "" : "_total", gauge ? "gauge" : "counter");
	printf("forwarder_%s%s %s\n", name, gauge ? "" : "_total", value);
}

static void show_counter(const char *name, const char *value, bool *first)
{
	if (prom) {
		show_prom(name, value);
	} else if (json) {
		json_key(first, name);
		json_value(value);
	} else {
		printf("%-28s %s\n", name, value);
		*first = false;
	}
}

/*
 * "name value" lines (stats files), names prefixed with @prefix, as text or
 * JSON members; only those starting with @only when it is not NULL.
 */
static int show_counters(const char *file, const char *prefix, const char *only, bool *first)
{
	char *buf = slurp(file), *line, *save, *w[2];

	if (!buf)
		return errno == ENOENT ? 0 : fail("cannot read %s: %s", file, strerror(errno));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (words(line, w, 2) != 2 || (only && strncmp(w[0], only, strlen(only))))
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, w[0]);
		show_counter(name, w[1], first);
	}
	free(buf);
	return 0;
}

/* The session counters STATS_GET gives, named and ordered as the stats file. */
static const struct {
	uint16_t attr;
	const char *name;
} nl_counters[] = {
	{ FWD_STATS_SESSIONS_ACTIVE, "sessions_active" },
	{ FWD_STATS_SESSIONS_LIMIT, "sessions_limit" },
	{ FWD_STATS_PACKETS, "packets" },
	{ FWD_STATS_TRACKED, "tracked" },
	{ FWD_STATS_PARSE_ERRORS, "parse_errors" },
	{ FWD_STATS_FRAGMENTS, "fragments" },
	{ FWD_STATS_BAD_TCP_FLAGS, "bad_tcp_flags" },
	{ FWD_STATS_OTHER_PROTO, "other_proto" },
	{ FWD_STATS_SESSIONS_CREATED, "sessions_created" },
	{ FWD_STATS_SESSIONS_EXPIRED, "sessions_expired" },
	{ FWD_STATS_SESSIONS_EVICTED, "sessions_evicted" },
	{ FWD_STATS_SESSIONS_REFUSED, "sessions_refused" },
	{ FWD_STATS_SESSIONS_UNTRACKED, "sessions_untracked" },
	{ FWD_STATS_SESSIONS_REPLACED, "sessions_replaced" },
	{ FWD_STATS_SESSIONS_FLUSHED, "sessions_flushed" },
	{ FWD_STATS_ALLOC_FAILURES, "alloc_failures" },
	{ FWD_STATS_RETRANSMITS, "retransmits" },
	{ FWD_STATS_TCP_INVALID, "tcp_invalid" },
	{ FWD_STATS_DROPPED, "dropped" },
	{ FWD_STATS_NETLINK_EVENTS_DROPPED, "netlink_events_dropped" },
	{ FWD_STATS_SESSION_SIZE, "session_size" },
};

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= FWD_STATS_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int nl_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {}, *st[FWD_STATS_MAX + 1] = {};
	unsigned int i;
	char v[24];

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	if (!tb[FWD_A_STATS])
		return MNL_CB_ERROR;
	mnl_attr_parse_nested(tb[FWD_A_STATS], stats_attr_cb, st);
	for (i = 0; i < MNL_ARRAY_SIZE(nl_counters); i++) {
		if (!st[nl_counters[i].attr])
			continue;	/* an older module: fewer counters */
		snprintf(v, sizeof(v), "%llu",
			 (unsigned long long)mnl_attr_get_u64(st[nl_counters[i].attr]));
		show_counter(nl_counters[i].name, v, data);
	}
	return MNL_CB_OK;
}

/* The session counters from netlink: 0, or -errno (-ENOENT: no family). */
static int nl_stats(bool *first)
{
	return nl_ask(NLM_F_ACK, FWD_CMD_STATS_GET, nl_stats_cb, first);
}

static int cmd_stats(int argc, char **argv)
{
	bool first = true;
	int err;

	if (help_or(argc, argv, usage_stats) == 0)
		return 0;
	if (argc == 2 && !strcmp(argv[0], "-o") && !strcmp(argv[1], "prom")) {
		prom = true;
		argc = 0;
	}
	if (argc)
		return usage_error(usage_stats, "bad stats argument ('%s')", argv[0]);
	if (prom && json)
		return usage_error(usage_stats, "-j and -o %s are two different formats", "prom");
	if (need_module())
		return 1;
	if (json)
		putchar('{');
	/*
	 * The session counters from netlink, the per-event ones and the splice
	 * counters (which it does not give) from their files; all of the
	 * stats file when netlink is not there or not allowed.
	 */
	err = nl_stats(&first);
	if (err == -ENOENT || err == -EPERM || err == -EACCES || err == -EPROTONOSUPPORT)
		err = show_counters("stats", "", NULL, &first);
	else if (err)
		err = nl_error(err, "stats");
	else
		err = show_counters("stats", "", "event_", &first);
	err = err || show_counters("splice_stats", "splice_", NULL, &first);
	if (json)
		puts("}");
	return err;
}

/* One "key value ..." line as text, or as a JSON object after @shown others. */
static void kv_line(char *line, int *shown)
{
	char *w[64];
	bool first = true;
	int n, i;

	if (!json) {
		puts(line);
		return;
	}
	n = words(line, w, 64);
	printf("%s{", *shown ? "," : "");
	for (i = 0; i + 1 < n; i += 2) {
		json_key(&first, w[i]);
		json_value(w[i + 1]);
	}
	putchar('}');
	(*shown)++;
}

static const char * const splice_states[] = {
	"INSTALLING", "ESTABLISHED", "FIN_WAIT", "TIME_WAIT", "CLOSE", "DEAD",
};

static const char *ip4_at(const struct nlattr *a, char *out)
{
	nl_addr(a, AF_INET, out, INET_ADDRSTRLEN);
	return out;
}

static unsigned int port_at(const struct nlattr *a)
{
	return a ? ntohs(mnl_attr_get_u16(a)) : 0;
}

/* A pair from netlink, as show's words (without its translation details). */
static int nl_splice_cb(const struct nlmsghdr *nlh, void *data)
{
	char cl[INET_ADDRSTRLEN], lo[INET_ADDRSTRLEN], sl[INET_ADDRSTRLEN], sv[INET_ADDRSTRLEN];
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	unsigned int state;
	char line[512];

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	state = u8_or0(tb[FWD_A_SPLICE_STATE]);
	snprintf(line, sizeof(line),
		 "client %s:%u local %s:%u server_local %s:%u server %s:%u state %s"
		 " c2s_packets %llu c2s_bytes %llu s2c_packets %llu s2c_bytes %llu"
		 " age %llu idle %llu timeout %u id %llu",
		 ip4_at(tb[FWD_A_CLIENT_ADDR], cl), port_at(tb[FWD_A_CLIENT_PORT]),
		 ip4_at(tb[FWD_A_SPLICE_LOCAL_ADDR], lo), port_at(tb[FWD_A_SPLICE_LOCAL_PORT]),
		 ip4_at(tb[FWD_A_SPLICE_SERVER_LOCAL_ADDR], sl),
		 port_at(tb[FWD_A_SPLICE_SERVER_LOCAL_PORT]),
		 ip4_at(tb[FWD_A_SERVER_ADDR], sv), port_at(tb[FWD_A_SERVER_PORT]),
		 state < MNL_ARRAY_SIZE(splice_states) ? splice_states[state] : "?",
		 u64_or0(tb[FWD_A_ORIG_PACKETS]), u64_or0(tb[FWD_A_ORIG_BYTES]),
		 u64_or0(tb[FWD_A_REPLY_PACKETS]), u64_or0(tb[FWD_A_REPLY_BYTES]),
		 u64_or0(tb[FWD_A_AGE_MS]) / 1000, u64_or0(tb[FWD_A_SPLICE_IDLE_MS]) / 1000,
		 tb[FWD_A_SPLICE_TIMEOUT] ? mnl_attr_get_u32(tb[FWD_A_SPLICE_TIMEOUT]) : 0,
		 u64_or0(tb[FWD_A_SPLICE_ID]));
	kv_line(line, data);
	return MNL_CB_OK;
}

/* Every pair through a netlink dump: 0, or -errno (-ENOENT: no family, or too old). */
static int nl_splices(int *shown)
{
	return nl_ask(NLM_F_DUMP, FWD_CMD_SPLICE_GET, nl_splice_cb, shown);
}

static int cmd_splice_kill(const char *arg)
{
	return nl_delete_id(arg, usage_splice, "splice kill", "spliced pair", FWD_CMD_SPLICE_DEL,
			    FWD_A_SPLICE_ID);
}

static int cmd_splice(int argc, char **argv)
{
	char *buf, *line, *save;
	int shown = 0, err;

	if (help_or(argc, argv, usage_splice) == 0)
		return 0;
	if (argc == 2 && is(argv[0], "kill"))
		return cmd_splice_kill(argv[1]);
	if (argc != 1 || !(is(argv[0], "list") || is(argv[0], "show")))
		return usage_error(usage_splice, "usage: fwdctl splice { list | kill ID }%s", "");
	if (need_module())
		return 1;
	if (json)
		putchar('[');
	err = nl_splices(&shown);
	if (err == -ENOENT || err == -EPERM || err == -EACCES || err == -EOPNOTSUPP ||
	    err == -EPROTONOSUPPORT) {
		/* No family, not allowed, or a module without the command: show. */
		shown = 0;
		buf = slurp("show");
		if (!buf)
			return fail("cannot read show: %s", strerror(errno));
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			kv_line(line, &shown);
		free(buf);
	} else if (err) {
		return nl_error(err, "splice dump");
	}
	if (json)
		puts("]");
	return 0;
}

/* /proc/forwarder/plugins: "# header", one line per plugin, "ude ID NAME base BASE". */
static int cmd_plugin(int argc, char **argv)
{
	static const char * const cols[] = {
		"name", "priority", "phase", "ctx_size", "calls", "took_over", "detached",
		"ctx_fail",
	};
	char *buf, *line, *save, *w[16];
	bool first_p = true, first_u = true;
	int n, i;

	if (help_or(argc, argv, usage_plugin) == 0)
		return 0;
	if (argc != 1 || !(is(argv[0], "list") || is(argv[0], "show")))
		return usage_error(usage_plugin, "usage: fwdctl plugin list%s", "");
	if (need_module())
		return 1;
	buf = slurp("plugins");
	if (!buf)
		return fail("cannot read plugins: %s", strerror(errno));
	if (!json) {
		fputs(buf, stdout);
		free(buf);
		return 0;
	}
	/* Two passes over a copy: plugins first, then user-defined events. */
	printf("{\"plugins\":[");
	for (int pass = 0; pass < 2; pass++) {
		char *copy = strdup(buf);

		if (!copy) {
			free(buf);
			return fail("out of memory");
		}
		if (pass)
			printf("],\"user_events\":[");
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			bool first = true;

			if (line[0] == '#')
				continue;
			n = words(line, w, 16);
			if (!pass && n == 9 && strcmp(w[0], "ude")) {
				printf("%s{", first_p ? "" : ",");
				first_p = false;
				for (i = 0; i < 8; i++) {
					json_key(&first, cols[i]);
					json_value(w[i]);
				}
				json_key(&first, "events");
				putchar('[');
				if (strcmp(w[8], "-")) {
					char *ev, *s2;
					bool f2 = true;

					for (ev = strtok_r(w[8], ",", &s2); ev; ev = strtok_r(NULL, ",", &s2)) {
						printf("%s", f2 ? "" : ",");
						json_str(ev);
						f2 = false;
					}
				}
				printf("]}");
			} else if (pass && n == 5 && !strcmp(w[0], "ude")) {
				printf("%s{", first_u ? "" : ",");
				first_u = false;
				json_key(&first, "id");
				json_value(w[1]);
				json_key(&first, "name");
				json_str(w[2]);
				json_key(&first, "base");
				json_str(w[4]);
				putchar('}');
			}
		}
		free(copy);
	}
	puts("]}");
	free(buf);
	return 0;
}

/* ---- firewall ------------------------------------------------------------------ */

/* The fwd_firewall family's attributes as Documentation/netlink/specs/fwd_firewall.yaml names them. */
static const char * const fw_attr_names[FWD_FW_A_MAX + 1] = {
	[FWD_FW_A_INDEX] = "index", [FWD_FW_A_ACTION] = "action", [FWD_FW_A_GROUP] = "group",
	[FWD_FW_A_DIR] = "dir", [FWD_FW_A_PROTO] = "proto", [FWD_FW_A_SRC_ADDR] = "src-addr",
	[FWD_FW_A_SRC_PREFIX_LEN] = "src-prefix-len", [FWD_FW_A_DST_ADDR] = "dst-addr",
	[FWD_FW_A_DST_PREFIX_LEN] = "dst-prefix-len", [FWD_FW_A_SPORT] = "sport",
	[FWD_FW_A_DPORT] = "dport", [FWD_FW_A_CLASS] = "class",
};

static const char * const fw_actions[] = { "accept", "intercept", "rate-limit" };
static const char * const fw_dirs[] = { "", "orig", "reply", "both" };

/* A refusal of the fwd_firewall family: its extack message and attribute, by name. */
static int fw_nl_error(int err, const char *what)
{
	int a = ext.bad_attr >= 0 ? ext.bad_attr : ext.miss_attr;
	char b[16];

	if (!ext.msg[0])
		return nl_error(err, what);
	if (a < 0)
		return fail("%s: kernel: %s", what, ext.msg);
	if (a <= FWD_FW_A_MAX && fw_attr_names[a])
		snprintf(b, sizeof(b), "%s", fw_attr_names[a]);
	else
		snprintf(b, sizeof(b), "%d", a);
	return fail("%s: kernel: %s (%sattribute %s)", what, ext.msg,
		    ext.bad_attr >= 0 ? "" : "missing ", b);
}

/* A fwd_firewall request: nl_msg() with this family's version. */
static struct nlmsghdr *fw_msg(struct nl *n, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = nl_msg(n, n->family, flags, cmd);
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	g->version = FWD_FW_GENL_VERSION;
	return nlh;
}

/* One rule of a RULE_GET dump. */
struct fw_row {
	unsigned int index, action, group, dir, proto;
	unsigned long long hits;
	char src[INET6_ADDRSTRLEN + 4], dst[INET6_ADDRSTRLEN + 4], class[FWD_FW_CLASS_NAME_MAX];
	int sport, dport;	/* -1: none */
	bool ratelimit, has_proto;
};

struct fw_dump {
	struct fw_row *rows;
	size_t n;
	bool nomem, intr;
	unsigned long long intercepted, dropped;
};

static int fw_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= FWD_FW_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* "ADDR/LEN" from an address attribute (4 or 16 bytes) and its length. */
static void fw_prefix(const struct nlattr *a, const struct nlattr *plen, char *out, size_t len)
{
	int family = mnl_attr_get_payload_len(a) == 4 ? AF_INET : AF_INET6;
	char addr[INET6_ADDRSTRLEN];

	nl_addr(a, family, addr, sizeof(addr));
	snprintf(out, len, "%s/%u", addr, plen ? mnl_attr_get_u8(plen) : family == AF_INET ? 32 : 128);
}

static int fw_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_FW_A_MAX + 1] = {};
	struct fw_dump *d = data;
	struct fw_row *r;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		d->intr = true;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), fw_attr_cb, tb);
	if (!tb[FWD_FW_A_ACTION])
		return MNL_CB_OK;
	r = realloc(d->rows, (d->n + 1) * sizeof(*r));
	if (!r) {
		d->nomem = true;
		return MNL_CB_OK;
	}
	d->rows = r;
	r = &d->rows[d->n++];
	memset(r, 0, sizeof(*r));
	r->index = tb[FWD_FW_A_INDEX] ? mnl_attr_get_u32(tb[FWD_FW_A_INDEX]) : d->n;
	r->action = u8_or0(tb[FWD_FW_A_ACTION]);
	r->ratelimit = tb[FWD_FW_A_GROUP] != NULL;
	r->group = u8_or0(tb[FWD_FW_A_GROUP]);
	r->dir = u8_or0(tb[FWD_FW_A_DIR]);
	r->has_proto = tb[FWD_FW_A_PROTO] != NULL;
	r->proto = u8_or0(tb[FWD_FW_A_PROTO]);
	if (tb[FWD_FW_A_SRC_ADDR])
		fw_prefix(tb[FWD_FW_A_SRC_ADDR], tb[FWD_FW_A_SRC_PREFIX_LEN], r->src, sizeof(r->src));
	if (tb[FWD_FW_A_DST_ADDR])
		fw_prefix(tb[FWD_FW_A_DST_ADDR], tb[FWD_FW_A_DST_PREFIX_LEN], r->dst, sizeof(r->dst));
	r->sport = tb[FWD_FW_A_SPORT] ? ntohs(mnl_attr_get_u16(tb[FWD_FW_A_SPORT])) : -1;
	r->dport = tb[FWD_FW_A_DPORT] ? ntohs(mnl_attr_get_u16(tb[FWD_FW_A_DPORT])) : -1;
	if (tb[FWD_FW_A_CLASS] && !mnl_attr_validate(tb[FWD_FW_A_CLASS], MNL_TYPE_NUL_STRING))
		snprintf(r->class, sizeof(r->class), "%s", mnl_attr_get_str(tb[FWD_FW_A_CLASS]));
	r->hits = u64_or0(tb[FWD_FW_A_HITS]);
	return MNL_CB_OK;
}

static int fw_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_FW_A_MAX + 1] = {};
	struct fw_dump *d = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), fw_attr_cb, tb);
	d->intercepted = u64_or0(tb[FWD_FW_A_INTERCEPTED_SESSIONS]);
	d->dropped = u64_or0(tb[FWD_FW_A_DROPPED_PACKETS]);
	return MNL_CB_OK;
}

/*
 * The rules (a dump, again if the table changed under it) and the counters
 * from the fwd_firewall family: 0, -ENOENT without the family (an older
 * plugin, or none), or -errno (ext says why).
 */
static int fw_nl_dump(struct fw_dump *d)
{
	struct nl n;
	int err, tries = 0;

	err = nl_open_family(&n, FWD_FW_GENL_NAME);
	if (err)
		return err;
	do {
		free(d->rows);
		d->rows = NULL;
		d->n = 0;
		d->intr = false;
		err = nl_talk(&n, fw_msg(&n, NLM_F_DUMP, FWD_FW_CMD_RULE_GET), fw_rule_cb, d);
	} while (!err && d->intr && ++tries < 5);
	if (!err)
		err = nl_talk(&n, fw_msg(&n, NLM_F_ACK, FWD_FW_CMD_STATS_GET), fw_stats_cb, d);
	nl_close(&n);
	return err ? err : d->nomem ? -ENOMEM : 0;
}

/* "ACTION [group G dir D] [proto P] [src A/L] [dst A/L] [sport N] [dport N] [class C]" */
static void fw_row_words(const struct fw_row *r, char *out, size_t len)
{
	size_t k = 0;

#define FW_ADD(...) (k += snprintf(out + k, k < len ? len - k : 0, __VA_ARGS__))
	FW_ADD("%s", r->action < 3 ? fw_actions[r->action] : "?");
	if (r->ratelimit)
		FW_ADD(" group %u dir %s", r->group, r->dir < 4 ? fw_dirs[r->dir] : "?");
	if (r->has_proto)
		FW_ADD(" proto %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
	if (r->src[0])
		FW_ADD(" src %s", r->src);
	if (r->dst[0])
		FW_ADD(" dst %s", r->dst);
	if (r->sport >= 0)
		FW_ADD(" sport %d", r->sport);
	if (r->dport >= 0)
		FW_ADD(" dport %d", r->dport);
	if (r->class[0])
		FW_ADD(" class %s", r->class);
#undef FW_ADD
}

static void fw_row_json(const struct fw_row *r)
{
	bool first = true;

	putchar('{');
	json_key(&first, "id");
	printf("%u", r->index);
	json_key(&first, "action");
	json_str(r->action < 3 ? fw_actions[r->action] : "?");
	if (r->ratelimit) {
		json_key(&first, "group");
		printf("%u", r->group);
		json_key(&first, "dir");
		json_str(r->dir < 4 ? fw_dirs[r->dir] : "?");
	}
	if (r->has_proto) {
		json_key(&first, "proto");
		json_str(r->proto == IPPROTO_TCP ? "tcp" : "udp");
	}
	if (r->src[0]) {
		json_key(&first, "src");
		json_str(r->src);
	}
	if (r->dst[0]) {
		json_key(&first, "dst");
		json_str(r->dst);
	}
	if (r->sport >= 0) {
		json_key(&first, "sport");
		printf("%d", r->sport);
	}
	if (r->dport >= 0) {
		json_key(&first, "dport");
		printf("%d", r->dport);
	}
	if (r->class[0]) {
		json_key(&first, "class");
		json_str(r->class);
	}
	json_key(&first, "hits");
	printf("%llu}", r->hits);
}

/* firewall list over netlink: the /proc file's text, or JSON. */
static int fw_nl_list(void)
{
	struct fw_dump d = {};
	char text[512];
	size_t i;
	int err;

	err = fw_nl_dump(&d);
	if (err) {
		free(d.rows);
		return err;
	}
	if (json)
		printf("{\"rules\":[");
	for (i = 0; i < d.n; i++) {
		if (json) {
			printf("%s", i ? "," : "");
			fw_row_json(&d.rows[i]);
			continue;
		}
		fw_row_words(&d.rows[i], text, sizeof(text));
		printf("%u %s hits %llu\n", d.rows[i].index, text, d.rows[i].hits);
	}
	if (json)
		printf("],\"intercepted_sessions\":%llu,\"dropped_packets\":%llu}\n",
		       d.intercepted, d.dropped);
	else
		printf("intercepted_sessions %llu\ndropped_packets %llu\n", d.intercepted, d.dropped);
	free(d.rows);
	return 0;
}

/* "ADDR[/LEN]" as an address and a prefix length; the kernel judges the length. */
static int fw_put_prefix(struct nlmsghdr *nlh, const char *arg, uint16_t addr_attr,
			 uint16_t plen_attr)
{
	unsigned char a[16];
	int fam, plen;

	if (split_prefix(arg, a, &fam, &plen) || plen > 255)
		return -1;
	mnl_attr_put(nlh, addr_attr, fam == AF_INET ? 4 : 16, a);
	if (plen >= 0)
		mnl_attr_put_u8(nlh, plen_attr, plen);
	return 0;
}

/*
 * "ACTION [KEY VALUE]..." (the /proc grammar) as RULE_ADD's typed
 * attributes; 0, or 2 after a usage error. Values the kernel checks (a
 * group of 0, a prefix too long for its address, a class name) go as given.
 */
static int fw_put_rule(struct nlmsghdr *nlh, int argc, char **argv)
{
	unsigned int i;
	int k;

	for (i = 0; i < 3 && strcmp(argv[0], fw_actions[i]); i++)
		;
	if (i == 3)
		return usage_error(usage_firewall, "unknown action '%s' (accept, intercept, rate-limit)",
				   argv[0]);
	mnl_attr_put_u8(nlh, FWD_FW_A_ACTION, i);
	for (k = 1; k < argc; k += 2) {
		const char *key = argv[k], *val = k + 1 < argc ? argv[k + 1] : NULL;
		bool ok = val != NULL;

		if (!ok) {
			return usage_error(usage_firewall, "'%s' needs a value", key);
		} else if (!strcmp(key, "group")) {
			ok = is_number(val) && strlen(val) <= 3 && atoi(val) <= 255;
			if (ok)
				mnl_attr_put_u8(nlh, FWD_FW_A_GROUP, atoi(val));
		} else if (!strcmp(key, "dir")) {
			for (i = 1; i < 4 && strcmp(val, fw_dirs[i]); i++)
				;
			ok = i < 4;
			if (ok)
				mnl_attr_put_u8(nlh, FWD_FW_A_DIR, i);
		} else if (!strcmp(key, "proto")) {
			ok = !strcmp(val, "tcp") || !strcmp(val, "udp");
			if (ok)
				mnl_attr_put_u8(nlh, FWD_FW_A_PROTO,
						strcmp(val, "tcp") ? IPPROTO_UDP : IPPROTO_TCP);
		} else if (!strcmp(key, "src") || !strcmp(key, "dst")) {
			ok = !fw_put_prefix(nlh, val, key[0] == 's' ? FWD_FW_A_SRC_ADDR : FWD_FW_A_DST_ADDR,
					    key[0] == 's' ? FWD_FW_A_SRC_PREFIX_LEN :
					    FWD_FW_A_DST_PREFIX_LEN);
		} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
			ok = is_port(val);
			if (ok)
				mnl_attr_put_u16(nlh, key[0] == 's' ? FWD_FW_A_SPORT : FWD_FW_A_DPORT,
						 htons(atoi(val)));
		} else if (!strcmp(key, "class")) {
			ok = strlen(val) < 64;
			if (ok)
				mnl_attr_put_strz(nlh, FWD_FW_A_CLASS, val);
		} else {
			return usage_error(usage_firewall,
					   "unknown keyword '%s' (group, dir, proto, src, dst, sport, dport, class)",
					   key);
		}
		if (!ok) {
			fprintf(stderr, "fwdctl: bad value for %s: ", key);
			return usage_error(usage_firewall, "'%s'", val);
		}
	}
	return 0;
}

/* firewall add or flush over netlink: 0, 1 or 2 (said why), or -ENOENT without the family. */
static int fw_nl_change(int argc, char **argv)
{
	bool add = is(argv[0], "add");
	struct nlmsghdr *nlh;
	struct nl n;
	int err;

	if (add && argc < 2)
		return usage_error(usage_firewall, "firewall add needs an ACTION%s", "");
	if (!add && argc > 1)
		return usage_error(usage_firewall, "firewall flush takes no argument ('%s')", argv[1]);
	err = nl_open_family(&n, FWD_FW_GENL_NAME);
	if (err == -ENOENT)
		return err;
	if (err)
		return nl_error(err, add ? "firewall add" : "firewall flush");
	nlh = fw_msg(&n, NLM_F_ACK, add ? FWD_FW_CMD_RULE_ADD : FWD_FW_CMD_RULE_FLUSH);
	if (add) {
		err = fw_put_rule(nlh, argc - 1, argv + 1);
		if (err) {
			nl_close(&n);
			return err;
		}
	}
	err = nl_talk(&n, nlh, NULL, NULL);
	nl_close(&n);
	return err ? fw_nl_error(err, add ? "firewall add" : "firewall flush") : 0;
}

/* The /proc file, with a plugin that has no fwd_firewall family. */
static int fw_proc_list(void)
{
	char *buf, *line, *save, *w[64];
	bool first = false;	/* "rules" is the first member */
	int i, n, rules = 0;

	buf = slurp("firewall");
	if (!buf)
		return errno == ENOENT ?
		       fail("the firewall plugin is not loaded (no %s/firewall)", proc_dir) :
		       fail("cannot read firewall: %s", strerror(errno));
	if (!json) {
		fputs(buf, stdout);
		free(buf);
		return 0;
	}
	printf("{\"rules\":[");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool f2 = true;

		n = words(line, w, 64);
		if (n == 2 && !is_number(w[0])) {	/* a counter */
			printf("%s", rules >= 0 ? "]" : "");
			rules = -1;
			json_key(&first, w[0]);
			json_value(w[1]);
			continue;
		}
		if (n < 2 || rules < 0)
			continue;
		printf("%s{", rules++ ? "," : "");
		json_key(&f2, "id");
		json_value(w[0]);
		json_key(&f2, "action");
		json_str(w[1]);
		for (i = 2; i + 1 < n; i += 2) {
			json_key(&f2, w[i]);
			json_value(w[i + 1]);
		}
		putchar('}');
	}
	puts(rules >= 0 ? "]}" : "}");
	free(buf);
	return 0;
}

/* add or flush through the /proc file, with a plugin that has no fwd_firewall family. */
static int fw_proc_change(int argc, char **argv)
{
	char cmd[256];
	size_t len = 0;
	int i, err;

	for (i = 0; i < argc; i++) {
		int k = snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i ? " " : "",
				 i ? argv[i] : is(argv[0], "add") ? "add" : "flush");

		if (k < 0 || (size_t)k >= sizeof(cmd) - len)
			return usage_error(usage_firewall, "firewall command too long%s", "");
		len += k;
	}
	err = proc_write("firewall", cmd);
	switch (err) {
	case 0:
		return 0;
	case ENOENT:
		return fail("the firewall plugin is not loaded (no %s/firewall)", proc_dir);
	case EPERM:
	case EACCES:
		return fail("firewall %s: permission denied (needs CAP_NET_ADMIN)", argv[0]);
	case EINVAL:
		return fail("firewall %s: invalid rule (the kernel log says why)", argv[0]);
	default:
		return fail("firewall %s: %s", argv[0], strerror(err));
	}
}

/*
 * The firewall plugin's rules, through its fwd_firewall family; through
 * /proc/forwarder/firewall only when the family is not there (an older plugin).
 */
static int cmd_firewall(int argc, char **argv)
{
	int err;

	if (help_or(argc, argv, usage_firewall) == 0)
		return 0;
	if (argc < 1 || !(is(argv[0], "list") || is(argv[0], "show") || is(argv[0], "add") ||
			  is(argv[0], "flush")))
		return usage_error(usage_firewall, "unknown firewall command '%s'",
				   argc ? argv[0] : "");
	if (need_module())
		return 1;
	if (is(argv[0], "list") || is(argv[0], "show")) {
		if (argc > 1)
			return usage_error(usage_firewall, "firewall list takes no argument ('%s')",
					   argv[1]);
		err = fw_nl_list();
		if (err == -ENOENT)
			return fw_proc_list();
		return err ? fw_nl_error(err, "firewall list") : 0;
	}
	err = fw_nl_change(argc, argv);
	return err == -ENOENT ? fw_proc_change(argc, argv) : err;
}

/* save's "firewall add" lines: from netlink, from the /proc file with an older plugin. */
static int save_firewall(void)
{
	char *buf, *line, *save, *w[64], text[512];
	struct fw_dump d = {};
	size_t j;
	int n, i, err;

	err = fw_nl_dump(&d);
	if (!err) {
		for (j = 0; j < d.n; j++) {
			fw_row_words(&d.rows[j], text, sizeof(text));
			printf("firewall add %s\n", text);
		}
		free(d.rows);
		return 0;
	}
	free(d.rows);
	if (err != -ENOENT)
		return fw_nl_error(err, "firewall dump");
	buf = slurp("firewall");
	if (!buf && errno != ENOENT)
		return fail("cannot read firewall: %s", strerror(errno));
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = words(line, w, 64);
		if (n < 2 || !is_number(w[0]))
			continue;
		printf("firewall add");
		for (i = 1; i < n; i++) {
			if (!strcmp(w[i], "hits") && i + 1 < n) {
				i++;
				continue;
			}
			printf(" %s", w[i]);
		}
		putchar('\n');
	}
	free(buf);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The settings: the files of the directory one may read and write holding one word. */
/* FWD_A_TUNABLE_TEXT into @out ("" if absent or not a string). */
static void tunable_text(const struct nlattr *a, char *out, size_t len)
{
	snprintf(out, len, "%s", a && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) ?
		 mnl_attr_get_str(a) : "");
}

/* A tunable's name and value, from a TUNABLE_GET dump. */
struct saved_tunable {
	char name[FWD_TUNABLE_NAME_MAX];
	unsigned long long value;
	char text[FWD_TUNABLE_NAME_MAX];	/* a worded tunable's value */
};

struct saved_tunables {
	struct saved_tunable *t;
	size_t n;
	bool nomem;
};

static int save_tunable_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	struct saved_tunables *st = data;
	struct saved_tunable *t;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	if (!tb[FWD_A_TUNABLE_NAME] || mnl_attr_validate(tb[FWD_A_TUNABLE_NAME], MNL_TYPE_NUL_STRING))
		return MNL_CB_OK;
	t = realloc(st->t, (st->n + 1) * sizeof(*t));
	if (!t) {
		st->nomem = true;
		return MNL_CB_OK;
	}
	st->t = t;
	t = &st->t[st->n++];
	snprintf(t->name, sizeof(t->name), "%s", mnl_attr_get_str(tb[FWD_A_TUNABLE_NAME]));
	t->value = u64_or0(tb[FWD_A_TUNABLE_VALUE]);
	tunable_text(tb[FWD_A_TUNABLE_TEXT], t->text, sizeof(t->text));
	return MNL_CB_OK;
}

/* The tunables netlink lists (0), or -errno (-ENOENT: no family or too old). */
static int nl_save_tunables(struct saved_tunables *st)
{
	int err = nl_ask(NLM_F_DUMP, FWD_CMD_TUNABLE_GET, save_tunable_cb, st);

	if (err == -EOPNOTSUPP)
		err = -ENOENT;
	return err ? err : st->nomem ? -ENOMEM : 0;
}

/*
 * "set NAME VALUE" for every setting, sorted by name: the tunables' values
 * from netlink, any other read-write setting from its file; all from
 * the files with a module that has no tunable commands.
 */
static int save_tunables(void)
{
	struct saved_tunables nl = {};
	char **names = NULL, path[512], *buf;
	size_t n = 0, i, j;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err;

	err = nl_save_tunables(&nl);
	if (err && err != -ENOENT) {
		free(nl.t);
		return nl_error(err, "tunable dump");
	}
	d = opendir(proc_dir);

	if (!d) {
		free(nl.t);
		return fail("cannot read %s: %s", proc_dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		char **nn;

		snprintf(path, sizeof(path), "%s/%s", proc_dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode) ||
		    (st.st_mode & (S_IRUSR | S_IWUSR)) != (S_IRUSR | S_IWUSR) ||
		    !strcmp(de->d_name, "groups") || !strcmp(de->d_name, "firewall"))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			closedir(d);
			free(nl.t);
			return fail("out of memory");
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char *w[2];

		for (j = 0; j < nl.n && strcmp(nl.t[j].name, names[i]); j++)
			;
		if (j < nl.n && nl.t[j].text[0]) {
			printf("set %s %s\n", names[i], nl.t[j].text);
			free(names[i]);
			continue;
		}
		if (j < nl.n) {
			printf("set %s %llu\n", names[i], nl.t[j].value);
			free(names[i]);
			continue;
		}
		buf = slurp(names[i]);
		if (buf && words(buf, w, 2) == 1) {
			w[0][strcspn(w[0], "\n")] = '\0';
			printf("set %s %s\n", names[i], w[0]);
		}
		free(buf);
		free(names[i]);
	}
	free(names);
	free(nl.t);
	return 0;
}

/* ---- rate groups ---------------------------------------------------------------- */

/*
 * tc's units, as the kernel's groups file parses them (kmod/aqm/units.c):
 * rates in bit (default), kbit... (powers of 1000), kibit... (1024), bps,
 * kbps... (bytes); sizes in b (default), k/kb, m/mb, g/gb (1024), kbit,
 * mbit, gbit; up to six decimals, case-insensitive.
 */
struct unit {
	const char *name;
	unsigned long long bits;
};

#define K10 1000ULL
#define K2 1024ULL

static const struct unit rate_units[] = {
	{ "", 1 }, { "bit", 1 },
	{ "kbit", K10 }, { "mbit", K10 * K10 }, { "gbit", K10 * K10 * K10 },
	{ "tbit", K10 * K10 * K10 * K10 },
	{ "kibit", K2 }, { "mibit", K2 * K2 }, { "gibit", K2 * K2 * K2 },
	{ "tibit", K2 * K2 * K2 * K2 },
	{ "bps", 8 }, { "kbps", 8 * K10 }, { "mbps", 8 * K10 * K10 },
	{ "gbps", 8 * K10 * K10 * K10 }, { "tbps", 8 * K10 * K10 * K10 * K10 },
	{ "kibps", 8 * K2 }, { "mibps", 8 * K2 * K2 }, { "gibps", 8 * K2 * K2 * K2 },
	{ "tibps", 8 * K2 * K2 * K2 * K2 },
	{ NULL, 0 }
};

static const struct unit size_units[] = {
	{ "", 8 }, { "b", 8 },
	{ "k", 8 * K2 }, { "kb", 8 * K2 }, { "m", 8 * K2 * K2 }, { "mb", 8 * K2 * K2 },
	{ "g", 8 * K2 * K2 * K2 }, { "gb", 8 * K2 * K2 * K2 },
	{ "kbit", K2 }, { "mbit", K2 * K2 }, { "gbit", K2 * K2 * K2 },
	{ NULL, 0 }
};

/* @s in @units, as bits: 0 or -1. */
static int parse_units(const char *s, const struct unit *units, unsigned long long *bits)
{
	unsigned long long num = 0, den = 1;
	const char *p = s;
	int decimals = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if (__builtin_mul_overflow(num, 10ULL, &num) ||
		    __builtin_add_overflow(num, (unsigned long long)(*p - '0'), &num))
			return -1;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			if (++decimals > 6 || __builtin_mul_overflow(num, 10ULL, &num) ||
			    __builtin_add_overflow(num, (unsigned long long)(*p - '0'), &num))
				return -1;
			den *= 10;
		}
	}
	for (; units->name; units++)
		if (!strcasecmp(p, units->name))
			break;
	if (!units->name || __builtin_mul_overflow(num, units->bits, bits))
		return -1;
	*bits /= den;
	return 0;
}

/* A rate in bytes per second (at least 8 bit/s): 0 or -1. */
static int parse_rate(const char *s, unsigned long long *bytes_ps)
{
	unsigned long long bits;

	if (parse_units(s, rate_units, &bits) || bits < 8)
		return -1;
	*bytes_ps = bits / 8;
	return 0;
}

/* A size in bytes, below 4 GiB: 0 or -1. */
static int parse_size(const char *s, uint32_t *bytes)
{
	unsigned long long bits;

	if (parse_units(s, size_units, &bits) || bits / 8 > UINT32_MAX)
		return -1;
	*bytes = bits / 8;
	return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	if (!is_number(s) || strlen(s) > 20)
		return -1;
	errno = 0;
	*v = strtoull(s, NULL, 10);
	return errno || *v > max ? -1 : 0;
}

/* Group ids are 1..255. */
static int parse_group_id(const char *s, uint8_t *id)
{
	unsigned long long v;

	if (parse_uint(s, 255, &v) || !v)
		return -1;
	*id = v;
	return 0;
}

static const char * const group_modes[] = { "police", "shape" };
static const char * const bind_dirs[] = { "", "orig", "reply", "both" };

/* add's and change's KEY VALUE words as attributes; the bad word in *bad. */
static int put_group_cfg(struct nlmsghdr *nlh, char **w, int n, const char **bad)
{
	unsigned long long v;
	uint32_t size;
	int i;

	for (i = 0; i < n; i++) {
		const char *k = w[i], *val;

		*bad = k;
		if (!strcmp(k, "ecn") || !strcmp(k, "noecn")) {
			mnl_attr_put_u8(nlh, FWD_A_GROUP_ECN, k[0] == 'e');
			continue;
		}
		if (i + 1 >= n)
			return -1;
		val = w[++i];
		*bad = val;
		if (!strcmp(k, "rate") || !strcmp(k, "peakrate")) {
			if (parse_rate(val, &v))
				return -1;
			mnl_attr_put_u64(nlh, k[0] == 'r' ? FWD_A_GROUP_RATE : FWD_A_GROUP_PEAKRATE, v);
		} else if (!strcmp(k, "burst") || !strcmp(k, "ebs") || !strcmp(k, "pburst")) {
			if (parse_size(val, &size))
				return -1;
			mnl_attr_put_u32(nlh, k[0] == 'b' ? FWD_A_GROUP_BURST :
					 k[0] == 'e' ? FWD_A_GROUP_EBS : FWD_A_GROUP_PBURST, size);
		} else if (!strcmp(k, "mode")) {
			if (strcmp(val, "police") && strcmp(val, "shape"))
				return -1;
			mnl_attr_put_u8(nlh, FWD_A_GROUP_MODE, val[0] == 's');
		} else if (!strcmp(k, "action")) {
			if (!strcmp(val, "drop")) {
				mnl_attr_put_u8(nlh, FWD_A_GROUP_ACTION, 0);
				continue;
			}
			if ((strcmp(val, "mark-dscp") && strcmp(val, "mark")) || i + 1 >= n)
				return -1;
			*bad = w[i + 1];
			if (parse_uint(w[++i], val[4] ? 255 : UINT32_MAX, &v))
				return -1;
			mnl_attr_put_u8(nlh, FWD_A_GROUP_ACTION, val[4] ? 1 : 2);
			if (val[4])
				mnl_attr_put_u8(nlh, FWD_A_GROUP_DSCP, v);
			else
				mnl_attr_put_u32(nlh, FWD_A_GROUP_MARK, v);
		} else if (!strcmp(k, "limit")) {
			size_t len = strlen(val);

			if (len > 1 && val[len - 1] == 'p') {
				char num[32];

				snprintf(num, sizeof(num), "%.*s", (int)(len - 1), val);
				if (parse_uint(num, UINT32_MAX, &v) || !v)
					return -1;
				mnl_attr_put_u32(nlh, FWD_A_GROUP_LIMIT_PKTS, v);
			} else {
				if (parse_size(val, &size))
					return -1;
				mnl_attr_put_u32(nlh, FWD_A_GROUP_LIMIT_BYTES, size);
			}
		} else {
			*bad = k;
			return -1;
		}
	}
	return 0;
}

/* bind's words after the id: proto tcp|udp [sport N] [dport N] [dir D]. */
static int put_bind(struct nlmsghdr *nlh, char **w, int n, const char **bad)
{
	unsigned long long v;
	bool proto = false;
	int i, d;

	for (i = 0; i + 1 < n; i += 2) {
		const char *k = w[i], *val = w[i + 1];

		*bad = val;
		if (!strcmp(k, "proto")) {
			if (strcmp(val, "tcp") && strcmp(val, "udp"))
				return -1;
			mnl_attr_put_u8(nlh, FWD_A_PROTO, val[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP);
			proto = true;
		} else if (!strcmp(k, "sport") || !strcmp(k, "dport")) {
			if (parse_uint(val, 65535, &v) || !v)
				return -1;
			mnl_attr_put_u16(nlh, k[0] == 's' ? FWD_A_BIND_SPORT : FWD_A_BIND_DPORT, v);
		} else if (!strcmp(k, "dir")) {
			for (d = 1; d <= 3 && strcmp(val, bind_dirs[d]); d++)
				;
			if (d > 3)
				return -1;
			mnl_attr_put_u8(nlh, FWD_A_BIND_DIR, d);
		} else {
			*bad = k;
			return -1;
		}
	}
	if (i != n) {
		*bad = w[i];
		return -1;
	}
	if (!proto) {
		*bad = "proto";
		return -1;
	}
	return 0;
}

static int group_stats_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= FWD_GROUP_STATS_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static unsigned int u32_or0(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

/* A group from GROUP_GET as the groups file's line (kmod/aqm/proc.c). */
static int nl_group_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {}, *st[FWD_GROUP_STATS_MAX + 1] = {};
	FILE *out = data;
	unsigned int mode, action;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	if (!tb[FWD_A_GROUP_ID])
		return MNL_CB_OK;
	if (tb[FWD_A_GROUP_STATS])
		mnl_attr_parse_nested(tb[FWD_A_GROUP_STATS], group_stats_cb, st);
	mode = u8_or0(tb[FWD_A_GROUP_MODE]);
	action = u8_or0(tb[FWD_A_GROUP_ACTION]);
	fprintf(out, "%u rate %llubit burst %u", u8_or0(tb[FWD_A_GROUP_ID]),
		u64_or0(tb[FWD_A_GROUP_RATE]) * 8, u32_or0(tb[FWD_A_GROUP_BURST]));
	if (u32_or0(tb[FWD_A_GROUP_EBS]))
		fprintf(out, " ebs %u", u32_or0(tb[FWD_A_GROUP_EBS]));
	if (u64_or0(tb[FWD_A_GROUP_PEAKRATE]))
		fprintf(out, " peakrate %llubit pburst %u", u64_or0(tb[FWD_A_GROUP_PEAKRATE]) * 8,
			u32_or0(tb[FWD_A_GROUP_PBURST]));
	fprintf(out, " mode %s", mode < 2 ? group_modes[mode] : "?");
	if (action == 1)
		fprintf(out, " action mark-dscp dscp %u", u8_or0(tb[FWD_A_GROUP_DSCP]));
	else if (action == 2)
		fprintf(out, " action mark fwmark %u", u32_or0(tb[FWD_A_GROUP_MARK]));
	else
		fprintf(out, " action drop");
	fprintf(out, " limit_pkts %u limit_bytes %u ecn %u", u32_or0(tb[FWD_A_GROUP_LIMIT_PKTS]),
		u32_or0(tb[FWD_A_GROUP_LIMIT_BYTES]), u8_or0(tb[FWD_A_GROUP_ECN]));
	if (mode == 1)
		fprintf(out, " codel_target_us %llu codel_interval_us %llu",
			u64_or0(st[FWD_GROUP_STATS_CODEL_TARGET_US]),
			u64_or0(st[FWD_GROUP_STATS_CODEL_INTERVAL_US]));
	fprintf(out, " conform_pkts %llu conform_bytes %llu exceed_pkts %llu exceed_bytes %llu"
		" violate_pkts %llu violate_bytes %llu",
		u64_or0(st[FWD_GROUP_STATS_CONFORM_PKTS]), u64_or0(st[FWD_GROUP_STATS_CONFORM_BYTES]),
		u64_or0(st[FWD_GROUP_STATS_EXCEED_PKTS]), u64_or0(st[FWD_GROUP_STATS_EXCEED_BYTES]),
		u64_or0(st[FWD_GROUP_STATS_VIOLATE_PKTS]), u64_or0(st[FWD_GROUP_STATS_VIOLATE_BYTES]));
	fprintf(out, " queued %llu queued_bytes %llu queued_mem %llu delayed %llu dropped %llu"
		" overlimit %llu codel_dropped %llu marked %llu ecn_marked %llu tokens %lld\n",
		u64_or0(st[FWD_GROUP_STATS_QUEUED]), u64_or0(st[FWD_GROUP_STATS_QUEUED_BYTES]),
		u64_or0(st[FWD_GROUP_STATS_QUEUED_MEM]), u64_or0(st[FWD_GROUP_STATS_DELAYED]),
		u64_or0(st[FWD_GROUP_STATS_DROPPED]), u64_or0(st[FWD_GROUP_STATS_OVERLIMIT]),
		u64_or0(st[FWD_GROUP_STATS_CODEL_DROPPED]), u64_or0(st[FWD_GROUP_STATS_MARKED]),
		u64_or0(st[FWD_GROUP_STATS_ECN_MARKED]),
		(long long)u64_or0(st[FWD_GROUP_STATS_TOKENS]));
	return MNL_CB_OK;
}

/* A rule from BIND_GET as the groups file's bind line. */
static int nl_bind_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	FILE *out = data;
	unsigned int dir;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	if (!tb[FWD_A_GROUP_ID])
		return MNL_CB_OK;
	dir = u8_or0(tb[FWD_A_BIND_DIR]);
	fprintf(out, "bind group %u proto %s", u8_or0(tb[FWD_A_GROUP_ID]),
		u8_or0(tb[FWD_A_PROTO]) == IPPROTO_TCP ? "tcp" : "udp");
	if (tb[FWD_A_BIND_SPORT])
		fprintf(out, " sport %u", mnl_attr_get_u16(tb[FWD_A_BIND_SPORT]));
	if (tb[FWD_A_BIND_DPORT])
		fprintf(out, " dport %u", mnl_attr_get_u16(tb[FWD_A_BIND_DPORT]));
	fprintf(out, " dir %s\n", dir <= 3 && dir ? bind_dirs[dir] : "?");
	return MNL_CB_OK;
}

/*
 * The groups and bind rules as the groups file's text, from netlink; from
 * the file itself when the module has no group commands (older). NULL with
 * errno set on error (then a message was printed, except for ENOENT: no
 * groups file either).
 */
static char *groups_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	struct nl n;
	FILE *out;
	int err;

	/* FWDCTL_PROC_DIR (tests) names a directory to read instead of the kernel. */
	if (strcmp(proc_dir, PROC_DIR))
		return slurp("groups");
	err = nl_open(&n);
	if (err == -ENOENT)
		return slurp("groups");
	if (err) {
		nl_error(err, "group list");
		errno = -err;
		return NULL;
	}
	out = open_memstream(&buf, &len);
	if (!out) {
		nl_close(&n);
		return NULL;
	}
	err = nl_talk(&n, nl_msg(&n, n.family, NLM_F_DUMP, FWD_CMD_GROUP_GET), nl_group_cb, out);
	if (!err)
		err = nl_talk(&n, nl_msg(&n, n.family, NLM_F_DUMP, FWD_CMD_BIND_GET), nl_bind_cb,
			      out);
	nl_close(&n);
	fclose(out);
	if (err == -EOPNOTSUPP) {
		free(buf);
		return slurp("groups");
	}
	if (err) {
		free(buf);
		nl_error(err, "group list");
		errno = -err;
		return NULL;
	}
	return buf;
}

static int groups_absent(void)
{
	return fail("rate groups not available in this module (no %s/groups)", proc_dir);
}

/* A module without the group commands: the words as one line to the groups file. */
static int group_proc(int argc, char **argv, const char *verb)
{
	char cmd[256];
	size_t len = 0;
	int i, err;

	for (i = 0; i < argc; i++) {
		int w = snprintf(cmd + len, sizeof(cmd) - len, "%s%s", i ? " " : "",
				 i ? argv[i] : verb);

		if (w < 0 || (size_t)w >= sizeof(cmd) - len)
			return usage_error(usage_group, "group command too long%s", "");
		len += w;
	}
	err = proc_write("groups", cmd);
	switch (err) {
	case 0:
		return 0;
	case ENOENT:
		return groups_absent();
	case EPERM:
	case EACCES:
		return fail("group %s: permission denied (needs CAP_NET_ADMIN)", verb);
	case EINVAL:
		return fail("group %s: invalid arguments (the kernel log says why)", verb);
	case ERANGE:
		return fail("group %s: a value is out of range (see proc_api.md)", verb);
	default:
		return fail("group %s: %s", verb, strerror(err));
	}
}

/* group list [-j]: the groups file's lines, from netlink. */
static int cmd_group_list(void)
{
	char *hdr[64] = {}, *w[64], *buf, *line, *save;
	int nh = 0, n, shown = 0, i;

	buf = groups_text();
	if (!buf)
		return errno == ENOENT ? groups_absent() : 1;
	if (!json) {
		fputs(buf, stdout);
		free(buf);
		return 0;
	}
	/* A "# a b c" header names the columns; otherwise a group id or a line type ("bind") and "key value" pairs. */
	putchar('[');
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool first = true;

		if (line[0] == '#') {
			nh = words(line + 1, hdr, 64);
			continue;
		}
		n = words(line, w, 64);
		if (!n)
			continue;
		printf("%s{", shown++ ? "," : "");
		if (nh == n) {
			for (i = 0; i < n; i++) {
				json_key(&first, hdr[i]);
				json_value(w[i]);
			}
		} else {
			json_key(&first, is_number(w[0]) ? "id" : "type");
			json_value(w[0]);
			for (i = 1; i + 1 < n; i += 2) {
				json_key(&first, w[i]);
				json_value(w[i + 1]);
			}
		}
		putchar('}');
	}
	puts("]");
	free(buf);
	return 0;
}

static int cmd_group(int argc, char **argv)
{
	static const char * const verbs[] = { "list", "show", "add", "change", "delete", "bind",
					      "unbind" };
	static const uint8_t cmds[] = { 0, 0, FWD_CMD_GROUP_NEW, FWD_CMD_GROUP_SET,
					FWD_CMD_GROUP_DEL, FWD_CMD_BIND_NEW, FWD_CMD_BIND_DEL };
	/* The groups file's words for them. */
	static const char * const proc_verbs[] = { "", "", "add", "change", "del", "bind",
						   "unbind" };
	static char scratch[NL_BUF_SIZE];
	const char *bad = NULL, *verb;
	struct nlmsghdr *nlh;
	char what[32];
	size_t v;
	uint8_t id;
	struct nl n;
	int err;

	if (help_or(argc, argv, usage_group) == 0)
		return 0;
	if (argc < 1)
		return usage_error(usage_group, "group: missing command%s", "");
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]) && !is(argv[0], verbs[v]); v++)
		;
	if (v == sizeof(verbs) / sizeof(verbs[0]))
		return usage_error(usage_group, "unknown group command '%s'", argv[0]);
	if (need_module())
		return 1;
	if (v < 2) {
		if (argc != 1)
			return usage_error(usage_group, "group list takes no argument ('%s')", argv[1]);
		return cmd_group_list();
	}
	verb = proc_verbs[v];
	snprintf(what, sizeof(what), "group %s", verb);
	if (argc < 2 || parse_group_id(argv[1], &id))
		return usage_error(usage_group, "bad or missing group id '%s' (1..255)",
				   argc < 2 ? "" : argv[1]);
	if ((v == 4 || v == 6) && argc != 2)
		return usage_error(usage_group, "group del and unbind take only an id ('%s')",
				   argv[2]);
	/* The words checked first, whichever way they go to the kernel. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			err = nl_open(&n);
			if (err == -ENOENT)
				return group_proc(argc, argv, verb);
			if (err)
				return nl_error(err, what);
			nlh = nl_msg(&n, n.family, NLM_F_ACK, cmds[v]);
		} else {
			nlh = mnl_nlmsg_put_header(scratch);
		}
		mnl_attr_put_u8(nlh, FWD_A_GROUP_ID, id);
		if (v == 2 || v == 3)
			err = put_group_cfg(nlh, argv + 2, argc - 2, &bad);
		else if (v == 5)
			err = put_bind(nlh, argv + 2, argc - 2, &bad);
		/* A bad value, as set's: exit status 1, not a usage error. */
		if (err && v == 5)
			return fail("%s: bad or missing '%s' (proto tcp|udp [sport N] [dport N] [dir orig|reply|both])",
				    what, bad);
		if (err)
			return fail("%s: bad or incomplete '%s' (see fwdctl group help)", what, bad);
	}
	err = nl_talk(&n, nlh, NULL, NULL);
	nl_close(&n);
	if (err == -EOPNOTSUPP)	/* a module without the group commands */
		return group_proc(argc, argv, verb);
	return err ? nl_error(err, what) : 0;
}

/*
 * A group line read back as the add command that makes it: the settings
 * only (rate, burst, ebs, peakrate, pburst, mode, action, limits, ecn), in
 * add's words ("action mark-dscp dscp N" is "action mark-dscp N",
 * "limit_pkts N" "limit Np").
 */
static void save_group(char **w, int n)
{
	static const char * const same[] = { "rate", "burst", "ebs", "peakrate", "pburst", "mode" };
	int i;

	printf("group add %s", w[0]);
	for (i = 1; i + 1 < n; i += 2) {
		const char *k = w[i], *v = w[i + 1];

		for (size_t j = 0; j < sizeof(same) / sizeof(same[0]); j++)
			if (!strcmp(k, same[j]))
				printf(" %s %s", k, v);
		if (!strcmp(k, "action"))
			printf(" action %s", v);
		else if (!strcmp(k, "dscp") || !strcmp(k, "fwmark"))
			printf(" %s", v);
		else if (!strcmp(k, "limit_pkts"))
			printf(" limit %sp", v);
		else if (!strcmp(k, "limit_bytes"))
			printf(" limit %s", v);
		else if (!strcmp(k, "ecn"))
			printf(" %s", strcmp(v, "0") ? "ecn" : "noecn");
	}
	putchar('\n');
}

static int cmd_save(int argc, char **argv)
{
	char *buf, *groups, *line, *save, *w[64];
	int n, i;

	if (help_or(argc, argv, usage_save) == 0)
		return 0;
	if (argc)
		return usage_error(usage_save, "save takes no argument ('%s')", argv[0]);
	if (need_module())
		return 1;
	if (save_tunables())
		return 1;
	groups = groups_text();
	if (!groups && errno != ENOENT)
		return fail("cannot read groups: %s", strerror(errno));
	buf = groups ? strdup(groups) : NULL;
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = words(line, w, 64);
		if (n > 1 && is_number(w[0]))
			save_group(w, n);
	}
	free(buf);
	buf = groups;	/* bind rules after every group they name */
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = words(line, w, 64);
		if (n < 3 || strcmp(w[0], "bind") || strcmp(w[1], "group"))
			continue;
		printf("group bind %s", w[2]);
		for (i = 3; i < n; i++)
			printf(" %s", w[i]);
		putchar('\n');
	}
	free(buf);
	return save_firewall();
}

int main(int argc, char **argv);

static bool in_batch;

/*
 * -b FILE: each line a fwdctl command line without "fwdctl" (which may be
 * there), run as if given to fwdctl with the options before -b; blank lines
 * and # comments skipped. Stops at the first command that fails.
 */
static int run_batch(const char *file, const char *argv0)
{
	bool json0 = json, stats0 = show_stats, pretty0 = pretty;
	FILE *out0 = stdout;
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL, *w[64], *av[66];
	size_t cap = 0;
	unsigned long no = 0;
	int rc = 0, n;

	if (!f)
		return fail("cannot open '%s': %s", file, strerror(errno));
	in_batch = true;
	while (getline(&line, &cap, f) > 0) {
		no++;
		line[strcspn(line, "\r\n")] = '\0';
		n = words(line, w, 64);
		if (!n || w[0][0] == '#')
			continue;
		if (n == 64) {
			rc = fail("%s:%lu: too many words", file, no);
			break;
		}
		av[0] = (char *)argv0;
		memcpy(av + 1, w + (strcmp(w[0], "fwdctl") ? 0 : 1), n * sizeof(*w));
		n = strcmp(w[0], "fwdctl") ? n : n - 1;
		if (!n)
			continue;
		av[n + 1] = NULL;
		json = json0;
		show_stats = stats0;
		pretty = pretty0;
		prom = false;
		optind = 0;	/* glibc: start getopt afresh */
		rc = main(n + 1, av);
		if (stdout != out0) {	/* this line's -p: not for the next ones */
			fclose(stdout);
			stdout = out0;
		}
		fflush(stdout);
		if (rc) {
			fail("%s:%lu: stopped at this command (exit status %d); the rest was not run",
			     file, no, rc);
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	free(line);
	in_batch = false;
	return rc;
}

/*
 * -n NETNS: move into the namespace `ip netns add` created (or a path to one)
 * before anything is opened. /proc/forwarder is a symlink to self/net/forwarder,
 * which follows the task's namespace, and netlink sockets opened afterwards
 * act there too.
 */
static int enter_netns(const char *name)
{
	char path[512];
	int fd;

	if (!*name)
		return fail("-n needs a network namespace name");
	snprintf(path, sizeof(path), "%s%s", strchr(name, '/') ? "" : "/run/netns/", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("cannot open network namespace '%s': %s", name, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(fd);
		return fail("cannot enter network namespace '%s': %s%s", name, strerror(err),
			    err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	close(fd);
	return 0;
}

struct tunable {
	char name[FWD_TUNABLE_NAME_MAX];
	unsigned long long value, min, max;
	char text[FWD_TUNABLE_NAME_MAX];	/* a worded tunable's value, else "" */
	bool found;
};


static int tunable_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[FWD_A_MAX + 1] = {};
	struct tunable t = {}, *out = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sess_attr_cb, tb);
	if (!tb[FWD_A_TUNABLE_NAME] || mnl_attr_validate(tb[FWD_A_TUNABLE_NAME], MNL_TYPE_NUL_STRING))
		return MNL_CB_OK;
	snprintf(t.name, sizeof(t.name), "%s", mnl_attr_get_str(tb[FWD_A_TUNABLE_NAME]));
	t.value = u64_or0(tb[FWD_A_TUNABLE_VALUE]);
	t.min = u64_or0(tb[FWD_A_TUNABLE_MIN]);
	t.max = u64_or0(tb[FWD_A_TUNABLE_MAX]);
	tunable_text(tb[FWD_A_TUNABLE_TEXT], t.text, sizeof(t.text));
	t.found = true;
	if (nlh->nlmsg_flags & NLM_F_MULTI) {
		/* A listing: print as it comes. */
		if (json && t.text[0])
			printf("%s{\"name\":\"%s\",\"value\":%llu,\"text\":\"%s\",\"min\":%llu,\"max\":%llu}",
			       out->found ? "," : "", t.name, t.value, t.text, t.min, t.max);
		else if (json)
			printf("%s{\"name\":\"%s\",\"value\":%llu,\"min\":%llu,\"max\":%llu}",
			       out->found ? "," : "", t.name, t.value, t.min, t.max);
		else if (t.text[0])
			printf("%-28s %s (%llu..%llu)\n", t.name, t.text, t.min, t.max);
		else
			printf("%-28s %llu (%llu..%llu)\n", t.name, t.value, t.min, t.max);
		out->found = true;
		return MNL_CB_OK;
	}
	*out = t;
	return MNL_CB_OK;
}

/*
 * Ask for tunable @name (NULL: list them all) into @t: 0, or -errno with the
 * kernel's reason in ext; -ENOENT with no message when netlink has no
 * tunables (no module, or one too old), so the caller may try /proc.
 */
static int nl_tunable(const char *name, struct tunable *t)
{
	struct nlmsghdr *nlh;
	struct nl n;
	int err;

	err = nl_open(&n);
	if (err)
		return err;
	nlh = nl_msg(&n, n.family, name ? NLM_F_ACK : NLM_F_DUMP, FWD_CMD_TUNABLE_GET);
	if (name)
		mnl_attr_put_strz(nlh, FWD_A_TUNABLE_NAME, name);
	err = nl_talk(&n, nlh, tunable_cb, t);
	nl_close(&n);
	if (err == -EOPNOTSUPP) {
		ext_clear();
		return -ENOENT;
	}
	return err;
}

/* Tunables are plain files in the directory; refuse names that would leave it. */
static int check_tunable(const char *name)
{
	if (!*name || strchr(name, '/') || name[0] == '.')
		return fail("invalid setting name '%s'", name);
	return 0;
}

/* A setting netlink does not have (an older module's full_policy), from its /proc file. */
static int proc_get(const char *name)
{
	char *buf;

	buf = slurp(name);
	if (!buf)
		return errno == ENOENT ? fail("no setting named '%s'%s%s", name,
					      ext.msg[0] ? ": " : "", ext_text()) :
		       fail("cannot read '%s': %s", name, strerror(errno));
	buf[strcspn(buf, "\n")] = '\0';
	if (json) {
		bool first = true;

		printf("{");
		json_key(&first, name);
		json_value(buf);
		puts("}");
	} else {
		puts(buf);
	}
	free(buf);
	return 0;
}

static int cmd_get(const char *name)
{
	struct tunable t = {};
	int err;

	if (!name) {
		if (json)
			putchar('[');
		err = nl_tunable(NULL, &t);
		if (json)
			puts("]");
		if (err == -ENOENT && !ext.msg[0])
			return fail("get: this module lists no tunables over netlink (too old)");
		return err ? nl_error(err, "get") : 0;
	}
	if (check_tunable(name))
		return 1;
	err = nl_tunable(name, &t);
	if (err == -ENOENT)	/* not a tunable: another setting's file, or none */
		return proc_get(name);
	if (err)
		return nl_error(err, "get");
	if (json && t.text[0])
		printf("{\"%s\":\"%s\"}\n", t.name, t.text);
	else if (json)
		printf("{\"%s\":%llu}\n", t.name, t.value);
	else if (t.text[0])
		printf("%s\n", t.text);
	else
		printf("%llu\n", t.value);
	return 0;
}

/* A setting netlink does not have, written to its /proc file. */
static int proc_set(const char *name, const char *value)
{
	int err = proc_write(name, value);

	switch (err) {
	case 0:
		return 0;
	case ENOENT:
		return fail("no setting named '%s'%s%s", name, ext.msg[0] ? ": " : "", ext_text());
	case EACCES:
		return fail("'%s' is read-only or needs CAP_NET_ADMIN (%s)", name, strerror(err));
	case EPERM:
		return fail("setting '%s' needs CAP_NET_ADMIN", name);
	case ERANGE:
		return fail("value '%s' is out of range for '%s' (see proc_api.md)", value, name);
	case EINVAL:
		return fail("invalid value '%s' for '%s' (the kernel log says why)", value, name);
	default:
		return fail("cannot set '%s': %s", name, strerror(err));
	}
}

static int cmd_set(const char *name, const char *value)
{
	struct tunable t = {};
	unsigned long long v = 0;
	struct nlmsghdr *nlh;
	char what[160];
	struct nl n;
	int err;

	if (check_tunable(name))
		return 1;
	/* Is it a tunable? Then netlink, with a number; else its /proc file. */
	err = nl_tunable(name, &t);
	if (err == -ENOENT)
		return proc_set(name, value);
	if (err)
		return nl_error(err, "set");
	/* A worded tunable (full_policy) takes its word; the kernel parses it. */
	if (!t.text[0] &&
	    (!is_number(value) || (value[0] == '0' && value[1]) || strlen(value) > 20 ||
	     (errno = 0, v = strtoull(value, NULL, 10), errno)))
		return fail("invalid value '%s' for '%s': not a decimal number in %llu..%llu",
			    value, name, t.min, t.max);
	err = nl_open(&n);
	if (err)
		return nl_error(err, "set");
	nlh = nl_msg(&n, n.family, NLM_F_ACK, FWD_CMD_TUNABLE_SET);
	mnl_attr_put_strz(nlh, FWD_A_TUNABLE_NAME, name);
	if (t.text[0])
		mnl_attr_put_strz(nlh, FWD_A_TUNABLE_TEXT, value);
	else
		mnl_attr_put_u64(nlh, FWD_A_TUNABLE_VALUE, v);
	err = nl_talk(&n, nlh, NULL, NULL);
	nl_close(&n);
	if (!err)
		return 0;
	snprintf(what, sizeof(what), "set %s %s", name, value);
	if (err == -EPERM || err == -EACCES)
		return fail("%s: setting '%s' needs CAP_NET_ADMIN", what, name);
	return nl_error(err, what);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "statistics", no_argument, NULL, 's' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	static FILE *stdout_orig;
	const char *obj, *batch = NULL;
	int c;

	if (!stdout_orig)
		stdout_orig = stdout;
	if (getenv("FWDCTL_PROC_DIR"))	/* tests point it at a fake directory */
		proc_dir = getenv("FWDCTL_PROC_DIR");
	while ((c = getopt_long(argc, argv, "+jpsn:b:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			show_stats = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'n':
			if (in_batch)
				return usage_error(usage_main, "-n is not for a batch line%s", "");
			if (enter_netns(optarg))
				return 1;
			break;
		case 'b':
			if (in_batch)
				return usage_error(usage_main, "-b is not for a batch line%s", "");
			batch = optarg;
			break;
		case 'h':
			fputs(usage_main, stdout);
			return 0;
		case 'V':
			puts("fwdctl " FWD_VERSION);
			return 0;
		default:
			fputs(usage_main, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (pretty && json && stdout == stdout_orig && !pretty_stdout())
		return fail("-p: cannot set up the output: %s", strerror(errno));
	if (batch && argc)
		return usage_error(usage_main, "-b FILE takes no command ('%s')", argv[0]);
	if (batch)
		return run_batch(batch, "fwdctl");
	if (argc < 1) {
		fputs(usage_main, stderr);
		return 2;
	}
	obj = argv[0];
	argc--;
	argv++;
	if (is(obj, "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (is(obj, "session"))
		return cmd_session(argc, argv);
	if (is(obj, "stats"))
		return cmd_stats(argc, argv);
	if (is(obj, "monitor"))
		return cmd_monitor(argc, argv);
	if (is(obj, "top"))
		return cmd_top(argc, argv);
	if (is(obj, "splice"))
		return cmd_splice(argc, argv);
	if (is(obj, "plugin"))
		return cmd_plugin(argc, argv);
	if (is(obj, "group"))
		return cmd_group(argc, argv);
	if (is(obj, "firewall"))
		return cmd_firewall(argc, argv);
	if (is(obj, "save"))
		return cmd_save(argc, argv);
	if (is(obj, "get") || is(obj, "set")) {
		if (help_or(argc, argv, usage_get) == 0)
			return 0;
		if (is(obj, "get") && argc > 1)
			return usage_error(usage_get, "usage: fwdctl get [ TUNABLE ]%s", "");
		if (is(obj, "set") && argc != 2)
			return usage_error(usage_get, "usage: fwdctl set TUNABLE VALUE%s", "");
		if (need_module())
			return 1;
		return is(obj, "get") ? cmd_get(argc ? argv[0] : NULL) : cmd_set(argv[0], argv[1]);
	}
	fprintf(stderr, "fwdctl: unknown object '%s'\n", obj);
	fputs(usage_main, stderr);
	return 2;
}
