#!/usr/bin/env python3
"""Turns the raw outputs of one scripts/bench.sh run into a markdown summary (stdout).

  python3 scripts/bench/report.py RESULTS_DIR

RESULTS_DIR holds `runs.tsv` (one line per timed command: kind, label, run, file prefix,
command line), for each prefix `.out`/`.err` (the command's output), `.time` (GNU time -v)
and `.rc` (exit code), `clips.tsv` (clip name and path), `machine.txt` and, when the model
benchmark ran, `model.json`. Only the Python standard library is used.
"""
import json
import os
import re
import statistics
import subprocess
import sys

# Targets from the performance issue (ratios; absolute times depend on the machine).
TARGET_ANALYZE_RTF = 2.0
TARGET_E2E_OVER_MODEL = 1.15
TARGET_VS_BASELINE = 2.0
TARGET_LONG_RSS_MB = 300.0
TARGET_ANNOTATE_RTF = 1.0


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1, unit=""):
    if v is None:
        return "n/a"
    return f"{v:.{digits}f}{unit}"


def ok(flag):
    return "n/a" if flag is None else ("yes" if flag else "**no**")


def parse_time(path):
    """GNU time -v: wall seconds, user+sys seconds, peak RSS in MB, CPU percent."""
    out = {}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return out
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        secs = 0.0
        for p in parts:
            secs = secs * 60 + p
        out["wall"] = secs
    u = re.search(r"User time \(seconds\): ([\d.]+)", text)
    s = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if u and s:
        out["cpu"] = float(u.group(1)) + float(s.group(1))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["rss_mb"] = int(m.group(1)) / 1024.0
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        out["cpu_pct"] = int(m.group(1))
    return out


def parse_liftcheck(text):
    """liftcheck's own per-stage timings (`analyze -v`)."""
    out = {}
    patterns = {
        "frames": r"video\s+\d+x\d+ \S+, [\d.]+ fps, [\d.]+ s, (\d+) frames",
        "duration": r"video\s+\d+x\d+ \S+, [\d.]+ fps, ([\d.]+) s,",
        "model": r"models ([\d.]+) ms",
        "landmark_runs": r"landmark x (\d+)",
        "mask_runs": r"(\d+) with the mask",
        "detector_runs": r"detector x (\d+)",
        "pose": r"pose stage ([\d.]+) ms",
        # Before the plate search had a thread of its own, one figure: "back outline and plate".
        "extras": r"back outline(?: and plate)? ([\d.]+) ms",
        # The frame worker was "plate search" before the mask head ran there too.
        "plate": r"(?:plate search|frame worker) ([\d.]+) ms",
        "decode": r"decode ([\d.]+) ms",
        "waited": r"decode [\d.]+ ms \(own thread; waited for ([\d.]+) ms",
        "pipeline": r"total ([\d.]+) ms",
    }
    for key, pattern in patterns.items():
        m = re.search(pattern, text)
        if m:
            out[key] = float(m.group(1))
    return out


def probe(path):
    """Frames, duration, size and bit rate of a clip (ffprobe)."""
    try:
        raw = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "stream=width,height,nb_frames,r_frame_rate,bit_rate,codec_name:format=duration",
             "-of", "json", path], capture_output=True, text=True, check=True).stdout
        j = json.loads(raw)
        s, f = j["streams"][0], j["format"]
        return {"width": int(s["width"]), "height": int(s["height"]), "frames": int(s.get("nb_frames", 0)),
                "duration": float(f["duration"]), "mbps": float(s.get("bit_rate", 0)) / 1e6,
                "codec": s.get("codec_name", "?")}
    except Exception:  # noqa: BLE001 - a missing probe only blanks a column
        return {}


def load(results):
    runs = []
    with open(os.path.join(results, "runs.tsv"), encoding="utf-8") as f:
        for line in f:
            kind, label, run, prefix, command = line.rstrip("\n").split("\t", 4)
            prefix = os.path.join(results, prefix)
            r = {"kind": kind, "label": label, "run": int(run), "command": command}
            r.update(parse_time(prefix + ".time"))
            try:
                r["rc"] = int(open(prefix + ".rc").read().strip())
            except (OSError, ValueError):
                r["rc"] = None
            out = open(prefix + ".out", encoding="utf-8", errors="replace").read() if os.path.exists(prefix + ".out") else ""
            err = open(prefix + ".err", encoding="utf-8", errors="replace").read() if os.path.exists(prefix + ".err") else ""
            r["stdout"], r["stderr"] = out, err
            runs.append(r)
    clips = {}
    clips_path = os.path.join(results, "clips.tsv")
    if os.path.exists(clips_path):
        for line in open(clips_path, encoding="utf-8"):
            name, path, about = (line.rstrip("\n").split("\t") + [""])[:3]
            clips[name] = {"path": path, "about": about, **probe(path)}
    model = {}
    if os.path.exists(os.path.join(results, "model.json")):
        model = json.load(open(os.path.join(results, "model.json"), encoding="utf-8"))
    return runs, clips, model


def same_time_model_ms(results, kind, label, model="landmark_full"):
    """Median of the quick benchmarks of `model` run right before each `kind` run on `label`."""
    units = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
    values = []
    for name in sorted(os.listdir(results)):
        if not (name.startswith(f"model-{kind}-{label}-") and name.endswith(".txt")):
            continue
        text = open(os.path.join(results, name), encoding="utf-8", errors="replace").read()
        m = re.search(rf"model/{model}/\d+t\s+time:\s+\[\S+ \S+ ([\d.]+) (\S+) \S+ \S+\]", text)
        if m and m.group(2) in units:
            values.append(float(m.group(1)) * units[m.group(2)])
    return med(values)


def succeeded(r, allowed=(0, 1)):
    return r.get("rc") in allowed and "wall" in r


def main():
    results = sys.argv[1]
    runs, clips, model = load(results)
    lines = []
    w = lines.append
    machine = open(os.path.join(results, "machine.txt"), encoding="utf-8").read().strip() if os.path.exists(
        os.path.join(results, "machine.txt")) else ""
    w("## liftcheck benchmark")
    w("")
    w("```text")
    w(machine)
    w("```")
    w("")
    if clips:
        w("| clip | size | frames | duration | video | what |")
        w("|---|---|---|---|---|---|")
        for name, c in clips.items():
            w(f"| {name} | {c.get('width', '?')}x{c.get('height', '?')} | {c.get('frames', '?')} | "
              f"{fmt(c.get('duration'))} s | {c.get('codec', '?')} {fmt(c.get('mbps'), 2)} Mbit/s | {c.get('about', '')} |")
        w("")

    threads = model.get("threads")
    # Runs before `by_threads` recorded the default's figures and those at 1 thread only.
    model_at = model.get("by_threads") or {"1": {"landmark_full_ms": model.get("landmark_full_1t_ms"),
                                                 "landmark_nomask_ms": model.get("landmark_nomask_1t_ms"),
                                                 "detector_ms": model.get("detector_1t_ms")}}
    lm_model = model.get("landmark_full_ms")
    det_model = model.get("detector_ms")
    if model:
        others = "".join(
            f"; at {n} thread{'s' if int(n) > 1 else ''} {fmt(m.get('landmark_full_ms'), 2)} / "
            f"{fmt(m.get('landmark_nomask_ms'), 2)} / {fmt(m.get('detector_ms'), 2)} ms"
            for n, m in model_at.items() if int(n) != threads)
        w(f"Model alone (criterion `model/` group, ONNX Runtime, no spinning, median; landmark full / full without "
          f"the mask / detector): at {threads} intra-op thread{'s' if threads and threads > 1 else ''} (liftcheck's "
          f"default) {fmt(lm_model, 2)} / {fmt(model.get('landmark_nomask_ms'), 2)} / {fmt(det_model, 2)} ms"
          + others + ".")
        w("")

    # --- analyze vs the MediaPipe baseline -------------------------------------------------------
    labels = [c for c in clips if any(r["kind"] in ("analyze", "baseline") and r["label"] == c for r in runs)]
    if labels:
        w("### `analyze` against the MediaPipe-Python baseline (medians)")
        w("")
        w("| clip | pipeline | runs | wall s | ms/frame | fps | real-time factor | CPU ms/frame (CPU %) | peak RSS MB |")
        w("|---|---|---|---|---|---|---|---|---|")
        verdicts = []
        for label in labels:
            clip = clips[label]
            seconds = clip.get("duration")
            rows = {}
            for kind, name in (("analyze", "liftcheck analyze"), ("baseline", "MediaPipe PoseLandmarker (Python)")):
                rs = [r for r in runs if r["kind"] == kind and r["label"] == label and succeeded(r)]
                failed = [r for r in runs if r["kind"] == kind and r["label"] == label and not succeeded(r)]
                if not rs:
                    if failed:
                        w(f"| {label} | {name} | 0 of {len(failed)} succeeded | | | | | | |")
                    continue
                frames = clip.get("frames") or None
                if kind == "baseline":
                    js = [json.loads(r["stdout"].strip().splitlines()[-1]) for r in rs if r["stdout"].strip()]
                    frames = js[0]["frames"] if js else frames
                wall = med([r["wall"] for r in rs])
                cpu = med([r.get("cpu") for r in rs])
                rss = med([r.get("rss_mb") for r in rs])
                pct = med([r.get("cpu_pct") for r in rs])
                rows[kind] = {"wall": wall, "cpu": cpu, "rs": rs, "frames": frames}
                w(f"| {label} | {name} | {len(rs)} | {fmt(wall, 2)} | {fmt(1000 * wall / frames if frames else None)} | "
                  f"{fmt(frames / wall if frames else None)} | {fmt(seconds / wall if seconds else None, 2)}x | "
                  f"{fmt(1000 * cpu / frames if frames and cpu else None)} ({fmt(pct, 0)}%) | {fmt(rss, 0)} |")
            if "analyze" in rows and "baseline" in rows:
                speedup = rows["baseline"]["wall"] / rows["analyze"]["wall"]
                cpu_ratio = (rows["baseline"]["cpu"] / rows["analyze"]["cpu"]) if rows["analyze"]["cpu"] else None
                w(f"| {label} | **baseline / liftcheck** | | **{speedup:.2f}x** | | | | "
                  f"{fmt(cpu_ratio, 2)}x | |")
                verdicts.append((label, "analyze >= 2x faster than the baseline", speedup >= TARGET_VS_BASELINE,
                                 f"{speedup:.2f}x"))
            if "analyze" in rows and seconds:
                rtf = seconds / rows["analyze"]["wall"]
                verdicts.append((label, "analyze >= 2x real time", rtf >= TARGET_ANALYZE_RTF, f"{rtf:.2f}x"))
        w("")

        w("### `analyze` per stage (liftcheck's own timings, ms per frame, medians)")
        w("")
        w("*model alone*: the landmark models through ONNX Runtime at the run's thread count, benchmarked for a few "
          "seconds right before each run (median), each landmark run at the cost of the model it ran (with or without "
          "the segmentation mask, from `analyze -v`), plus the detector's share; without those, the `model/` group "
          "above.")
        w("")
        w("| clip | real-time factor | CPU | decode (own thread) | waited for frames | pose stage | models in run | "
          "back outline | frame worker (own thread) | pipeline total | process wall | model alone | "
          "wall / model alone |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        variants = [("analyze", label, label, threads, lm_model, model.get("landmark_nomask_ms"), det_model)
                    for label in labels]
        for kind, label in dict.fromkeys((r["kind"], r["label"]) for r in runs
                                         if r["kind"].startswith("lever-threads")):
            n = kind.removeprefix("lever-threads")
            at = model_at.get(n, {})
            variants.append((kind, label, f"{label}, `--threads {n}`", int(n), at.get("landmark_full_ms"),
                             at.get("landmark_nomask_ms"), at.get("detector_ms")))
        for kind, label, shown, _threads, lm_model, nomask_model, det_model in variants:
            rs = [r for r in runs if r["kind"] == kind and r["label"] == label and succeeded(r)]
            if not rs:
                continue
            p = [parse_liftcheck(r["stdout"]) for r in rs]
            g = lambda k: med([x.get(k) for x in p])
            frames = g("frames") or clips[label].get("frames")
            wall_ms = 1000 * med([r["wall"] for r in rs]) / frames if frames else None
            alone = None
            lm_now = same_time_model_ms(results, kind, label)
            lm_ms = lm_now if lm_now is not None else lm_model
            nomask_now = same_time_model_ms(results, kind, label, "landmark_full_nomask")
            nomask_ms = nomask_now if nomask_now is not None else nomask_model
            if lm_ms is not None and frames:
                det_runs = g("detector_runs") or 1
                runs_all, masked = g("landmark_runs"), g("mask_runs")
                if runs_all and masked is not None and nomask_ms is not None:
                    # Each landmark run at the cost of the model it ran: with or without the mask.
                    lm_share = (masked * lm_ms + (runs_all - masked) * nomask_ms) / frames
                else:
                    lm_share = lm_ms
                alone = lm_share + (det_model or 0) * det_runs / frames
            ratio = wall_ms / alone if wall_ms and alone else None
            pipe_ratio = g("pipeline") / alone if g("pipeline") and alone else None
            seconds = clips.get(label, {}).get("duration")
            cpu_ms = 1000 * med([r.get("cpu") for r in rs]) / frames if frames and rs[0].get("cpu") else None
            w(f"| {shown} | {fmt(seconds / med([r['wall'] for r in rs]) if seconds else None, 2)}x | {fmt(cpu_ms)} | "
              f"{fmt(g('decode'))} | {fmt(g('waited'))} | {fmt(g('pose'))} | {fmt(g('model'))} | "
              f"{fmt(g('extras'))} | {fmt(g('plate'))} | {fmt(g('pipeline'))} | {fmt(wall_ms)} | {fmt(alone)} | "
              f"{fmt(ratio, 2)}x (pipeline {fmt(pipe_ratio, 2)}x) |")
            if ratio is not None and kind == "analyze":
                verdicts.append((label, "end-to-end <= 1.15x model time", ratio <= TARGET_E2E_OVER_MODEL, f"{ratio:.2f}x"))
        w("")
    else:
        verdicts = []

    # --- annotate ---------------------------------------------------------------------------------
    ann = [r for r in runs if r["kind"] in ("annotate", "annotate-source")]
    if ann:
        w("### `annotate` (pose stage, analysis and rendering, medians)")
        w("")
        w("| clip | output | runs | wall s | fps | real-time factor | render pass s | CPU % | peak RSS MB |")
        w("|---|---|---|---|---|---|---|---|---|")
        for kind, label in dict.fromkeys((r["kind"], r["label"]) for r in ann):
            output = "input size (`--resolution source`)" if kind == "annotate-source" else "default (720p)"
            rs = [r for r in ann if r["label"] == label and r["kind"] == kind and succeeded(r)]
            if not rs:
                w(f"| {label} | {output} | failed | | | | | | |")
                continue
            clip = clips.get(label, {})
            wall = med([r["wall"] for r in rs])
            render = med([float(m.group(1)) for r in rs
                          for m in [re.search(r"frames in ([\d.]+) s", r["stderr"])] if m])
            frames, seconds = clip.get("frames"), clip.get("duration")
            rtf = seconds / wall if seconds else None
            w(f"| {label} | {output} | {len(rs)} | {fmt(wall, 2)} | {fmt(frames / wall if frames else None)} | {fmt(rtf, 2)}x | "
              f"{fmt(render)} | {fmt(med([r.get('cpu_pct') for r in rs]), 0)} | {fmt(med([r.get('rss_mb') for r in rs]), 0)} |")
            if rtf is not None and kind == "annotate" and min(clip.get("width", 0), clip.get("height", 0)) >= 1080:
                verdicts.append((label, "annotate >= 1x real time", rtf >= TARGET_ANNOTATE_RTF, f"{rtf:.2f}x"))
        w("")

    # --- batch ------------------------------------------------------------------------------------
    bat = [r for r in runs if r["kind"].startswith("batch")]
    if bat:
        w("### `batch` throughput")
        w("")
        w("| jobs | clips | clip seconds | wall s | throughput (clip s per wall s) | frames/s | CPU % | peak RSS MB | scaling |")
        w("|---|---|---|---|---|---|---|---|---|")
        base = None
        for kind in dict.fromkeys(r["kind"] for r in bat):
            rs = [r for r in bat if r["kind"] == kind and succeeded(r, (0, 1))]
            if not rs:
                bad = [r for r in bat if r["kind"] == kind]
                why = " ".join(bad[0]["stderr"].strip().splitlines()[-1:])[:160] if bad else ""
                w(f"| {kind.split('-j')[-1]} | failed (exit {bad[0].get('rc') if bad else '?'}): {why} | | | | | | | |")
                continue
            # label = "N clips, S clip-seconds, F frames"
            m = re.match(r"(\d+) clips, ([\d.]+) s, (\d+) frames", rs[0]["label"])
            n, secs, frames = (int(m.group(1)), float(m.group(2)), int(m.group(3))) if m else (None, None, None)
            wall = med([r["wall"] for r in rs])
            tput = secs / wall if secs else None
            if base is None:
                base = tput
            w(f"| {kind.split('-j')[-1]} | {n} | {fmt(secs)} | {fmt(wall, 1)} | {fmt(tput, 2)}x | "
              f"{fmt(frames / wall if frames else None)} | {fmt(med([r.get('cpu_pct') for r in rs]), 0)} | "
              f"{fmt(med([r.get('rss_mb') for r in rs]), 0)} | {fmt(tput / base if base and tput else None, 2)}x |")
        w("")
    elif os.path.exists(os.path.join(results, "batch-missing")):
        w("### `batch`")
        w("")
        w("TODO: this liftcheck has no `batch` command; rerun when it lands.")
        w("")

    # --- memory -------------------------------------------------------------------------------------
    mem = [r for r in runs if r["kind"] == "memory"]
    if mem:
        w("### Memory against clip length (`analyze --no-cache`, one run each)")
        w("")
        w("| clip | duration s | frames | wall s | real-time factor | peak RSS MB |")
        w("|---|---|---|---|---|---|")
        for r in mem:
            clip = clips.get(r["label"], {})
            if not succeeded(r):
                w(f"| {r['label']} | failed (exit {r.get('rc')}) | | | | |")
                continue
            seconds = clip.get("duration")
            w(f"| {r['label']} | {fmt(seconds)} | {clip.get('frames', '?')} | {fmt(r['wall'], 1)} | "
              f"{fmt(seconds / r['wall'] if seconds else None, 2)}x | {fmt(r.get('rss_mb'), 0)} |")
            if seconds and seconds >= 590:
                verdicts.append((r["label"], "peak RSS <= 300 MB on a 10-minute clip",
                                 r.get("rss_mb", 1e9) <= TARGET_LONG_RSS_MB, f"{fmt(r.get('rss_mb'), 0)} MB"))
        w("")

    if verdicts:
        w("### Targets")
        w("")
        w("| clip | target | measured | met |")
        w("|---|---|---|---|")
        for label, what, flag, value in verdicts:
            w(f"| {label} | {what} | {value} | {ok(flag)} |")
        w("")

    w("### Commands")
    w("")
    w("```sh")
    for command in dict.fromkeys(r["command"] for r in runs):
        w(command)
    w("```")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
