#!/usr/bin/env python3
"""Totals over several `liftcheck eval --json` reports, one per rendered suite.

`liftcheck eval DIR` scores one folder; the README's *Judgement* totals and per-rule table, and
the model comparison in `judgement.md`, add up many. Standard library only.

  for d in tests/fixtures .cache/synth/gen-*; do
      liftcheck eval -q --json OUT/$(basename $d).json $d > OUT/$(basename $d).txt
  done
  python3 scripts/synth/summarize.py OUT/*.json

Prints the clips, exact rep counts, good clips without a finding, faults (TP / FP / FN / not
assessable) and micro F1; the per-rule table (Markdown, as in the README); keypoint PCK@0.05 of
visible and hidden points and angle MAE per joint (against the renderer's angles), each weighted
by its points or frames; each event's mean timing bias in frames and mean absolute error in ms,
weighted by matched events;
and the true faults by severity band (the render's 0-1 scale): hits, misses and "not assessable"
overall, then each rule's hits over hits and misses per band (Markdown).

  python3 scripts/synth/summarize.py --rows OUT/*.json

prints instead one Markdown row per report, as in the README's per-set table: the report's name
(its file name, less the `NAME-N-` prefix `sweep.sh` gives it), clips, exact rep counts, good
clips without a finding, faults, micro F1 and the worst joint-angle MAE.
"""
import os
import re
import json
import sys
from collections import defaultdict


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None


def fmt(value):
    return "-" if value is None else f"{value:.2f}"


def report_name(path):
    """`defaults-3-suite-201.json` (as `sweep.sh` names reports) -> `suite-201`."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return re.sub(r"^.*?-\d+-(?=[^-])", "", stem, count=1)


def print_rows(paths):
    print("| set | clips | rep count exact | good clips without a finding | faults: TP / FP / FN / not assessable | micro F1 | worst joint angle MAE |")
    print("|---|---|---|---|---|---|---|")
    for path in paths:
        report = json.load(open(path))
        tp, fp, fn, na = (sum(rule[key] for rule in report["faults"]["checks"]) for key in ("tp", "fp", "fn", "na"))
        worst = max(
            (a for a in report["angles"] if a["reference"] == "gt angles" and a["frames"] and a["mae"] is not None),
            key=lambda a: a["mae"],
            default=None,
        )
        worst_text = "-" if worst is None else f"{worst['mae']:.1f} deg ({worst['name']})"
        good = report["good_clips"]
        print(
            f"| {report_name(path)} | {report['reps']['clips']} | {report['reps']['exact_clips']}/{report['reps']['clips']} "
            f"| {good['clean']}/{good['clips']} | {tp} / {fp} / {fn} / {na} | {fmt(f1(tp, fp, fn))} | {worst_text} |"
        )


def main(paths):
    if not paths:
        sys.exit(__doc__)
    if paths[0] == "--rows":
        return print_rows(paths[1:])
    clips = reps_exact = good = clean = 0
    rules = defaultdict(lambda: [0, 0, 0, 0])
    points = {"visible": [0, 0.0], "occluded": [0, 0.0]}
    angles = defaultdict(lambda: [0, 0.0])
    events = defaultdict(lambda: [0, 0.0, 0.0])  # matched, summed bias (frames), summed |error| (ms)
    bands = {}  # band's lower edge -> {rule or None (all) -> [tp, fn, na]}
    for path in paths:
        report = json.load(open(path))
        clips += report["reps"]["clips"]
        reps_exact += report["reps"]["exact_clips"]
        good += report["good_clips"]["clips"]
        clean += report["good_clips"]["clean"]
        for rule in report["faults"]["checks"]:
            for i, key in enumerate(("tp", "fp", "fn", "na")):
                rules[rule["check"]][i] += rule[key]
        for kind, total in points.items():
            p = report["keypoints"][kind]
            if p["points"] and p["pck"] is not None:
                total[0] += p["points"]
                total[1] += p["pck"] * p["points"]
        for a in report["angles"]:
            if a["reference"] == "gt angles" and a["frames"] and a["mae"] is not None:
                angles[a["name"]][0] += a["frames"]
                angles[a["name"]][1] += a["mae"] * a["frames"]
        for band in report["faults"].get("by_severity", []):
            rows = bands.setdefault(band["from"], defaultdict(lambda: [0, 0, 0]))
            for rule, counts in [(None, band["all"])] + list(band["checks"].items()):
                for i, key in enumerate(("tp", "fn", "na")):
                    rows[rule][i] += counts[key]
        for e in report["events"]:
            if e["matched"] and e["bias_frames"] is not None:
                events[e["event"]][0] += e["matched"]
                events[e["event"]][1] += e["bias_frames"] * e["matched"]
                events[e["event"]][2] += (e["mean_abs_ms"] or 0.0) * e["matched"]

    tp, fp, fn, na = (sum(r[i] for r in rules.values()) for i in range(4))
    print(f"{len(paths)} reports, {clips} clips")
    print(f"rep count exact: {reps_exact}/{clips} ({100 * reps_exact / max(clips, 1):.1f}%)")
    print(f"good clips without a finding: {clean}/{good} ({100 * clean / max(good, 1):.1f}%)")
    print(f"faults TP / FP / FN / not assessable: {tp} / {fp} / {fn} / {na}, micro F1 {fmt(f1(tp, fp, fn))}")
    print()
    print("| rule | TP | FP | FN | not assessable | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (tp, fp, fn, na) in list(rules.items()) + [("all", (tp, fp, fn, na))]:
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        print(f"| {name} | {tp} | {fp} | {fn} | {na} | {fmt(precision)} | {fmt(recall)} | {fmt(f1(tp, fp, fn))} |")
    print()
    print("keypoint PCK@0.05: " + ", ".join(
        f"{kind} {total[1] / total[0]:.3f} ({total[0]} points)" for kind, total in points.items() if total[0]))
    print("angle MAE, degrees: " + ", ".join(
        f"{name} {total[1] / total[0]:.1f} ({total[0]} frames)" for name, total in angles.items()))
    print("event bias, frames: " + ", ".join(
        f"{name} {total[1] / total[0]:+.2f} ({total[0]} matched)" for name, total in events.items()))
    print("event mean absolute error, ms: " + ", ".join(
        f"{name} {total[2] / total[0]:.0f}" for name, total in events.items()))
    if bands:
        edges = sorted(bands)
        names = [f"below {hi:.2f}" if lo <= 0 else f"{lo:.2f}-{hi:.2f}" for lo, hi in zip(edges, edges[1:])]
        names.append(f"{edges[-1]:.2f} and up")

        def cell(counts):
            tp, fn, _ = counts
            return f"{tp}/{tp + fn}" if tp + fn else "-"

        print()
        print("true faults by severity, TP / FN / not assessable (recall): " + "; ".join(
            f"{name}: {c[0]} / {c[1]} / {c[2]} ({fmt(c[0] / (c[0] + c[1]) if c[0] + c[1] else None)})"
            for name, c in ((name, bands[e][None]) for name, e in zip(names, edges))))
        print()
        print("| rule, hits / (hits + misses) | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for rule in rules:
            if any(sum(bands[e].get(rule, [0, 0, 0])[:2]) for e in edges):
                print(f"| {rule} | " + " | ".join(cell(bands[e].get(rule, [0, 0, 0])) for e in edges) + " |")
        print("| all | " + " | ".join(cell(bands[e][None]) for e in edges) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
