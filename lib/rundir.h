/* rundir.h - the run directory, $QUBES_VPN_RUNDIR or /run/qubes-vpn: what
 * the hooks leave behind for people, for the privileged qubes-vpn-resolv
 * and for the desktop notifier. One file here owns each of its entries:
 *   lock    serialises every change of the gateway's state, and carries
 *           a note from one holder to the next (lock_note_read);
 *   state   the connection, rewritten on every change (a path unit starts
 *           qubes-vpn-resolv whenever it changes, even to the same state);
 *   events  one line per notification, rotated to events.old at 64 KiB;
 *   debug   present: LOG_DEBUG lines are written (log.c).
 * Failing to write any of them is logged, never fatal: the kernel state
 * is what protects, these files only describe it. */
#ifndef QVPN_RUNDIR_H
#define QVPN_RUNDIR_H

#include <stddef.h>

#include <sys/stat.h>
#include <sys/types.h>

#define RUNDIR_MAX 200             /* longest accepted $QUBES_VPN_RUNDIR */
#define EVENT_LINE_MAX 1024        /* longest line event_append() writes */

/* The run directory: $QUBES_VPN_RUNDIR (absolute, shorter than
 * RUNDIR_MAX) or /run/qubes-vpn. */
const char *rundir(void);

/* An exclusive lock on RUNDIR/lock, held until exit. Without a usable run
 * directory it warns and goes on unlocked. */
void gateway_lock(void);
/* The lock file's content: a note for the next holder of the lock (the
 * gateway's record of what nftables held, lib/gateway.c), a fixed-size
 * record read and written only while holding it. lock_note_read: the
 * bytes read (fewer than size when the file is shorter), -EBADF without
 * the lock, or -errno. */
ssize_t lock_note_read(void *buf, size_t size);
void lock_note_write(const void *note, size_t size);
/* In a child that outlives the change: let go of the lock. */
void gateway_lock_drop(void);

/* Record "connected through dev" (server for people; dns the accepted VPN
 * DNS servers as literals separated by ", ", which qubes-vpn-resolv puts
 * into /etc/resolv.conf; either may be ""). */
void state_write_connected(const char *dev, const char *server, const char *dns);
/* Record "blocked". */
void state_write_blocked(void);
/* 1 when the state file says connected. */
int state_connected(void);
/* Record "off": the kill switch is not armed. */
void state_write_off(void);

/* Append "2026-11-27T12:00:00Z URGENCY SUMMARY[: BODY]" to RUNDIR/events.
 * summary and body must be sanitized (no line breaks). */
void event_append(const char *urgency, const char *summary, const char *body);
/* now (from 1970 on) as UTC year, month 1-12, day, hour, minute, second. */
void utc_time(time_t now, int t[6]);

/* One line of RUNDIR/events (without its '\n'), as event_append wrote it:
 * 0 with urgency ("low", "normal" or "critical"), summary and body
 * (pointing into line, which is cut up; NOT sanitized: the file is another
 * user's), or -EINVAL when the line is not one (a stamp, a known urgency,
 * a summary). */
int event_parse(char *line, const char **urgency, const char **summary, const char **body);

/* Read a whole regular file, never following a link, into buf as a
 * NUL-terminated text: its length, -EFBIG when it does not fit (size
 * bytes or more: never a text cut short), or -errno (-EINVAL: not a regular file).
 * st, if not NULL, gets the opened file's status. */
/* The state file, read whole: its length, or -errno (read_small_file). */
ssize_t state_read(char *text, size_t size);
/* The value of the first KEY= line of a state text, in out (cut to size;
 * "" when there is none). Returns out. */
const char *state_value(const char *text, const char *key, char *out, size_t size);

ssize_t read_small_file(const char *path, char *buf, size_t size, struct stat *st);

#endif
