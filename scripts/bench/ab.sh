#!/usr/bin/env bash
# Alternating A/B runs of two liftcheck builds on the same input, for a change whose effect is
# smaller than the machine's drift between separate benchmark runs.
#
#   scripts/bench/ab.sh [--runs N] CHECKOUT_A CHECKOUT_B -- LIFTCHECK_ARGS...
#
# CHECKOUT_A and CHECKOUT_B are checkouts holding a release build (CHECKOUT/target/release, or
# $CARGO_TARGET_DIR_A / $CARGO_TARGET_DIR_B, relative to where the script is run); each build
# reads the models/ folder of the checkout it was built from (LIFTCHECK_MODELS is unset for the
# runs) and ONNX Runtime as liftcheck finds it (ORT_DYLIB_PATH, or the checkout's .deps/ from
# scripts/setup.sh). One untimed run of each warms the page cache, then N rounds
# (default 4) run A then B, B then A, alternately, and print one line per run: wall s, user s,
# system s, peak RSS MB (GNU `time`), then the medians. Pass --no-cache in LIFTCHECK_ARGS to
# time the pose stage. Paths in LIFTCHECK_ARGS are taken from where the script is run.
#
# Example (the build before a change, checked out with `git worktree add ../before REV`):
#   scripts/bench/ab.sh ../before . -- analyze .cache/bench/clips/landscape_1080p30.mp4 --no-cache -q
set -euo pipefail
unset CDPATH LIFTCHECK_MODELS

usage() {
    sed -n '2,17p' "$0" >&2
    exit 2
}
runs=4
if [[ "${1:-}" == "--runs" ]]; then
    [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage
    runs=$2
    shift 2
fi
[[ $# -ge 4 && "$3" == "--" ]] || usage
a=$(cd -- "$1" && pwd)
b=$(cd -- "$2" && pwd)
shift 3
[[ -x /usr/bin/time ]] || { echo "ab.sh: needs GNU time (/usr/bin/time; Debian package 'time')" >&2; exit 2; }

binary() { # checkout, target dir override
    local dir=${2:-$1/target}
    echo "$(cd -- "$dir" 2>/dev/null && pwd)/release/liftcheck"
}
bin_a=$(binary "$a" "${CARGO_TARGET_DIR_A:-}")
bin_b=$(binary "$b" "${CARGO_TARGET_DIR_B:-}")
for bin in "$bin_a" "$bin_b"; do
    [[ -x "$bin" ]] || { echo "ab.sh: no build at $bin" >&2; exit 2; }
done
# Files and folders named in the arguments (not the subcommand, not options) made absolute,
# since each run starts in its checkout.
args=("$1")
for arg in "${@:2}"; do
    if [[ "$arg" != -* && -e "$arg" ]]; then
        args+=("$(cd -- "$(dirname -- "$arg")" && pwd)/$(basename -- "$arg")")
    else
        args+=("$arg")
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One run of build `side`; appends "round side wall user sys rss_mb" to the results unless
# round is 0 (warm-up).
run() {
    local round=$1 side=$2 dir bin status=0
    if [[ $side == A ]]; then dir=$a bin=$bin_a; else dir=$b bin=$bin_b; fi
    # liftcheck exits 1 when it finds faults, 2 on an error.
    (cd -- "$dir" && /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$bin" "${args[@]}" >/dev/null 2>"$work/err") ||
        status=$?
    if ((status > 1)); then
        echo "ab.sh: build $side failed (exit $status): cd $dir && $bin ${args[*]}" >&2
        tail -n 5 "$work/err" >&2
        exit 1
    fi
    ((round > 0)) || return 0
    local wall user sys rss
    read -r wall user sys rss < <(tail -n 1 "$work/time")
    printf '%d %s %s %s %s %d\n' "$round" "$side" "$wall" "$user" "$sys" $((rss / 1024)) | tee -a "$work/results"
}

run 0 A
run 0 B
echo "round build wall_s user_s sys_s rss_mb"
for ((i = 1; i <= runs; i++)); do
    if ((i % 2)); then order=(A B); else order=(B A); fi
    for side in "${order[@]}"; do
        run "$i" "$side"
    done
done
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
for side in A B; do
    wall=$(awk -v s="$side" '$2 == s { print $3 }' "$work/results" | median)
    user=$(awk -v s="$side" '$2 == s { print $4 }' "$work/results" | median)
    echo "median $side: wall $wall s, user $user s over $runs runs"
done
