#!/usr/bin/env bash
# bench/poll_instr.sh — instructions per watcher poll beside a blocking
# get-status, on loopback (issue 17). callgrind runs each mode with N1 and
# N2 calls (polls) and the difference is divided by the count difference,
# so startup, login and teardown cancel out. Needs valgrind
# (apt-get install -y valgrind).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "poll_instr: install valgrind (apt-get install -y valgrind)" >&2; exit 2; }
(cd "$ROOT" && cargo build --release --quiet --bench poll_instr)
BIN=$(ls -t "$ROOT"/target/release/deps/poll_instr-* | grep -v '\.d$' | head -1)
OUT=$ROOT/target/bench/out
mkdir -p "$OUT"
N1=${N1:-100} N2=${N2:-600}
total() { sed -n 's/^summary: //p' "$1"; }
printf '%-7s %12s\n' mode instr/call
for mode in call typed watch; do
    declare -A got=()
    for n in $N1 $N2; do
        valgrind --tool=callgrind --callgrind-out-file="$OUT/poll.$mode.$n" \
            "$BIN" --mode "$mode" --n "$n" >"$OUT/poll.$mode.$n.txt" 2>"$OUT/poll.$mode.$n.log"
        done_n=$(sed -n 's/^polls //p' "$OUT/poll.$mode.$n.txt")
        got[$n]=${done_n:-$n}
    done
    a=$(total "$OUT/poll.$mode.$N1") b=$(total "$OUT/poll.$mode.$N2")
    printf '%-7s %12d\n' "$mode" $(((b - a) / (got[$N2] - got[$N1])))
done
