//! Reports from an [`Analysis`]: a terminal summary, a versioned JSON document and a per-frame CSV.
//!
//! Pure formatting: nothing here opens files; callers pass writers.

use std::fmt::Write as _;
use std::io::Write;

use serde_json::{Map, Value, json};

use crate::analysis::{Analysis, CheckId, Finding, LiftVariant, Rep, View, checks};

/// Version of the JSON layout; bump on any breaking change to field names or meanings (2: how the
/// clip was read moved from `notes` to `details`).
pub const JSON_SCHEMA_VERSION: u32 = 2;

/// Decimals kept for floating-point numbers in JSON (the measurements are not finer than this).
const JSON_DECIMALS: i32 = 3;

/// Width the terminal report wraps cues and reasons at.
const WRAP_WIDTH: usize = 96;

/// Printed with every report.
pub const DISCLAIMER: &str =
    "This is coaching feedback, not medical advice. If you are in pain, stop and see a qualified professional.";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write report: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot encode report: {0}")]
    Json(#[from] serde_json::Error),
}

/// What the JSON report says about its source, beyond the analysis itself.
#[derive(Clone, Debug)]
pub struct ReportMeta<'a> {
    /// The video's name as the user gave it.
    pub video: &'a str,
    /// Include the per-frame metrics (large; the CSV carries the same numbers).
    pub include_frames: bool,
}

/// A value the per-rep table does not have.
pub const MISSING: &str = "-";

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| MISSING.into(), |t| format!("{t:.2}"))
}

fn num(v: Option<f32>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| MISSING.into(), |x| format!("{x:.decimals$}"))
}

/// Greedy word wrap with a hanging indent.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    // A bullet ("- ...") hangs: its continuation lines align with its text.
    let hang = if text.starts_with("- ") { 2 } else { 0 };
    let mut out = String::new();
    let mut line = String::new();
    let mut pad = indent;
    for word in text.split_whitespace() {
        if !line.is_empty() && pad + line.len() + 1 + word.len() > width {
            out.push_str(&" ".repeat(pad));
            out.push_str(&line);
            out.push('\n');
            line.clear();
            pad = indent + hang;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&" ".repeat(pad));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A finding's time: "2.00-2.40 s", or "2.00 s" for a single moment.
fn time_span(start_s: f64, end_s: f64) -> String {
    if format!("{start_s:.2}") == format!("{end_s:.2}") {
        format!("{start_s:.2} s")
    } else {
        format!("{start_s:.2}-{end_s:.2} s")
    }
}

/// Left-aligned first column, right-aligned others, columns separated by two spaces.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::from("  ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let n = cell.chars().count();
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else if i == 0 {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - n));
            } else {
                s.push_str(&" ".repeat(w - n));
                s.push_str(cell);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(|c| c.as_str()).collect()));
    }
    out
}

fn rep_faults(a: &Analysis, rep: usize) -> String {
    let names: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.rep == rep)
        .map(|f| f.check.label())
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// A column of the per-rep table: its name and the unit of its cells (empty when the cells carry
/// their own).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepColumn {
    pub name: &'static str,
    pub unit: &'static str,
}

const fn col(name: &'static str, unit: &'static str) -> RepColumn {
    RepColumn { name, unit }
}

/// The per-rep table shared by the terminal and HTML reports: events, tempo and key metrics, one
/// row per rep in `a.reps` order. The rep number and the faults are left to each report (the
/// terminal names the checks, the HTML links to the findings). Missing values are [`MISSING`];
/// joint angles and bar drift are missing off side views, where they are not measured in the
/// sagittal plane.
pub fn rep_table(a: &Analysis) -> (Vec<RepColumn>, Vec<Vec<String>>) {
    let t = |e: Option<crate::analysis::Event>| secs(e.map(|e| e.time_s));
    let sagittal = a.view.view == View::Side;
    let side = |s: String| if sagittal { s } else { MISSING.into() };
    let lockout = |r: &Rep| {
        side(format!(
            "{}/{}",
            num(r.metrics.lockout_hip_deg, 0),
            num(r.metrics.lockout_knee_deg, 0)
        ))
    };
    let drift = |r: &Rep| match (r.metrics.bar_drift_cm, r.metrics.bar_drift_pct_leg) {
        (Some(cm), _) => side(format!("{cm:.1} cm")),
        (None, Some(p)) => side(format!("{p:.1}% leg")),
        _ => MISSING.into(),
    };
    let speed = |r: &Rep| num(r.metrics.peak_bar_speed_mps, 2);
    /// Cells of one rep, in the order of the columns.
    type RowFn<'a> = &'a dyn Fn(&Rep) -> Vec<String>;
    let (columns, row): (Vec<RepColumn>, RowFn) = match a.variant {
        LiftVariant::Romanian => (
            vec![
                col("Descent", "s"),
                col("Bottom", "s"),
                col("Lockout", "s"),
                col("Lower", "s"),
                col("Pull", "s"),
                col("Bottom knee", "°"),
                col("Lockout hip/knee", "°"),
                col("Bar drift", ""),
                col("Peak bar speed", "m/s"),
            ],
            &|r: &Rep| {
                vec![
                    t(r.descent_start),
                    t(r.bottom),
                    t(r.lockout),
                    num(r.tempo.lower_s, 2),
                    num(r.tempo.pull_s, 2),
                    side(num(r.metrics.bottom_knee_deg, 0)),
                    lockout(r),
                    drift(r),
                    speed(r),
                ]
            },
        ),
        _ => (
            vec![
                col("Lift-off", "s"),
                col("Knee pass", "s"),
                col("Lockout", "s"),
                col("Set-down", "s"),
                col("Pull", "s"),
                col("Hold", "s"),
                col("Lower", "s"),
                col("Set-up hip/knee/trunk", "°"),
                col("Lockout hip/knee", "°"),
                col("Bar drift", ""),
                col("Peak bar speed", "m/s"),
            ],
            &|r: &Rep| {
                let m = &r.metrics;
                vec![
                    t(r.lift_off),
                    t(r.knee_pass),
                    t(r.lockout),
                    t(r.set_down),
                    num(r.tempo.pull_s, 2),
                    num(r.tempo.lockout_hold_s, 2),
                    num(r.tempo.lower_s, 2),
                    side(format!(
                        "{}/{}/{}",
                        num(m.setup_hip_deg, 0),
                        num(m.setup_knee_deg, 0),
                        num(m.setup_trunk_deg, 0)
                    )),
                    lockout(r),
                    drift(r),
                    speed(r),
                ]
            },
        ),
    };
    let rows = a.reps.iter().map(row).collect();
    (columns, rows)
}

/// The terminal's per-rep table: the shared columns between the rep number and the faults.
fn terminal_rep_table(a: &Analysis) -> String {
    let (columns, rows) = rep_table(a);
    let header: Vec<String> = std::iter::once("Rep".to_string())
        .chain(columns.iter().map(|c| match c.unit {
            // Angles are plainly degrees; the terminal keeps the header short.
            "" | "°" => c.name.to_string(),
            unit => format!("{} {unit}", c.name),
        }))
        .chain(std::iter::once("Faults".to_string()))
        .collect();
    let rows: Vec<Vec<String>> = a
        .reps
        .iter()
        .zip(rows)
        .map(|(r, cells)| {
            let number = if r.touch_and_go {
                format!("{} (t&g)", r.number)
            } else {
                r.number.to_string()
            };
            std::iter::once(number)
                .chain(cells)
                .chain(std::iter::once(rep_faults(a, r.number)))
                .collect()
        })
        .collect();
    table(&header.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
}

/// A measured value with its unit as a reader would write it.
fn with_unit(v: f32, unit: &str) -> String {
    match unit {
        "deg" => format!("{v:.1} deg"),
        "ratio" => format!("{v:.2}"),
        "% leg length" => format!("{v:.1}% of leg length"),
        other => format!("{v:.1} {other}"),
    }
}

fn severity_name(f: &Finding) -> &'static str {
    match f.severity {
        crate::analysis::Severity::Minor => "minor",
        crate::analysis::Severity::Moderate => "moderate",
        crate::analysis::Severity::Major => "major",
    }
}

/// The verdict in one line, for commands whose main output is not the report (`annotate`):
/// "2 reps, 1 finding: Hips rising before the shoulders (rep 2)".
pub fn one_line(a: &Analysis) -> String {
    if let Some(reason) = &a.no_reps_reason {
        return format!("no reps found, so nothing was judged: {reason}");
    }
    let reps = plural(a.reps.len(), "rep", "reps");
    if a.findings.is_empty() {
        return format!("{reps}, no findings");
    }
    let findings: Vec<String> = a
        .findings
        .iter()
        .map(|f| format!("{} (rep {})", f.check.title(), f.rep))
        .collect();
    format!(
        "{reps}, {}: {}",
        plural(a.findings.len(), "finding", "findings"),
        findings.join("; ")
    )
}

/// A camera roll read but left as filmed is shown from this size up, degrees: it adds that much
/// to every lean and tilt, half the smallest lean limit (`lockout_outline_lean_back_max_deg`, 6
/// degrees). Smaller ones stay among the details (`-v`).
pub const ROLL_NOTED_DEG: f32 = 3.0;

/// What the reports say of the camera's roll: undone, or read and left as filmed when large
/// enough to move the leans ([`ROLL_NOTED_DEG`]); `None` otherwise.
pub fn camera_roll_note(a: &Analysis) -> Option<String> {
    let roll = a.camera_roll_deg?;
    let turn = crate::analysis::level::turn_name(f64::from(roll));
    if a.camera_roll_corrected {
        Some(format!(
            "rolled {:.1} degrees {turn} (read from the background's upright lines); angles are measured with it undone",
            roll.abs()
        ))
    } else if roll.abs() >= ROLL_NOTED_DEG {
        Some(format!(
            "rolled {:.1} degrees {turn} (read from the background's upright lines), left as filmed: leans and \
             tilts may read up to that much off. Keep the phone level, or set `level_camera = true` in a \
             --config file to undo it.",
            roll.abs()
        ))
    } else {
        None
    }
}

/// "1 rep", "2 reps".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report printed after a run: header, per-rep table, findings with cues, what could not be
/// assessed and why, notes, how the input was read (`with_details`), and the disclaimer.
pub fn terminal(analysis: &Analysis, video_name: &str, with_details: bool) -> String {
    let a = analysis;
    let mut out = String::new();
    let _ = writeln!(out, "liftcheck report: {video_name}");
    let facing = match (a.view.facing, a.view.near_side) {
        (Some(f), Some(s)) if a.view.view != View::Front && a.view.view != View::Rear => {
            format!(", facing {}, {} side nearer", facing_name(f), side_name(s))
        }
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "View: {}{facing} (confidence {:.2})",
        a.view.view.name(),
        a.view.confidence
    );
    let _ = writeln!(
        out,
        "Lift: {}{}; strictness {:.2}",
        a.variant.title(),
        if a.variant_inferred {
            " (inferred from the motion)"
        } else {
            ""
        },
        a.strictness
    );
    match a.scale_cm_per_px {
        Some(s) => {
            let _ = writeln!(
                out,
                "Scale: {s:.3} cm/px from the 45 cm plate; offsets in % of leg length"
            );
        }
        None => {
            let _ = writeln!(out, "Scale: unknown (no plate seen); offsets in % of leg length");
        }
    }
    if let Some(camera) = camera_roll_note(a) {
        out.push_str(&wrap(&format!("Camera: {camera}"), 0, WRAP_WIDTH));
    }
    let _ = writeln!(out);
    let faulty = a
        .reps
        .iter()
        .filter(|r| a.findings.iter().any(|f| f.rep == r.number))
        .count();
    match &a.no_reps_reason {
        Some(reason) => {
            let line = format!("Reps: 0 (no reps found, so nothing was judged: {reason})");
            out.push_str(&wrap(&line, 0, WRAP_WIDTH));
        }
        None => {
            let _ = writeln!(out, "Reps: {} ({} with faults)", a.reps.len(), faulty);
        }
    }
    if !a.reps.is_empty() {
        out.push_str(&terminal_rep_table(a));
    }
    let _ = writeln!(out);
    if a.findings.is_empty() {
        let _ = writeln!(out, "Findings: none");
    } else {
        let _ = writeln!(out, "Findings:");
        for f in &a.findings {
            let _ = writeln!(
                out,
                "  Rep {} [{}] {} ({})",
                f.rep,
                severity_name(f),
                f.check.title(),
                time_span(f.start_s, f.end_s)
            );
            let measured = format!(
                "{}: {} (limit {})",
                f.measure,
                with_unit(f.measured, f.unit),
                with_unit(f.threshold, f.unit)
            );
            out.push_str(&wrap(&measured, 6, WRAP_WIDTH));
            out.push_str(&wrap(&format!("Cue: {}", f.cue), 6, WRAP_WIDTH));
        }
    }
    let not_assessed = grouped_not_assessable(a);
    if !not_assessed.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Not assessed:");
        for (check, rep, reason) in not_assessed {
            let line = match rep {
                Some(reps) => format!("- {} (rep {reps}): {reason}", check.title()),
                None => format!("- {}: {reason}", check.title()),
            };
            out.push_str(&wrap(&line, 2, WRAP_WIDTH));
        }
    }
    let off = off_by_default_lines(a);
    if !off.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Off by default (too unreliable from video so far):");
        for line in off {
            out.push_str(&wrap(&format!("- {line}"), 2, WRAP_WIDTH));
        }
    }
    if !a.notes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Notes:");
        for n in &a.notes {
            out.push_str(&wrap(&format!("- {n}"), 2, WRAP_WIDTH));
        }
    }
    if with_details && !a.details.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "How the clip was read:");
        for d in &a.details {
            out.push_str(&wrap(&format!("- {d}"), 2, WRAP_WIDTH));
        }
    }
    let _ = writeln!(out);
    out.push_str(&wrap(DISCLAIMER, 0, WRAP_WIDTH));
    out
}

/// Not-assessable entries with the same check and reason merged over reps, less those saying
/// only that no rep was found (the reports say that once, beside the rep count) and the rules
/// off by default ([`off_by_default_groups`]).
pub(crate) fn not_assessable_groups(a: &Analysis) -> Vec<(CheckId, Option<Vec<usize>>, &str)> {
    let for_lack_of_reps = a.no_reps_reason.as_deref().map(checks::no_reps_not_assessable);
    let mut groups: Vec<(CheckId, Option<Vec<usize>>, &str)> = Vec::new();
    for n in a
        .not_assessable
        .iter()
        .filter(|n| for_lack_of_reps.as_ref() != Some(&n.reason) && checks::off_by_default(&n.reason).is_none())
    {
        match groups
            .iter_mut()
            .find(|g| g.0 == n.check && g.2 == n.reason && g.1.is_some() == n.rep.is_some())
        {
            Some(g) => {
                if let (Some(reps), Some(r)) = (g.1.as_mut(), n.rep) {
                    reps.push(r);
                }
            }
            None => groups.push((n.check, n.rep.map(|r| vec![r]), &n.reason)),
        }
    }
    groups
}

/// The rules off by default that the clip would have been judged by, with why they are off and
/// the config line that turns them on; rules sharing a reason are listed together. Said once per
/// clip, not per rep, since it is the same on every rep.
pub(crate) fn off_by_default_groups(a: &Analysis) -> Vec<(Vec<CheckId>, &str)> {
    let mut groups: Vec<(Vec<CheckId>, &str)> = Vec::new();
    for n in &a.not_assessable {
        let Some(why) = checks::off_by_default(&n.reason) else {
            continue;
        };
        match groups.iter_mut().find(|g| g.1 == why) {
            Some(g) if g.0.contains(&n.check) => {}
            Some(g) => g.0.push(n.check),
            None => groups.push((vec![n.check], why)),
        }
    }
    groups
}

/// One line per [`off_by_default_groups`] entry: "Title; Title: why".
pub(crate) fn off_by_default_lines(a: &Analysis) -> Vec<String> {
    off_by_default_groups(a)
        .into_iter()
        .map(|(checks, why)| {
            let titles: Vec<&str> = checks.iter().map(|c| c.title()).collect();
            format!("{}: {why}", titles.join(" and "))
        })
        .collect()
}

/// [`not_assessable_groups`] with the reps listed as "1, 3".
fn grouped_not_assessable(a: &Analysis) -> Vec<(CheckId, Option<String>, &str)> {
    not_assessable_groups(a)
        .into_iter()
        .map(|(c, reps, reason)| {
            let reps = reps.map(|r| r.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "));
            (c, reps, reason)
        })
        .collect()
}

fn facing_name(f: crate::analysis::Facing) -> &'static str {
    match f {
        crate::analysis::Facing::Left => "left",
        crate::analysis::Facing::Right => "right",
    }
}

fn side_name(s: crate::analysis::BodySide) -> &'static str {
    match s {
        crate::analysis::BodySide::Left => "left",
        crate::analysis::BodySide::Right => "right",
    }
}

/// Rounds every non-integer number to [`JSON_DECIMALS`] decimals, so reports are readable and
/// stable.
fn round_floats(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64() {
                let k = 10f64.powi(JSON_DECIMALS);
                // `+ 0.0` turns a tiny negative value rounded to zero into 0.0, not -0.0.
                let r = (x * k).round() / k + 0.0;
                *v = serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(round_floats),
        Value::Object(map) => map.values_mut().for_each(round_floats),
        _ => {}
    }
}

/// Header fields of the JSON report, in the order they are written.
#[derive(serde::Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: crate::output::Tool,
    video: &'a str,
    disclaimer: &'a str,
    has_faults: bool,
    #[serde(flatten)]
    analysis: Map<String, Value>,
}

fn document<'a>(analysis: &Analysis, meta: &ReportMeta<'a>) -> Result<Document<'a>, ReportError> {
    let mut body = serde_json::to_value(analysis)?;
    if let Value::Object(map) = &mut body {
        if !meta.include_frames {
            map.remove("frames");
        }
        for key in ["findings", "checks", "not_assessable"] {
            if let Some(Value::Array(items)) = map.get_mut(key) {
                for item in items {
                    add_title(item);
                }
            }
        }
    }
    round_floats(&mut body);
    let analysis_fields = match body {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Ok(Document {
        schema_version: JSON_SCHEMA_VERSION,
        tool: crate::output::TOOL,
        video: meta.video,
        disclaimer: DISCLAIMER,
        has_faults: analysis.has_faults(),
        analysis: analysis_fields,
    })
}

/// The JSON report as a value: `schema_version`, the tool, the video, the disclaimer,
/// `has_faults`, then every field of the analysis (check titles added to findings, summaries and
/// not-assessable entries for readers without the code; numbers rounded to 3 decimals).
pub fn json(analysis: &Analysis, meta: &ReportMeta) -> Result<Value, ReportError> {
    Ok(serde_json::to_value(document(analysis, meta)?)?)
}

/// Writes the JSON report, pretty-printed with the header fields first, and a final newline.
pub fn write_json(analysis: &Analysis, meta: &ReportMeta, w: &mut impl Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *w, &document(analysis, meta)?)?;
    w.write_all(b"\n")?;
    Ok(())
}

fn add_title(item: &mut Value) {
    let Value::Object(m) = item else { return };
    let title = m
        .get("check")
        .and_then(|c| c.as_str())
        .and_then(CheckId::from_name)
        .map(|c| c.title());
    if let Some(t) = title {
        m.insert("title".into(), json!(t));
    }
}

/// Columns of [`frames_csv`], in order.
pub const CSV_COLUMNS: [&str; 25] = [
    "frame",
    "time_s",
    "rep",
    "phase",
    "hip_deg",
    "knee_deg",
    "ankle_deg",
    "trunk_deg",
    "body_lean_deg",
    "neck_deg",
    "bar_x_px",
    "bar_y_px",
    "shoulder_bar_deg",
    "shoulder_bar_pct_leg",
    "bar_midfoot_pct_leg",
    "knee_midfoot_pct_leg",
    "bar_speed_mps",
    "upper_back_deg",
    "lower_back_deg",
    "mid_back_fold_deg",
    "outline_lean_deg",
    "shoulder_tilt_deg",
    "hip_tilt_deg",
    "bar_tilt_deg",
    "hip_shift_pct_leg",
];

/// One row per frame of cleaned angles and metrics; empty cells where a value is missing.
pub fn frames_csv(analysis: &Analysis, w: &mut impl Write) -> Result<(), ReportError> {
    writeln!(w, "{}", CSV_COLUMNS.join(","))?;
    // A value that rounds to zero is written 0.000, whatever its sign.
    let f3 = |v: Option<f32>| v.map_or_else(String::new, |x| format!("{:.3}", if x.abs() < 5e-4 { 0.0 } else { x }));
    for f in &analysis.frames {
        let phase = match f.phase {
            Some(crate::analysis::Phase::Pull) => "pull",
            Some(crate::analysis::Phase::Lockout) => "lockout",
            Some(crate::analysis::Phase::Lower) => "lower",
            None => "",
        };
        let cells = [
            f.index.to_string(),
            format!("{:.4}", f.time_s),
            f.rep.map_or_else(String::new, |r| r.to_string()),
            phase.to_string(),
            f3(f.hip_deg),
            f3(f.knee_deg),
            f3(f.ankle_deg),
            f3(f.trunk_deg),
            f3(f.body_lean_deg),
            f3(f.neck_deg),
            f3(f.bar_x_px),
            f3(f.bar_y_px),
            f3(f.shoulder_bar_deg),
            f3(f.shoulder_bar_pct_leg),
            f3(f.bar_midfoot_pct_leg),
            f3(f.knee_midfoot_pct_leg),
            f3(f.bar_speed_mps),
            f3(f.upper_back_deg),
            f3(f.lower_back_deg),
            f3(f.mid_back_fold_deg),
            f3(f.outline_lean_deg),
            f3(f.shoulder_tilt_deg),
            f3(f.hip_tilt_deg),
            f3(f.bar_tilt_deg),
            f3(f.hip_shift_pct_leg),
        ];
        writeln!(w, "{}", cells.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
