//! Self-contained HTML reports: one page per clip (disclaimer, per-rep table, findings with
//! cues, plots, key frames with the skeleton) and an index page for a batch. Everything is
//! inline (CSS, SVG, base64 JPEG): a report opens anywhere, offline, without JavaScript.
//!
//! [`clip_report`] and [`batch_index`] are pure; [`write_clip_report`] and
//! [`write_batch_index`] add the key frames and the atomic write.

use std::fmt::Write as _;
use std::path::Path;

use super::annotate::RenderError;
use super::keyframes;
use super::plots;
use crate::analysis::{Analysis, CheckId, Facing, Finding, Severity, View};
use crate::output::{OutputError, write_atomically};
use crate::report::{DISCLAIMER, MISSING, RepColumn, camera_roll_note, plural, rep_table};
use crate::track::PoseTrack;

/// A still from the clip for the report, JPEG-encoded.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyFrame {
    /// Caption, e.g. "Rep 1 lift-off".
    pub label: String,
    pub time_s: f64,
    pub jpeg: Vec<u8>,
}

/// One clip in a batch index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexRow {
    /// The clip as shown, e.g. its path relative to the batch folder.
    pub file: String,
    /// `clean`, `faults`, `no reps` or `error`.
    pub status: String,
    /// The clip's reports are from an earlier run.
    pub up_to_date: bool,
    /// What was left out of a partly analysed clip.
    pub warnings: Vec<String>,
    pub reps: Option<usize>,
    pub faults: Option<usize>,
    /// Machine names of the checks that flagged a fault (`CheckId::name`).
    pub fault_checks: Vec<String>,
    /// The clip's HTML report relative to the index page, `/`-separated; `None` = no link.
    pub report: Option<String>,
    pub error: Option<String>,
    /// Why no rep was found (status `no reps`).
    pub no_reps_reason: Option<String>,
}

const CSS: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f4f5f7; color: #1d1f23; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 26px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 0 0 10px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; background: #eef0f3; border-radius: 4px; padding: 0 3px; }
.file { margin: 0 0 14px; color: #555; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
section { background: #fff; border: 1px solid #dde0e5; border-radius: 8px; padding: 16px 18px; margin: 0 0 16px; }
.disclaimer { background: #fff8e1; border: 1px solid #f0d68a; border-radius: 8px; padding: 10px 14px; margin: 0 0 16px; }
.verdict { font-size: 18px; font-weight: 600; margin: 0 0 10px; }
.verdict:last-child { margin: 0; }
.verdict.clean { color: #1b7a3a; } .verdict.faults { color: #b3261e; } .verdict.none { color: #555; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; }
dl.facts dt { color: #666; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #e3e5e9; padding: 6px 8px; text-align: right; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; vertical-align: bottom; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.table-wrap { overflow-x: auto; }
td.faults { min-width: 8em; } td.faults .tag { margin: 0 2px 2px 0; }
.unit { color: #777; font-weight: normal; }
ol.findings { list-style: none; padding: 0; margin: 0; }
ol.findings li { border-left: 4px solid #b3261e; padding: 6px 12px; margin: 0 0 10px; background: #fdf3f2; border-radius: 0 6px 6px 0; }
ol.findings li.minor { border-color: #e0a100; background: #fffaf0; }
ol.findings li.moderate { border-color: #e0662b; background: #fff5ef; }
a.tag { text-decoration: none; }
.tag { display: inline-block; min-width: 26px; padding: 0 5px; border-radius: 4px; background: #b3261e; color: #fff; font-size: 12px; font-weight: 700; text-align: center; margin-right: 6px; }
.sev { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #666; margin-left: 6px; }
.measure { margin: 2px 0; color: #333; }
.cue { margin: 2px 0; font-weight: 600; }
.muted { color: #666; }
figure { margin: 0; }
figure.plot svg { display: block; width: 100%; height: auto; }
figure.plot.bar { max-width: 620px; }
.frames { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.frames img { display: block; width: 100%; height: auto; border-radius: 6px; background: #222; }
.frames figcaption { font-size: 13px; color: #444; margin-top: 4px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; }
.status.clean { background: #e3f4e8; color: #1b7a3a; } .status.faults { background: #fbe4e2; color: #b3261e; }
.status.error { background: #eee; color: #555; }
.status.no-reps { background: #fdf3dc; color: #7a5b00; }
footer { color: #777; font-size: 12px; text-align: center; }
"#;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`]d text whose `backticked` spans (config lines in reasons and notes) become
/// `<code>` elements. Backticks that do not pair up (an odd number in the text) all stay as they
/// are, since which of them would open a span cannot be told.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    // An odd number of parts means the backticks pair up.
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

/// Percent-encodes a relative `/`-separated path for an `href` (spaces, `#`, `?`, `%` and
/// non-ASCII bytes would otherwise change or break the link).
pub fn href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for `data:` URIs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An SVG document as an inline element: the XML namespace is implied in HTML (and dropping it
/// keeps the page free of URLs).
fn inline_svg(svg: &str) -> &str {
    let svg = svg.trim();
    svg.strip_prefix("<?xml")
        .and_then(|rest| rest.find("?>").map(|i| rest[i + 2..].trim_start()))
        .unwrap_or(svg)
}

fn inline_svg_owned(svg: &str) -> String {
    inline_svg(svg).replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
}

fn tail(out: &mut String) {
    let _ = write!(
        out,
        "<footer>liftcheck {}</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Minor => "minor",
        Severity::Moderate => "moderate",
        Severity::Major => "major",
    }
}

/// A measured value with its unit as a reader would write it.
fn with_unit(v: f32, unit: &str) -> String {
    match unit {
        "deg" => format!("{v:.1}°"),
        "ratio" => format!("{v:.2}"),
        "% leg length" => format!("{v:.1}% of leg length"),
        other => format!("{v:.1} {other}"),
    }
}

fn check_title(name: &str) -> &str {
    CheckId::ALL
        .iter()
        .find(|c| c.name() == name)
        .map_or(name, |c| c.title())
}

/// The summary line: how many reps, and how many of them had faults.
fn verdict(a: &Analysis) -> (&'static str, String) {
    let reps = a.reps.len();
    if reps == 0 {
        let reason = a.no_reps_reason.as_deref().unwrap_or("no complete rep was found");
        return ("none", format!("No reps found, so nothing was judged: {reason}"));
    }
    let faulty = a
        .reps
        .iter()
        .filter(|r| a.findings.iter().any(|f| f.rep == r.number))
        .count();
    if a.findings.is_empty() {
        ("clean", format!("{}, no faults found", plural(reps, "rep", "reps")))
    } else {
        (
            "faults",
            format!(
                "{}: {} on {} of them",
                plural(reps, "rep", "reps"),
                plural(a.findings.len(), "finding", "findings"),
                faulty
            ),
        )
    }
}

fn facts(out: &mut String, a: &Analysis) {
    let mut view = a.view.view.name().to_string();
    match (a.view.view, a.view.facing) {
        (View::Side | View::Oblique, Some(Facing::Left)) => view.push_str(", facing left"),
        (View::Side | View::Oblique, Some(Facing::Right)) => view.push_str(", facing right"),
        _ => {}
    }
    let _ = write!(view, " (confidence {:.2})", a.view.confidence);
    let lift = format!(
        "{}{}; strictness {:.2}",
        a.variant.title(),
        if a.variant_inferred {
            " (inferred from the motion)"
        } else {
            ""
        },
        a.strictness
    );
    let scale = match a.scale_cm_per_px {
        Some(s) => format!("{s:.3} cm per pixel, from the 45 cm plate; offsets in % of leg length"),
        None => "unknown (no plate seen): offsets in % of leg length".into(),
    };
    let duration = a.frames.last().map_or(0.0, |m| m.time_s);
    let clip = format!(
        "{}×{} px, {:.1} fps, {:.1} s, {} frames",
        a.width,
        a.height,
        a.fps,
        duration,
        a.frames.len()
    );
    out.push_str("<dl class=\"facts\">\n");
    let camera = camera_roll_note(a).map(|note| ("Camera", note));
    for (k, v) in [("View", view), ("Lift", lift), ("Scale", scale), ("Clip", clip)]
        .into_iter()
        .chain(camera)
    {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{}</dd>", prose(&v));
    }
    out.push_str("</dl>\n");
}

/// The findings on `rep` as tags linking to their entries in the findings list.
fn rep_fault_tags(a: &Analysis, rep: usize) -> String {
    let tags: Vec<String> = a
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.rep == rep)
        .map(|(i, f)| {
            let label = plots::finding_label(i);
            format!(
                "<a class=\"tag\" href=\"#{}\" title=\"{}\">{}</a>",
                escape(&label.to_lowercase()),
                escape(f.check.title()),
                escape(&label)
            )
        })
        .collect();
    if tags.is_empty() { "none".into() } else { tags.join(" ") }
}

fn reps_section(out: &mut String, a: &Analysis) {
    out.push_str("<section id=\"reps\">\n<h2>Reps</h2>\n");
    if a.reps.is_empty() {
        out.push_str("<p class=\"muted\">No reps were found in this clip.</p>\n</section>\n");
        return;
    }
    let (columns, rows) = rep_table(a);
    out.push_str("<div class=\"table-wrap\"><table class=\"reps\">\n<thead><tr><th>Rep</th>");
    for RepColumn { name, unit } in &columns {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"unit\">{}</span>", escape(unit))
        };
        // Non-breaking hyphens: "Lift-off" wraps as a whole.
        let _ = write!(out, "<th>{}{unit}</th>", escape(name).replace('-', "\u{2011}"));
    }
    out.push_str("<th class=\"text faults\">Faults</th></tr></thead>\n<tbody>\n");
    for (rep, row) in a.reps.iter().zip(rows) {
        let number = if rep.touch_and_go {
            format!("{} (touch and go)", rep.number)
        } else {
            rep.number.to_string()
        };
        let _ = write!(out, "<tr><td class=\"num\">{}</td>", escape(&number));
        for cell in &row {
            // A typographic dash for missing values, as elsewhere on the page, also inside
            // "55/-/62" (not in a negative number).
            let cell: Vec<&str> = cell.split('/').map(|p| if p == MISSING { "–" } else { p }).collect();
            let cell = cell.join("/");
            let _ = write!(out, "<td class=\"num\">{}</td>", escape(&cell));
        }
        let _ = writeln!(
            out,
            "<td class=\"text faults\">{}</td></tr>",
            rep_fault_tags(a, rep.number)
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn finding_item(out: &mut String, i: usize, f: &Finding) {
    let sev = severity_name(f.severity);
    let when = if f.end_s - f.start_s < 0.005 {
        format!("at {:.2} s", f.start_s)
    } else {
        format!("{:.2}–{:.2} s", f.start_s, f.end_s)
    };
    let _ = writeln!(
        out,
        "<li class=\"{sev}\" id=\"{}\"><div><span class=\"tag\">{}</span><strong>Rep {}: {}</strong>\
         <span class=\"sev\">{sev}</span> <span class=\"muted\">{when}</span></div>",
        escape(&plots::finding_label(i).to_lowercase()),
        escape(&plots::finding_label(i)),
        f.rep,
        escape(f.check.title()),
    );
    let _ = write!(
        out,
        "<p class=\"measure\">{}: <strong>{}</strong> (limit {})</p>\n<p class=\"cue\">Cue: {}</p></li>\n",
        escape(&f.measure),
        escape(&with_unit(f.measured, f.unit)),
        escape(&with_unit(f.threshold, f.unit)),
        escape(&f.cue)
    );
}

fn findings_section(out: &mut String, a: &Analysis) {
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if a.findings.is_empty() {
        out.push_str("<p class=\"muted\">None: every check that could be made was passed.</p>\n");
    } else {
        out.push_str("<ol class=\"findings\">\n");
        for (i, f) in a.findings.iter().enumerate() {
            finding_item(out, i, f);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");
}

/// Not-assessable entries with the same check and reason merged over reps ("reps 1, 3").
fn grouped_not_assessable(a: &Analysis) -> Vec<String> {
    crate::report::not_assessable_groups(a)
        .into_iter()
        .map(|(check, reps, reason)| match reps {
            Some(reps) => {
                let list: Vec<String> = reps.iter().map(ToString::to_string).collect();
                let word = if reps.len() == 1 { "rep" } else { "reps" };
                format!("{} ({word} {}): {reason}", check.title(), list.join(", "))
            }
            None => format!("{}: {reason}", check.title()),
        })
        .collect()
}

fn list_section(out: &mut String, id: &str, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = write!(out, "<section id=\"{id}\">\n<h2>{}</h2>\n<ul>\n", escape(title));
    for item in items {
        let _ = writeln!(out, "<li>{}</li>", prose(item));
    }
    out.push_str("</ul>\n</section>\n");
}

fn key_frames_section(out: &mut String, video_name: &str, keyframes: &[KeyFrame]) {
    if keyframes.is_empty() {
        return;
    }
    out.push_str("<section id=\"key-frames\">\n<h2>Key frames</h2>\n<div class=\"frames\">\n");
    for k in keyframes {
        let caption = format!("{} ({:.2} s)", k.label, k.time_s);
        let _ = writeln!(
            out,
            "<figure><img alt=\"{}\" src=\"data:image/jpeg;base64,{}\"><figcaption>{}</figcaption></figure>",
            escape(&format!("{video_name}: {caption}")),
            base64(&k.jpeg),
            escape(&caption)
        );
    }
    out.push_str("</div>\n</section>\n");
}

/// The report for one clip as a single self-contained HTML document.
pub fn clip_report(analysis: &Analysis, video_name: &str, keyframes: &[KeyFrame]) -> String {
    let a = analysis;
    let mut out = String::new();
    head(&mut out, &format!("liftcheck: {video_name}"));
    let _ = write!(
        out,
        "<h1>Deadlift form report</h1>\n<p class=\"file\">{}</p>\n<p class=\"disclaimer\">{}</p>\n",
        escape(video_name),
        escape(DISCLAIMER)
    );
    let (class, text) = verdict(a);
    let _ = write!(
        out,
        "<section id=\"summary\">\n<p class=\"verdict {class}\">{}</p>\n",
        escape(&text)
    );
    facts(&mut out, a);
    out.push_str("</section>\n");
    reps_section(&mut out, a);
    findings_section(&mut out, a);
    list_section(&mut out, "not-assessed", "Not assessed", &grouped_not_assessable(a));
    list_section(
        &mut out,
        "off-by-default",
        "Off by default (too unreliable from video so far)",
        &crate::report::off_by_default_lines(a),
    );
    list_section(&mut out, "notes", "Notes", &a.notes);
    key_frames_section(&mut out, video_name, keyframes);
    let _ = write!(
        out,
        "<section id=\"angles\">\n<h2>Angles over time</h2>\n<figure class=\"plot\">{}</figure>\n\
         <p class=\"muted\">Hip and knee: 180° = straight. Trunk: 0° = upright, 90° = horizontal. \
         Neck: 180° = head in line with the trunk. Dashed lines mark rep events; shaded spans are \
         the findings above.</p>\n</section>\n",
        inline_svg_owned(&plots::angles_svg(a))
    );
    let _ = write!(
        out,
        "<section id=\"bar-path\">\n<h2>Bar path</h2>\n<figure class=\"plot bar\">{}</figure>\n\
         <p class=\"muted\">Seen from the side, a good pull keeps the bar close to a vertical line \
         over the mid-foot. The dot marks where each rep starts.{}</p>\n</section>\n",
        inline_svg_owned(&plots::bar_path_svg(a)),
        if bar_path_unreliable(a) {
            " The bar's drift could not be judged on any rep (see Not assessed for why): read this \
             path's sideways travel with care, it may not be the bar's."
        } else {
            ""
        }
    );
    list_section(&mut out, "details", "How the clip was read", &a.details);
    tail(&mut out);
    out
}

/// A side view whose reps were found but whose bar drift could be judged on none: the plotted
/// path then follows hands the pose model guessed behind the plate.
fn bar_path_unreliable(a: &Analysis) -> bool {
    let sideways = matches!(a.view.view, View::Side | View::Oblique);
    let drift_judged = a
        .checks
        .iter()
        .any(|s| s.check == CheckId::BarDrift && s.assessed_reps > 0);
    sideways && !a.reps.is_empty() && !drift_judged
}

/// The index page of a batch: a table of the clips linking to their reports.
pub fn batch_index(rows: &[IndexRow]) -> String {
    let mut out = String::new();
    head(&mut out, "liftcheck: batch report");
    let _ = write!(
        out,
        "<h1>Deadlift form reports</h1>\n<p class=\"disclaimer\">{}</p>\n",
        escape(DISCLAIMER)
    );
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let mut summary = format!(
        "{}: {} clean, {} with faults, {}",
        plural(rows.len(), "clip", "clips"),
        count("clean"),
        count("faults"),
        plural(count("error"), "error", "errors")
    );
    if count("no reps") > 0 {
        let _ = write!(summary, ", {} without a rep (nothing judged)", count("no reps"));
    }
    let up_to_date = rows.iter().filter(|r| r.up_to_date).count();
    if up_to_date > 0 {
        let _ = write!(summary, "; {up_to_date} up to date (from an earlier run)");
    }
    let _ = write!(
        out,
        "<section id=\"summary\">\n<p class=\"verdict none\">{}</p>\n</section>\n",
        escape(&summary)
    );
    out.push_str(
        "<section id=\"clips\">\n<h2>Clips</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr>\
         <th>Clip</th><th class=\"text\">Status</th><th>Reps</th><th>Faults</th>\
         <th class=\"text\">Checks that flagged</th></tr></thead>\n<tbody>\n",
    );
    for row in rows {
        let file = escape(&row.file);
        let name = match &row.report {
            Some(link) => format!("<a href=\"{}\">{file}</a>", escape(&href(link))),
            None => file,
        };
        let status_class = match row.status.as_str() {
            s @ ("clean" | "faults" | "error") => s,
            "no reps" => "no-reps",
            _ => "error",
        };
        let opt = |v: Option<usize>| v.map_or_else(|| "–".into(), |n| n.to_string());
        let mut checks = match (&row.error, &row.no_reps_reason) {
            (Some(e), _) => format!("<span class=\"muted\">{}</span>", escape(e)),
            (None, Some(why)) if row.fault_checks.is_empty() => {
                format!("<span class=\"muted\">no rep: {}</span>", escape(why))
            }
            (None, _) if row.fault_checks.is_empty() => String::new(),
            (None, _) => escape(
                &row.fault_checks
                    .iter()
                    .map(|c| check_title(c))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        if !row.warnings.is_empty() {
            let _ = write!(
                checks,
                " <span class=\"muted\">(partly analysed: {})</span>",
                escape(&row.warnings.join("; "))
            );
        }
        let up_to_date = if row.up_to_date {
            " <span class=\"muted\">up to date</span>"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"text\">{name}</td><td class=\"text\"><span class=\"status {status_class}\">{}</span>{up_to_date}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"text\">{checks}</td></tr>",
            escape(&row.status),
            opt(row.reps),
            opt(row.faults)
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
    tail(&mut out);
    out
}

fn write_error(e: OutputError, out: &Path) -> RenderError {
    match e {
        OutputError::Write { path, error } => RenderError::Write { path, error },
        other => RenderError::Write {
            path: out.to_path_buf(),
            error: std::io::Error::other(other.to_string()),
        },
    }
}

/// Computes the key frames of `video` (decoding it up to the last one) and writes the clip's
/// HTML report to `out` atomically. `video_name` is the name shown in the report.
pub fn write_clip_report(
    video: &Path,
    video_name: &str,
    track: &PoseTrack,
    analysis: &Analysis,
    out: &Path,
) -> Result<(), RenderError> {
    let frames = keyframes::key_frames(video, track, analysis)?;
    let html = clip_report(analysis, video_name, &frames);
    write_atomically(out, |w| w.write_all(html.as_bytes())).map_err(|e| write_error(e, out))
}

/// Writes a batch index page to `out` atomically.
pub fn write_batch_index(rows: &[IndexRow], out: &Path) -> Result<(), RenderError> {
    let html = batch_index(rows);
    write_atomically(out, |w| w.write_all(html.as_bytes())).map_err(|e| write_error(e, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::LiftVariant;
    use crate::render::plots::tests::sample;

    /// Backticked config lines in prose become code; unpaired backticks and markup stay text.
    #[test]
    fn prose_cases() {
        let cases = [
            ("set `a = 1` in a file", "set <code>a = 1</code> in a file"),
            ("`x` and `y < 2`", "<code>x</code> and <code>y &lt; 2</code>"),
            ("a lone ` backtick", "a lone ` backtick"),
            ("one `pair` and a ` lone one", "one `pair` and a ` lone one"),
            ("no code <b>", "no code &lt;b&gt;"),
        ];
        for (text, expected) in cases {
            assert_eq!(prose(text), expected, "{text}");
        }
    }

    /// The header names a camera roll left as filmed, as the terminal report does.
    #[test]
    fn the_header_names_a_camera_roll_left_as_filmed() {
        let mut a = sample();
        a.camera_roll_deg = Some(6.5);
        a.camera_roll_corrected = false;
        let html = clip_report(&a, "v.mp4", &[]);
        assert!(
            html.contains("<dt>Camera</dt><dd>rolled 6.5 degrees clockwise"),
            "camera fact"
        );
        assert!(html.contains("<code>level_camera = true</code>"), "config line as code");
        a.camera_roll_deg = Some(1.0);
        assert!(
            !clip_report(&a, "v.mp4", &[]).contains("<dt>Camera</dt>"),
            "a small roll is a detail"
        );
    }

    fn frame() -> KeyFrame {
        KeyFrame {
            label: "Rep 1 lift-off".into(),
            time_s: 1.25,
            jpeg: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        }
    }

    /// No URL of any kind, so the page loads nothing from anywhere.
    fn assert_self_contained(html: &str) {
        for bad in [
            "http:",
            "https:",
            "src=\"//",
            "href=\"//",
            "<script",
            "<link",
            "@import",
            "url(",
        ] {
            assert!(!html.contains(bad), "found {bad:?}");
        }
    }

    #[test]
    fn clip_report_has_disclaimer_table_findings_plots_and_frames() {
        let a = sample();
        let html = clip_report(&a, "clip.mp4", &[frame()]);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        assert!(html.contains(&escape(DISCLAIMER)), "disclaimer");
        assert!(html.contains("<table class=\"reps\">"), "per-rep table");
        assert_eq!(html.matches("<tr><td class=\"num\">").count(), 2, "one row per rep");
        assert!(html.contains("<th>Lift\u{2011}off <span class=\"unit\">s</span></th>"));
        let tag = format!(
            "<a class=\"tag\" href=\"#f1\" title=\"{}\">F1</a>",
            escape(a.findings[0].check.title())
        );
        assert!(html.contains(&tag), "faults column links to the findings");
        assert!(html.contains("id=\"f1\""), "finding anchor");
        let f = &a.findings[0];
        assert!(html.contains(&escape(&f.cue)), "cue");
        assert!(html.contains(&escape(f.check.title())), "finding title");
        assert!(html.contains("(limit "), "measured vs threshold");
        assert_eq!(html.matches("<svg").count(), 2, "two inline plots");
        assert!(
            html.contains("src=\"data:image/jpeg;base64,/9j/4AECAw==\""),
            "key frame inline"
        );
        assert!(html.contains("Rep 1 lift-off (1.25 s)"));
        assert_self_contained(&html);
    }

    /// Where the bar's drift was judged on no rep, the bar path is said to be the hands' estimate.
    #[test]
    fn bar_path_without_judged_drift_is_called_an_estimate() {
        use crate::analysis::CheckSummary;
        let warning = "could not be judged on any rep";
        for (assessed, warned) in [(1, false), (0, true)] {
            let mut a = sample();
            assert!(matches!(a.view.view, View::Side), "{:?}", a.view.view);
            a.checks.retain(|s| s.check != CheckId::BarDrift);
            a.checks.push(CheckSummary {
                check: CheckId::BarDrift,
                assessed_reps: assessed,
                faulted_reps: 0,
            });
            let html = clip_report(&a, "clip.mp4", &[]);
            assert_eq!(html.contains(warning), warned, "{assessed} reps assessed");
        }
    }

    #[test]
    fn text_from_the_outside_is_escaped() {
        let mut a = sample();
        a.notes.push("note <b>&</b>".into());
        a.details.push("detail <i>".into());
        a.findings[0].cue = "keep \"it\" <close>".into();
        let name = "<script>alert(1)</script> & 'x'.mp4";
        let mut k = frame();
        k.label = "<img>".into();
        let html = clip_report(&a, name, &[k]);
        assert!(!html.contains("<script"), "name not escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;.mp4"));
        assert!(html.contains("note &lt;b&gt;&amp;&lt;/b&gt;"));
        assert!(html.contains("detail &lt;i&gt;"));
        assert!(html.contains("keep &quot;it&quot; &lt;close&gt;"));
        assert!(html.contains("&lt;img&gt; (1.25 s)"));
        assert!(!html.contains("<img>"));
    }

    #[test]
    fn romanian_and_front_view_reports_use_their_own_columns() {
        use crate::analysis::synth::{self, Lift, Spec};
        use crate::analysis::{Config, analyze};
        let run = |spec: Spec| {
            let clip = synth::generate(&spec);
            analyze(&clip.input(), LiftVariant::Auto, &Config::default()).expect("analysis")
        };
        let rdl = run(Spec {
            lift: Lift::Romanian,
            reps: 2,
            ..Spec::default()
        });
        let html = clip_report(&rdl, "rdl.mp4", &[]);
        assert!(html.contains("<th>Bottom <span class=\"unit\">s</span></th>"));
        assert!(!html.contains("<th>Lift\u{2011}off"));
        assert!(html.contains("Romanian deadlift"));
        let front = run(Spec {
            yaw_deg: 90.0,
            reps: 1,
            ..Spec::default()
        });
        assert_eq!(front.view.view, View::Front);
        let html = clip_report(&front, "front.mp4", &[]);
        assert!(html.contains("sideways ("), "bar path axis for a front view");
        assert!(!html.contains("mid-foot ("), "no mid-foot from the front");
        assert_self_contained(&html);
    }

    #[test]
    fn clip_without_reps_or_frames_still_reports() {
        let mut a = sample();
        a.reps.clear();
        a.findings.clear();
        a.frames.clear();
        a.no_reps_reason = Some("the bar moved only 5% of leg length".into());
        let html = clip_report(&a, "empty.mp4", &[]);
        assert!(html.contains("No reps found, so nothing was judged: the bar moved only 5% of leg length"));
        assert!(!html.contains("id=\"key-frames\""));
        assert!(html.contains(&escape(DISCLAIMER)));
        assert_self_contained(&html);
    }

    #[test]
    fn batch_index_links_reports_and_escapes() {
        let rows = vec![
            IndexRow {
                file: "a&b/<set 1>.mp4".into(),
                status: "faults".into(),
                reps: Some(3),
                faults: Some(2),
                fault_checks: vec!["bar_drift".into(), "made_up".into()],
                report: Some("a&b/<set 1>#2.report.html".into()),
                error: None,
                no_reps_reason: None,
                up_to_date: false,
                warnings: vec!["decoding stopped at frame 85 of 259 <cut>".into()],
            },
            IndexRow {
                file: "broken.mp4".into(),
                status: "error".into(),
                error: Some("broken.mp4: not a video <x>".into()),
                ..IndexRow::default()
            },
            IndexRow {
                file: "warm-up.mp4".into(),
                status: "no reps".into(),
                reps: Some(0),
                faults: Some(0),
                no_reps_reason: Some("the bar moved only 5% of leg length".into()),
                up_to_date: true,
                ..IndexRow::default()
            },
        ];
        let html = batch_index(&rows);
        assert!(html.contains("<a href=\"a%26b/%3Cset%201%3E%232.report.html\">a&amp;b/&lt;set 1&gt;.mp4</a>"));
        assert!(html.contains(CheckId::BarDrift.title()), "check names as titles");
        assert!(html.contains("made_up"), "unknown names kept");
        assert!(html.contains("not a video &lt;x&gt;"));
        assert!(html.contains(
            "3 clips: 0 clean, 1 with faults, 1 error, 1 without a rep (nothing judged); 1 up to date (from an earlier run)<"
        ));
        assert!(
            html.contains("class=\"status no-reps\""),
            "no reps is not shown as clean"
        );
        assert!(html.contains("no rep: the bar moved only 5% of leg length"));
        assert!(html.contains("(partly analysed: decoding stopped at frame 85 of 259 &lt;cut&gt;)"));
        assert_eq!(html.matches("<span class=\"muted\">up to date</span>").count(), 1);
        assert!(html.contains(&escape(DISCLAIMER)));
        assert_self_contained(&html);
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (raw, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), want, "{raw:?}");
        }
    }

    #[test]
    fn writes_atomically_and_reports_the_path_on_failure() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("index.html");
        write_batch_index(&[], &out).expect("write");
        assert!(std::fs::read_to_string(&out).expect("read").contains("0 clips"));
        let missing = dir.path().join("no/such/dir/index.html");
        let err = write_batch_index(&[], &missing).expect_err("no folder");
        assert!(err.to_string().contains("no/such/dir"), "{err}");
    }
}
