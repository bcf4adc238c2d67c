/* helppack.c - packs the applets' --help texts for the static release
 * binary (make static runs it, built with the host's compiler); lib/help.h
 * says how the texts get here, lib/help.c unpacks them.
 *
 * Usage: helppack OUT.h NAME=FILE...
 * FILE holds one text and its terminating NUL (objcopy's copy of the
 * applet's .qvhelp section). OUT.h gets, for each NAME, HELP_NAME: the
 * text's place (start, length) in all texts one after another;
 * HELP_TEXT_SIZE, their total; and under HELP_PACKED_DATA the packed
 * bytes, help_packed[].
 *
 * The packing is LZ77 with a window of 4096 bytes over all the texts: a
 * byte below 0x80 stands for itself, two bytes for a copy of 3 to 10 bytes
 * from up to 4096 bytes back (lib/help.c has the exact form). The texts
 * must be ASCII (bytes 1 to 0x7f). The parse is optimal (fewest bytes, by
 * dynamic programming from the end), ties broken the same way every time,
 * so the output depends on the texts alone. Before writing, the stream is
 * unpacked as lib/help.c does and compared with the texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 65535            /* places are unsigned short */
#define MAX_NAMES 32
#define WINDOW 4096
#define MIN_COPY 3
#define MAX_COPY 10

static unsigned char all[MAX_TEXT + 1];
static size_t total;

/* Per position: fewest bytes to pack all[i..], and the copy that starts
 * the best packing (len 0: a literal). */
static size_t cost[MAX_TEXT + 2];
static unsigned short copy_len[MAX_TEXT + 1], copy_back[MAX_TEXT + 1];
static unsigned char packed[2 * MAX_TEXT], unpacked[MAX_TEXT + 1];

static void die(const char *what, const char *why)
{
	fprintf(stderr, "helppack: %s: %s\n", what, why);
	exit(1);
}

/* Reads FILE (a text and its NUL) onto the end of all[]; returns its length. */
static size_t read_text(const char *file)
{
	FILE *f = fopen(file, "rb");
	size_t n, i;

	if (!f)
		die(file, "cannot open");
	n = fread(all + total, 1, sizeof(all) - total, f);
	if (ferror(f) || !feof(f))
		die(file, "cannot read, or the texts are longer than 65535 bytes");
	fclose(f);
	if (n < 2 || all[total + n - 1] != '\0')
		die(file, "not a text and its terminating NUL (an empty text, or no NUL)");
	n--;
	for (i = 0; i < n; i++)
		if (all[total + i] == 0 || all[total + i] >= 0x80)
			die(file, "help texts are ASCII (bytes 1 to 0x7f)");
	total += n;
	return n;
}

static void pack_optimal(void)
{
	size_t i, j, l, best;

	cost[total] = 0;
	for (i = total; i-- > 0;) {
		cost[i] = cost[i + 1] + 1;
		copy_len[i] = 0;
		/* The longest copy from each distance, nearest first: any shorter
		 * copy from the same place is a copy too. */
		for (j = i; j-- > 0 && i - j <= WINDOW;) {
			for (best = 0; best < MAX_COPY && i + best < total && all[j + best] == all[i + best];)
				best++;
			for (l = MIN_COPY; l <= best; l++)
				if (cost[i + l] + 2 < cost[i]) {
					cost[i] = cost[i + l] + 2;
					copy_len[i] = (unsigned short)l;
					copy_back[i] = (unsigned short)(i - j);
				}
		}
	}
}

static size_t emit(void)
{
	size_t i = 0, n = 0;

	while (i < total) {
		if (!copy_len[i]) {
			packed[n++] = all[i++];
			continue;
		}
		packed[n++] = (unsigned char)(0x80 | (copy_len[i] - MIN_COPY) << 4 | (copy_back[i] - 1) >> 8);
		packed[n++] = (unsigned char)((copy_back[i] - 1) & 0xff);
		i += copy_len[i];
	}
	return n;
}

/* lib/help.c's unpacking, on the host; returns the bytes unpacked. */
static size_t unpack(size_t n)
{
	const unsigned char *p = packed;
	size_t o = 0;

	while (p < packed + n && o < total) {
		unsigned c = *p++, k = 1, back = 0;

		if (c >= 0x80) {
			k = ((c >> 4) & 7) + 3;
			back = ((c & 15) << 8 | *p++) + 1;
			if (back > o)
				die("self-check", "a copy reaches before the start");
		}
		for (; k-- && o < total; o++)
			unpacked[o] = back ? unpacked[o - back] : (unsigned char)c;
	}
	return o;
}

int main(int argc, char **argv)
{
	static char names[MAX_NAMES][64];
	static size_t start[MAX_NAMES], len[MAX_NAMES];
	int i, k = argc - 2;
	size_t n;
	FILE *out;

	if (argc < 3 || k > MAX_NAMES) {
		fprintf(stderr, "Usage: helppack OUT.h NAME=FILE... (at most %d)\n", MAX_NAMES);
		return 2;
	}
	for (i = 0; i < k; i++) {
		const char *arg = argv[i + 2], *eq = strchr(arg, '=');

		if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(names[i]) ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyz_") != (size_t)(eq - arg))
			die(arg, "not NAME=FILE (NAME: a-z and _)");
		memcpy(names[i], arg, (size_t)(eq - arg));
		start[i] = total;
		len[i] = read_text(eq + 1);
	}
	pack_optimal();
	n = emit();
	if (unpack(n) != total || memcmp(unpacked, all, total))
		die("self-check", "the packed texts do not unpack to the texts");

	out = fopen(argv[1], "w");
	if (!out)
		die(argv[1], "cannot create");
	fprintf(out, "/* helptexts.h - the applets' --help texts, packed by tools/helppack\n"
		     " * (make static): %zu bytes of text in %zu. Not edited by hand. */\n", total, n);
	for (i = 0; i < k; i++)
		fprintf(out, "#define HELP_%s %zu, %zu\n", names[i], start[i], len[i]);
	fprintf(out, "#define HELP_TEXT_SIZE %zu\n#ifdef HELP_PACKED_DATA\n"
		     "static const unsigned char help_packed[%zu] = {", total, n);
	for (size_t b = 0; b < n; b++)
		fprintf(out, "%s%u,", b % 16 ? "" : "\n", packed[b]);
	fprintf(out, "\n};\n#endif\n");
	if (fclose(out) != 0)
		die(argv[1], "cannot write");
	return 0;
}
