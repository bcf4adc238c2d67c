/* log.h - messages in the form journald reads, one line each: the
 * applet's name, then what failed and the kernel's reason. Also the two
 * command-line conventions every applet shares (--help, usage errors). */
#ifndef QVPN_LOG_H
#define QVPN_LOG_H

#include "../nl/nl.h"

/* Exit codes, as busybox and the shell use them. */
#define EXIT_USAGE 2
#define EXIT_NO_APPLET 127

/* The name messages start with: "qubes-vpn-forwarding". Set by main(). */
extern char applet_name[64];

/* syslog priorities, written as "<N>" line prefixes when stderr is not a
 * terminal (journald strips and honours them). LOG_DEBUG lines appear only
 * while RUNDIR/debug exists. */
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

/* True when argv[1] asks for help. */
int wants_help(int argc, char **argv);

#endif
