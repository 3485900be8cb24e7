#!/usr/bin/env bash
# Where `liftcheck analyze` spends its CPU, by library: samples `perf record` took over a whole
# run, turned into CPU milliseconds per frame.
#
# Usage: scripts/bench/profile.sh [CLIP] [-- EXTRA_ANALYZE_ARGS...]
#   CLIP defaults to .cache/bench/clips/landscape_1080p30.mp4 (made by scripts/bench.sh).
#   Needs perf (Debian: apt-get install linux-perf) and a release build (target/release, or
#   $CARGO_TARGET_DIR/release). Run it on a quiet machine: perf samples every thread, so other
#   work shows up only as less of the run, but a busy machine changes where the time goes.
#
# The sampling rate is 999 Hz per CPU, so a library's samples / 999 is its CPU seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."

clip=.cache/bench/clips/landscape_1080p30.mp4
if [[ $# -gt 0 && $1 != -- ]]; then clip=$1; shift; fi
[[ ${1:-} == -- ]] && shift
extra=("$@")

command -v perf >/dev/null || { echo "profile.sh: perf not found (Debian: apt-get install linux-perf)" >&2; exit 2; }
command -v ffprobe >/dev/null || { echo "profile.sh: ffprobe not found (Debian: apt-get install ffmpeg)" >&2; exit 2; }
[[ -f $clip ]] || { echo "profile.sh: $clip: no such file (scripts/bench.sh makes the benchmark clips)" >&2; exit 2; }
bin=${CARGO_TARGET_DIR:-target}/release/liftcheck
[[ -x $bin ]] || { echo "profile.sh: $bin: not built (cargo build --release)" >&2; exit 2; }
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$PWD/.deps/onnxruntime/libonnxruntime.so}

frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "perf record -F 999 -- $bin analyze $clip --no-cache -q ${extra[*]}" >&2
perf record -q -F 999 -o "$out/perf.data" -- "$bin" analyze "$clip" --no-cache -q "${extra[@]}" >/dev/null 2>"$out/stderr" || {
    rc=$?
    # Exit code 1 means faults were found, which is a normal run.
    [[ $rc == 1 ]] || { cat "$out/stderr" >&2; exit "$rc"; }
}
perf report -i "$out/perf.data" --no-children --sort dso -g none --stdio -F overhead,sample,dso 2>/dev/null |
    grep -v '^#' | sort -rn |
    awk -v frames="$frames" -v clip="$clip" '
        NF < 3 { next }
        { share = $1; sub("%", "", share); samples[$3] = $2; total += $2; order[++n] = $3; pct[$3] = share }
        END {
            printf "%s: %d frames, %.1f CPU s sampled, %.1f CPU ms per frame\n\n", clip, frames, total / 999, total / 999 * 1000 / frames
            print "| library | share of CPU | CPU ms per frame |"
            print "|---|---|---|"
            for (i = 1; i <= n; i++) {
                d = order[i]
                if (pct[d] < 0.5) { rest += samples[d]; continue }
                printf "| %s | %.1f%% | %.2f |\n", d, pct[d], samples[d] / 999 * 1000 / frames
            }
            printf "| (the rest, each under 0.5%%) | %.1f%% | %.2f |\n", rest / total * 100, rest / 999 * 1000 / frames
        }'
