/* nlinput.h - the fuzz targets' copy of an input of netlink messages:
 * 4-byte aligned as netlink buffers are (libFuzzer's data need not be),
 * and exactly its size, so that AddressSanitizer sees any read past it. */
#ifndef QVPN_FUZZ_NLINPUT_H
#define QVPN_FUZZ_NLINPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* NULL for inputs over 64 KiB (a datagram is at most that) or no memory. */
static inline void *nl_input_copy(const uint8_t *data, size_t size)
{
	void *buf = size <= 65536 ? malloc(size ? size : 1) : NULL;

	if (buf)
		memcpy(buf, data, size);
	return buf;
}

#endif
