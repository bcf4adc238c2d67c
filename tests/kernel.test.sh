#!/bin/bash
# kernel.test.sh - nl/ against the real kernel, in a throwaway namespace:
# batch errors mapped to the failing message, extended-ack text, every ack
# of a large batch collected, EEXIST/ENOENT handling.
. "$(dirname "$0")/lib.sh"

netns_new NS kernel
nsx "$NS" "${UNIT:-$TOP/build/tests/unit}" --kernel
rc=$?
# unit --kernel prints its own ok/not ok lines; pass its status on.
exit $rc
