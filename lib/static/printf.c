/* printf.c - the printf family for the static release binary, in place of
 * musl's: its vfprintf links the floating-point formatter (fmt_fp) and
 * long-double support, about 8 KB of a 120 KB binary, for conversions no
 * code here uses. Linked only by `make static`; the development and
 * sanitizer builds use their libc's own.
 *
 * The output functions the code calls (printf, fprintf, snprintf, puts,
 * fputs, fputc, fwrite) and the two streams they write to, stdout and
 * stderr, are here too, in place of musl's buffered FILE machinery (2.5 KB
 * of locks, buffers and exit-time flushing): a stream is its file
 * descriptor and every call writes what it formats at once, with one
 * write() per call up to 1536 bytes, so that a log line is one write and
 * nothing is lost when a process calls _exit or execve. The code has no
 * other use of stdio (no stdin, fopen; fflush has nothing to do, and does
 * nothing), which the link checks: a
 * call of another stdio function would bring musl's streams back and
 * clash with these (duplicate stdout/stderr).
 *
 * What it formats: %d %i %u %x %X %c %s %%, with the flags '-' and '0', a
 * width and a precision (digits or '*'), and the length modifiers hh, h,
 * l, ll, z, j, t. Anything else (%f, %p, %n, ...) is copied to the output
 * as written, never read from the arguments: the compiler's -Wformat
 * checks every call of ours, and tests/static.test.sh compares this
 * formatter with glibc's on every conversion the code uses. musl's own
 * callers (inet_ntop: "%x", "%d") are covered too. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

/* A stream: its file descriptor (FILE is opaque to callers). */
struct stream {
	int fd;
};

static struct stream out = { 1 }, err = { 2 };
FILE *const stdout = (FILE *)&out;
FILE *const stderr = (FILE *)&err;

/* write_all: all of p to f's descriptor; 0, or -1 on an error. */
static int write_all(FILE *f, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(((struct stream *)f)->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Where the output goes: a buffer (bounded; the length counts anyway) or
 * a stdio stream, through a small staging buffer. */
struct sink {
	char *buf;
	size_t size, len;        /* len: bytes produced so far */
	FILE *f;
	char stage[1536];        /* a log line is one write() */
	size_t staged;
	int error;
};

static void flush(struct sink *k)
{
	if (k->staged && write_all(k->f, k->stage, k->staged) < 0)
		k->error = 1;
	k->staged = 0;
}

static void put(struct sink *k, const char *p, size_t n)
{
	size_t i;

	if (k->f) {
		for (i = 0; i < n; i++) {
			if (k->staged == sizeof(k->stage))
				flush(k);
			k->stage[k->staged++] = p[i];
		}
	} else if (k->len < k->size) {
		i = k->size - k->len;
		memcpy(k->buf + k->len, p, n < i ? n : i);
	}
	k->len += n;
}

static void pad(struct sink *k, char c, size_t n)
{
	while (n--)
		put(k, &c, 1);
}

/* One field: prefix (sign), zero padding to reach prec digits, body. */
static void field(struct sink *k, const char *sign, const char *body, size_t len,
		  size_t zeros, int left, size_t width, int zero_pad)
{
	size_t total = strlen(sign) + zeros + len;

	if (zero_pad && !left && width > total) {
		zeros += width - total;
		total = width;
	}
	if (!left && width > total)
		pad(k, ' ', width - total);
	put(k, sign, strlen(sign));
	pad(k, '0', zeros);
	put(k, body, len);
	if (left && width > total)
		pad(k, ' ', width - total);
}

static int format(struct sink *k, const char *fmt, va_list ap)
{
	char digits[24];
	const char *p, *s, *spec;
	unsigned long long u;
	long long v;
	size_t width, len, zeros;
	int left, zero_pad, prec, lng, base, upper;
	char c;

	for (p = fmt; *p; p++) {
		if (*p != '%') {
			s = p;
			while (p[1] && p[1] != '%')
				p++;
			put(k, s, (size_t)(p - s) + 1);
			continue;
		}
		spec = p++;
		left = zero_pad = 0;
		for (;; p++) {
			if (*p == '-')
				left = 1;
			else if (*p == '0')
				zero_pad = 1;
			else
				break;
		}
		width = 0;
		if (*p == '*') {
			v = va_arg(ap, int);
			if (v < 0) {
				left = 1;
				v = -v;
			}
			width = (size_t)v;
			p++;
		} else {
			while (*p >= '0' && *p <= '9' && width < 4096)
				width = width * 10 + (size_t)(*p++ - '0');
		}
		prec = -1;
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else {
				while (*p >= '0' && *p <= '9' && prec < 4096)
					prec = prec * 10 + (*p++ - '0');
			}
		}
		lng = 0;           /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
		for (;; p++) {
			if (*p == 'h')
				lng--;
			else if (*p == 'l')
				lng++;
			else if (*p == 'z' || *p == 'j' || *p == 't')
				lng = 2;
			else
				break;
		}
		base = 10;
		upper = 0;
		switch (*p) {
		case '%':
			put(k, "%", 1);
			continue;
		case 'c':
			c = (char)va_arg(ap, int);
			field(k, "", &c, 1, 0, left, width, 0);
			continue;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
			field(k, "", s, len, 0, left, width, 0);
			continue;
		case 'd':
		case 'i':
			v = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long)
								      : va_arg(ap, int);
			if (lng == -1)
				v = (short)v;
			else if (lng <= -2) /* %hhd: as a signed char, on purpose */
				v = (signed char)v; /* NOLINT(bugprone-signed-char-misuse,cert-str34-c) */
			u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
			s = v < 0 ? "-" : "";
			break;
		case 'X':
			upper = 1;
			/* fall through */
		case 'x':
			base = 16;
			/* fall through */
		case 'u':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			s = "";
			break;
		default:           /* not ours to format: copy it as written */
			put(k, spec, (size_t)(p - spec) + (*p != '\0'));
			if (!*p)
				p--;
			continue;
		}
		len = 0;
		do {
			c = "0123456789abcdef"[u % (unsigned)base];
			digits[sizeof(digits) - ++len] = upper && c > '9' ? (char)(c - 32) : c;
			u /= (unsigned)base;
		} while (u);
		if (prec == 0 && digits[sizeof(digits) - 1] == '0' && len == 1)
			len = 0;     /* "%.0d" of 0 prints no digit */
		zeros = prec > 0 && (size_t)prec > len ? (size_t)prec - len : 0;
		field(k, s, digits + sizeof(digits) - len, len, zeros, left, width,
		      zero_pad && prec < 0);
	}
	return k->len > INT_MAX ? -1 : (int)k->len;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
	struct sink k = { .buf = buf, .size = size };
	int n = format(&k, fmt, ap);

	if (size)
		buf[k.len < size ? k.len : size - 1] = '\0';
	return n;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct sink k = { .f = f };
	int n = format(&k, fmt, ap);

	flush(&k);
	return k.error ? -1 : n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	return size && n && write_all(f, p, size * n) < 0 ? 0 : n;
}

int fputs(const char *restrict s, FILE *restrict f)
{
	return write_all(f, s, strlen(s)) < 0 ? EOF : 0;
}

int fputc(int c, FILE *f)
{
	unsigned char b = (unsigned char)c;

	return write_all(f, (const char *)&b, 1) < 0 ? EOF : b;
}

int puts(const char *s)
{
	return printf("%s\n", s) < 0 ? EOF : 0;
}

int fflush(FILE *f)
{
	(void)f;
	return 0;
}
