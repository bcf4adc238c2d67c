/* applet.h - what every applet shares: its entry points, logging in the
 * form journald reads, and turning netlink errors into one clear line. */
#ifndef QVPN_APPLET_H
#define QVPN_APPLET_H

#include <stdarg.h>
#include <netinet/in.h>
#include "../nl/nl.h"

/* Exit codes, as busybox and the shell use them. */
#define EXIT_USAGE 2
#define EXIT_NO_APPLET 127

/* Applet entry points; argv[0] is the applet's own name. */
int forwarding_main(int argc, char **argv);
int up_main(int argc, char **argv);
int configurator_main(int argc, char **argv);
int down_main(int argc, char **argv);
int notify_main(int argc, char **argv);
int notify_receive_main(int argc, char **argv);
int resolv_main(int argc, char **argv);

/* The name messages start with: "qubes-vpn-forwarding". Set by main(). */
extern char applet_name[64];

/* syslog priorities, written as "<N>" line prefixes when stderr is not a
 * terminal (journald strips and honours them). */
#define LOG_ERR 3
#define LOG_WARNING 4
#define LOG_INFO 6
#define LOG_DEBUG 7

void qlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) qlog(LOG_ERR, __VA_ARGS__)
#define log_warn(...) qlog(LOG_WARNING, __VA_ARGS__)
#define log_info(...) qlog(LOG_INFO, __VA_ARGS__)
#define log_debug(...) qlog(LOG_DEBUG, __VA_ARGS__)

/* One error line for a failed netlink transaction: names the failing
 * request (or context when none is known) and the kernel's reason. */
void log_nl_error(const char *context, const struct nl_result *res);

/* Usage error: message, hint, exit 2. */
__attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...);

/* 0 when the process holds CAP_NET_ADMIN in its effective set; otherwise
 * logs why it is needed and returns -EPERM. */
int require_net_admin(void);

/* The run directory: $QUBES_VPN_RUNDIR (absolute) or /run/qubes-vpn. */
const char *rundir(void);

/* Close an nfnetlink socket without waiting for the kernel to free what
 * the last transaction deleted (see common.c). */
void nl_close_nowait(struct nl_sock *s);

/* Serialise every change of the gateway's state (hooks racing each other,
 * a hook and `forwarding`): an exclusive lock on RUNDIR/lock, held until
 * exit. Without a usable run directory it warns and goes on unlocked. */
void gateway_lock(void);
/* In a child that outlives the change: let go of the lock. */
void gateway_lock_drop(void);

/* Read n (at most 32) QubesDB keys that hold IPv4 literals over one
 * connection, bounded by timeout_ms in all; a key QubesDB cannot give gets
 * its default, with a log line naming the key and the reason. Returns the
 * bit mask of the keys QubesDB gave. */
unsigned qubesdb_ipv4_keys(const char *const keys[], const char *const defaults[],
		       struct in_addr *out, unsigned n, int timeout_ms);

/* True when argv[1] asks for help. */
int wants_help(int argc, char **argv);

#endif
