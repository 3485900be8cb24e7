#!/usr/bin/env bash
# How judgement moves with analysis settings: `liftcheck eval` of every suite under a config that
# sets some fields of the analysis config (`liftcheck config` lists them), then the totals
# (`summarize.py`). With the keypoints cached (LIFTCHECK_CACHE, as `liftcheck eval` leaves them)
# only the analysis runs: a few seconds for 250 clips.
#
#   scripts/synth/sweep.sh OUT_DIR [FIELD=VALUE...] -- SUITE_DIR...
#
# Writes OUT_DIR/NAME.toml (NAME: the settings joined by commas, "defaults" without any), a report
# OUT_DIR/NAME-N-SUITE.json per suite (N its place in the list; what eval said of failed clips in
# NAME-N-SUITE.log) and the totals in OUT_DIR/NAME.sum, and prints their first lines: rep counts,
# good clips without a finding, faults. Clips that fail count as misses, as in `liftcheck eval`;
# how many failed is printed too. LIFTCHECK names the binary (default target/release/liftcheck).
# The settings sweep in `judgement.md` ran, for each setting S (and once with none):
#
#   scripts/synth/sweep.sh /tmp/sweep S -- tests/fixtures .cache/synth/suite-{97,201,...}
set -euo pipefail
usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage
out=$1
shift
settings=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
    [[ "$1" == *=* ]] || usage
    settings+=("$1")
    shift
done
[[ "${1:-}" == "--" && $# -ge 2 ]] || usage
shift
liftcheck=${LIFTCHECK:-target/release/liftcheck}
if [[ ! -x "$liftcheck" ]]; then
    echo "sweep.sh: no liftcheck binary at $liftcheck (cargo build --release, or set LIFTCHECK)" >&2
    exit 2
fi

name=defaults
if [[ ${#settings[@]} -gt 0 ]]; then
    name=$(IFS=,; echo "${settings[*]}")
fi
mkdir -p "$out"
config="$out/$name.toml"
: > "$config"
for kv in ${settings[@]+"${settings[@]}"}; do
    echo "${kv%%=*} = ${kv#*=}" >> "$config"
done
reports=()
failed=0
n=0
for dir in "$@"; do
    n=$((n + 1))
    report="$out/$name-$n-$(basename "$dir").json"
    log="${report%.json}.log"
    rm -f "$report"
    rc=0
    "$liftcheck" eval "$dir" --config "$config" --json "$report" -q > /dev/null 2> "$log" || rc=$?
    # Exit code 2 with a report: some clips failed (scored as misses). Without one: an error, such
    # as a config field that does not exist.
    if [[ ! -f "$report" ]]; then
        cat "$log" >&2
        echo "sweep.sh: liftcheck eval $dir failed (exit $rc)" >&2
        exit 1
    fi
    if [[ $rc -ne 0 ]]; then
        failed=$((failed + 1))
    fi
    reports+=("$report")
done
python3 "$(dirname "$0")/summarize.py" "${reports[@]}" > "$out/$name.sum"
echo "$name"
sed -n '2,4p' "$out/$name.sum"
if [[ $failed -gt 0 ]]; then
    echo "($failed of $n suites had clips that failed, scored as misses: see $out/$name-*.log)"
fi
