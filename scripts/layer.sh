#!/usr/bin/env bash
# Run one test layer with a labelled header and footer, and note its result and wall time
# in the summary file that `make test` prints at the end.
#
#   scripts/layer.sh SUMMARY_FILE "layer name" command args...
#   scripts/layer.sh SUMMARY_FILE "layer name" --skip "why"
set -uo pipefail

summary=$1
name=$2
shift 2

if [[ "${1:-}" == "--skip" ]]; then
    echo
    echo "===== [$name] SKIPPED: $2"
    printf '%-12s SKIPPED  %s\n' "$name" "$2" >>"$summary"
    exit 0
fi

echo
echo "===== [$name] $*"
log=$(mktemp)
start=$(date +%s)
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
seconds=$(($(date +%s) - start))
# pytest's last line ("12 passed, 1 skipped in 3.2s") or the binder check's "N passed".
counts=$(grep -E '[0-9]+ (passed|failed|error|errors|skipped)' "$log" | tail -1 |
    sed -E 's/=+//g; s/^ +| +$//g; s/ in [0-9.]+s.*$//')
rm -f "$log"
if [[ $rc -ne 0 ]]; then
    echo "===== [$name] FAILED (exit $rc) after ${seconds} s: ${counts:-no test summary}"
    printf '%-12s FAILED   %4d s  %s\n' "$name" "$seconds" "$counts" >>"$summary"
    exit "$rc"
fi
echo "===== [$name] passed in ${seconds} s: ${counts}"
printf '%-12s passed   %4d s  %s\n' "$name" "$seconds" "$counts" >>"$summary"
