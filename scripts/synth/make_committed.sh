#!/usr/bin/env bash
# Re-renders every clip the repository holds from its config (samples/ and tests/fixtures/,
# bystander/ included).
# Deterministic: the same code and configs give the same JSON and, with the same ffmpeg/x264,
# the same mp4 bytes.  Usage: scripts/synth/make_committed.sh [name ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$root/.venv-synth/bin/python"
[[ -x "$py" ]] || "$here/setup.sh"
declare -A out=(
    [deadlift_side]="samples/deadlift_side.mp4"
    [side_good_2reps]="tests/fixtures/side_good_2reps.mp4"
    [front_good_1rep]="tests/fixtures/front_good_1rep.mp4"
    [side_faults_3reps]="tests/fixtures/side_faults_3reps.mp4"
    [portrait_rot90_1rep]="tests/fixtures/portrait_rot90_1rep.mp4"
    [bystander_first_1rep]="tests/fixtures/bystander/bystander_first_1rep.mp4"
)
names=("$@")
((${#names[@]})) || names=(side_good_2reps front_good_1rep side_faults_3reps portrait_rot90_1rep bystander_first_1rep deadlift_side)
for n in "${names[@]}"; do
    echo "== $n -> ${out[$n]}" >&2
    "$py" "$here/render.py" --config "$here/configs/$n.json" --out "$root/${out[$n]}"
done
