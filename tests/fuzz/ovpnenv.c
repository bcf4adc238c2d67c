/* ovpnenv.c (fuzz target) - OpenVPN's script environment, as the up hook
 * parses it. The input is split at NUL or newline bytes into NAME=VALUE
 * strings (at most 4096 of them), as OpenVPN would pass them. */
#include "../../lib/ovpnenv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *envp[MAX_VARS + 1];
	struct ovpn_env e;
	char *buf = malloc(size + 1), *p;
	unsigned n = 0;
	size_t i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf, i = 0; i <= size && n < MAX_VARS; i++) {
		if (i == size || buf[i] == '\n' || buf[i] == '\0') {
			buf[i] = '\0';
			if (*p)
				envp[n++] = p;
			p = buf + i + 1;
		}
	}
	envp[n] = NULL;
	ovpn_env_parse(envp, &e);
	free(buf);
	return 0;
}
