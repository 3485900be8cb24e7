#!/usr/bin/env bash
# Alternating A/B runs of two liftcheck builds on the same input, for a change whose effect is
# smaller than the machine's drift between separate benchmark runs.
#
#   scripts/bench/ab.sh [--runs N] CHECKOUT_A CHECKOUT_B -- LIFTCHECK_ARGS...
#
# CHECKOUT_A and CHECKOUT_B are checkouts holding a release build (target/release/liftcheck, or
# $CARGO_TARGET_DIR_A / $CARGO_TARGET_DIR_B's) and their own models/ folder; each run starts in
# its checkout, so each build reads the models it was made with (ONNX Runtime as liftcheck finds it:
# ORT_DYLIB_PATH, or the checkout's .deps/ from scripts/setup.sh). Runs alternate A, B, A, B, ...
# (N each, default 4) and print one line per run: wall s, user s, system s, peak RSS MB (GNU
# `time`), then the medians. Pass --no-cache in LIFTCHECK_ARGS to time the pose stage.
#
# Example (the build before a change, checked out with `git worktree add ../before REV`):
#   scripts/bench/ab.sh ../before . -- analyze .cache/bench/clips/landscape_1080p30.mp4 --no-cache -q
set -euo pipefail

runs=4
if [[ "${1:-}" == "--runs" ]]; then
    runs=$2
    shift 2
fi
if [[ $# -lt 4 || "$3" != "--" ]]; then
    sed -n '2,15p' "$0" >&2
    exit 2
fi
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
shift 3
[[ -x /usr/bin/time ]] || { echo "ab.sh: needs GNU time (/usr/bin/time; Debian package 'time')" >&2; exit 2; }

binary() { # checkout, target dir override
    echo "${2:-$1/target}/release/liftcheck"
}
bin_a=$(binary "$a" "${CARGO_TARGET_DIR_A:-}")
bin_b=$(binary "$b" "${CARGO_TARGET_DIR_B:-}")
for bin in "$bin_a" "$bin_b"; do
    [[ -x "$bin" ]] || { echo "ab.sh: no build at $bin" >&2; exit 2; }
done
# Relative input paths are taken from where the script is run.
args=()
for arg in "$@"; do
    if [[ "$arg" != -* && -e "$arg" ]]; then
        args+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")")
    else
        args+=("$arg")
    fi
done

results=$(mktemp)
timing=$(mktemp)
trap 'rm -f "$results" "$timing"' EXIT
echo "run build wall_s user_s sys_s rss_mb"
for ((i = 1; i <= runs; i++)); do
    for side in A B; do
        if [[ $side == A ]]; then dir=$a bin=$bin_a; else dir=$b bin=$bin_b; fi
        # liftcheck exits 1 when it finds faults, 2 on an error.
        status=0
        (cd "$dir" && /usr/bin/time -o "$timing" -f '%e %U %S %M' "$bin" "${args[@]}" >/dev/null 2>&1) || status=$?
        if ((status > 1)); then
            echo "ab.sh: build $side failed (exit $status): cd $dir && $bin ${args[*]}" >&2
            exit 1
        fi
        read -r wall user sys rss < <(tail -n 1 "$timing")
        printf '%d %s %s %s %s %d\n' "$i" "$side" "$wall" "$user" "$sys" $((rss / 1024)) | tee -a "$results"
    done
done
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
for side in A B; do
    wall=$(awk -v s="$side" '$2 == s { print $3 }' "$results" | median)
    user=$(awk -v s="$side" '$2 == s { print $4 }' "$results" | median)
    echo "median $side: wall $wall s, user $user s over $runs runs"
done
