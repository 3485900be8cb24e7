//! Plots of an [`Analysis`] as SVG documents: joint angles over time with rep events and fault
//! spans, and the bar path of each rep. Pure functions of the analysis (no I/O), drawn with
//! `plotters`' SVG backend; text is left to the viewer's sans-serif font.

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::analysis::level::Leveller;
use crate::analysis::{Analysis, Event, Facing, FrameMetrics, Phase, Rep, View};

/// Size of the angles plot, SVG pixels (it scales with the page).
pub const ANGLES_SIZE: (u32, u32) = (1000, 420);
/// Size of the bar-path plot.
pub const BAR_PATH_SIZE: (u32, u32) = (620, 620);

/// Width kept on the right of each plot for its legend.
const LEGEND_WIDTH: u32 = 140;
const FONT: &str = "sans-serif";
/// Spans of faults measured at one instant (set-up faults) are widened to this, so they show.
const MIN_SPAN_S: f64 = 0.1;
/// Plot margins and axis label areas, SVG pixels (also used to keep the bar path's aspect 1:1).
const MARGIN: u32 = 12;
const CAPTION_HEIGHT: u32 = 32;
const X_LABEL_AREA: u32 = 42;
const Y_LABEL_AREA: u32 = 58;

const HIP: RGBColor = RGBColor(31, 119, 180);
const KNEE: RGBColor = RGBColor(255, 127, 14);
const TRUNK: RGBColor = RGBColor(44, 160, 44);
const NECK: RGBColor = RGBColor(148, 103, 189);
const FAULT: RGBColor = RGBColor(214, 39, 40);
const GRID: RGBColor = RGBColor(232, 232, 232);
const TEXT: RGBColor = RGBColor(40, 40, 40);
const MIDFOOT: RGBColor = RGBColor(120, 120, 120);
/// Legend swatch for the faint lowering lines (their colour depends on the rep).
const LOWERING_SWATCH: RGBColor = RGBColor(175, 175, 175);
/// One colour per rep in the bar-path plot, repeating after eight reps.
pub const REP_COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn Error>>;

/// An angle series: name, colour, value.
type AngleSeries = (&'static str, RGBColor, fn(&FrameMetrics) -> Option<f32>);

const ANGLES: [AngleSeries; 4] = [
    ("hip", HIP, |m| m.hip_deg),
    ("knee", KNEE, |m| m.knee_deg),
    ("trunk", TRUNK, |m| m.trunk_deg),
    ("neck", NECK, |m| m.neck_deg),
];

/// A kind of rep event drawn as a vertical line: name, colour, dash length, accessor.
type EventKind = (&'static str, RGBColor, i32, fn(&Rep) -> Option<Event>);

const EVENTS: [EventKind; 5] = [
    ("lift-off", RGBColor(0, 110, 60), 10, |r| r.lift_off),
    ("bottom (RDL)", RGBColor(0, 110, 60), 10, |r| r.bottom),
    ("knee pass", RGBColor(110, 110, 110), 4, |r| r.knee_pass),
    ("lockout", RGBColor(20, 20, 20), 10, |r| r.lockout),
    ("set-down", RGBColor(140, 86, 75), 4, |r| r.set_down),
];

/// Short label of the `i`-th finding (0-based), shared by the plot and the HTML findings list.
pub fn finding_label(i: usize) -> String {
    format!("F{}", i + 1)
}

/// Hip, knee, trunk and neck angles over the clip, with a vertical line at every rep event and a
/// shaded span (labelled F1, F2, ... in the order of `analysis.findings`) where a fault is active.
pub fn angles_svg(analysis: &Analysis) -> String {
    let has_data = analysis
        .frames
        .iter()
        .any(|m| ANGLES.iter().any(|(_, _, get)| get(m).is_some_and(f32::is_finite)));
    if !has_data {
        return message_svg(ANGLES_SIZE, "No joint angles were measured in this clip.");
    }
    render(ANGLES_SIZE, |root| draw_angles(root, analysis))
}

/// The bar path of each rep, horizontal against vertical with equal scales (y up), one colour
/// per rep; the pull is drawn solid and the lowering faint. Units are cm when the plate gave the
/// scale, else percent of leg length, else pixels. A dashed vertical line marks the mid-foot
/// when it is known (side views); horizontal positions are then measured from it, forward
/// (the way the lifter faces) positive.
pub fn bar_path_svg(analysis: &Analysis) -> String {
    let paths = bar_paths(analysis);
    if paths.reps.iter().all(|r| r.segments.is_empty()) {
        return message_svg(BAR_PATH_SIZE, "No bar path: the bar was not found during any rep.");
    }
    render(BAR_PATH_SIZE, |root| draw_bar_path(root, analysis, &paths))
}

/// Draws into an SVG string; a plot that fails to draw becomes an SVG showing the error, so a
/// report never loses its other contents to a plot.
fn render(size: (u32, u32), draw: impl FnOnce(&Area) -> DrawResult) -> String {
    let mut buf = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(&root).and_then(|()| root.present().map_err(Into::into))
    };
    match result {
        Ok(()) => buf,
        Err(e) => message_svg(size, &format!("This plot could not be drawn: {e}")),
    }
}

/// A blank SVG with one line of text.
fn message_svg(size: (u32, u32), message: &str) -> String {
    let (w, h) = size;
    let text: String = message
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-family=\"{FONT}\" font-size=\"16\" fill=\"#555555\">{text}</text>\n\
         </svg>\n",
        w / 2,
        h / 2
    )
}

/// What a legend entry shows beside its name.
enum Mark {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Span(RGBColor),
}

/// A legend in its own strip at the right of a plot, so it never hides data.
fn draw_legend(area: &Area, title: &str, items: &[(String, Mark)]) -> DrawResult {
    let row = 22;
    let mut y = MARGIN as i32 + CAPTION_HEIGHT as i32 + 8;
    area.draw(&Text::new(
        title.to_string(),
        (8, y),
        (FONT, 14).into_font().color(&TEXT),
    ))?;
    y += row;
    for (name, mark) in items {
        let (x0, x1, mid) = (8, 34, y + 6);
        match mark {
            Mark::Line(c, w) => area.draw(&PathElement::new(vec![(x0, mid), (x1, mid)], c.stroke_width(*w)))?,
            Mark::Dashed(c) => {
                for x in (x0..x1).step_by(8) {
                    area.draw(&PathElement::new(
                        vec![(x, mid), ((x + 4).min(x1), mid)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Mark::Span(c) => area.draw(&Rectangle::new([(x0, y), (x1, y + 12)], c.mix(0.25).filled()))?,
        }
        area.draw(&Text::new(
            name.clone(),
            (x1 + 6, y),
            (FONT, 13).into_font().color(&TEXT),
        ))?;
        y += row;
    }
    Ok(())
}

fn draw_angles(root: &Area, a: &Analysis) -> DrawResult {
    root.fill(&WHITE)?;
    let (plot, side) = root.split_horizontally(ANGLES_SIZE.0 - LEGEND_WIDTH);
    let t0 = a.frames.first().map_or(0.0, |m| m.time_s);
    let t1 = a.frames.last().map_or(1.0, |m| m.time_s).max(t0 + 0.1);
    let values = a
        .frames
        .iter()
        .flat_map(|m| ANGLES.iter().filter_map(move |(_, _, get)| get(m)))
        .map(f64::from)
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0f64, 180.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = (lo / 10.0).floor() * 10.0;
    // Headroom at the top for the rep and fault labels.
    let hi = (hi / 10.0).ceil() * 10.0 + 30.0;

    let mut chart = ChartBuilder::on(&plot)
        .caption("Joint angles over time", (FONT, 18).into_font().color(&TEXT))
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(t0..t1, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("angle (degrees)")
        .x_labels(12)
        .y_labels(10)
        .x_label_formatter(&|t| format!("{t:.1}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .label_style((FONT, 13).into_font().color(&TEXT))
        .axis_desc_style((FONT, 14).into_font().color(&TEXT))
        .draw()?;

    // Fault spans behind everything, labelled at the top; overlapping labels are stacked.
    let label_step = (hi - lo) * 0.055;
    let mut label_ends: Vec<f64> = Vec::new();
    for (i, f) in a.findings.iter().enumerate() {
        let (start, end) = (f.start_s, f.end_s.max(f.start_s + MIN_SPAN_S));
        chart.draw_series(std::iter::once(Rectangle::new(
            [(start, hi), (end, lo)],
            FAULT.mix(0.13).filled(),
        )))?;
        let level = label_ends.iter().position(|&e| e < start).unwrap_or(label_ends.len());
        if level == label_ends.len() {
            label_ends.push(0.0);
        }
        label_ends[level] = start + (t1 - t0) * 0.03;
        let y = hi - label_step * (2.0 + level as f64);
        chart.draw_series(std::iter::once(Text::new(
            finding_label(i),
            (start, y),
            (FONT, 13).into_font().color(&FAULT),
        )))?;
    }

    // Rep events, and the rep number at the start of each rep.
    let mut used_events = Vec::new();
    for rep in &a.reps {
        for (k, (_, colour, dash, get)) in EVENTS.iter().enumerate() {
            if let Some(e) = get(rep) {
                chart.draw_series(DashedLineSeries::new(
                    vec![(e.time_s, lo), (e.time_s, hi)],
                    *dash,
                    4,
                    colour.stroke_width(1),
                ))?;
                if !used_events.contains(&k) {
                    used_events.push(k);
                }
            }
        }
        chart.draw_series(std::iter::once(Text::new(
            format!("rep {}", rep.number),
            (rep.start_s, hi - label_step * 0.4),
            (FONT, 13).into_font().color(&TEXT),
        )))?;
    }

    // The angle curves, broken where a value is missing.
    for (_, colour, get) in ANGLES {
        for segment in segments(&a.frames, |m| get(m).map(f64::from).map(|v| (m.time_s, v))) {
            chart.draw_series(LineSeries::new(segment, colour.stroke_width(2)))?;
        }
    }

    let mut legend: Vec<(String, Mark)> = ANGLES
        .iter()
        .filter(|(_, _, get)| a.frames.iter().any(|m| get(m).is_some()))
        .map(|(name, colour, _)| (name.to_string(), Mark::Line(*colour, 2)))
        .collect();
    used_events.sort_unstable();
    legend.extend(
        used_events
            .iter()
            .map(|&k| (EVENTS[k].0.to_string(), Mark::Dashed(EVENTS[k].1))),
    );
    if !a.findings.is_empty() {
        legend.push(("fault (F1, ...)".into(), Mark::Span(FAULT)));
    }
    draw_legend(&side, "Legend", &legend)
}

/// Runs of consecutive frames where `point` gives a value.
fn segments<T>(frames: &[FrameMetrics], point: impl Fn(&FrameMetrics) -> Option<T>) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current = Vec::new();
    for m in frames {
        match point(m) {
            Some(p) => current.push(p),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The unit of the bar-path plot and how many of it make a pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BarUnit {
    name: &'static str,
    per_px: f64,
}

fn bar_unit(a: &Analysis) -> BarUnit {
    let positive = |v: Option<f32>| v.map(f64::from).filter(|v| v.is_finite() && *v > 0.0);
    if let Some(s) = positive(a.scale_cm_per_px) {
        BarUnit { name: "cm", per_px: s }
    } else if let Some(leg) = positive(a.leg_length_px) {
        BarUnit {
            name: "% of leg length",
            per_px: 100.0 / leg,
        }
    } else {
        BarUnit {
            name: "px",
            per_px: 1.0,
        }
    }
}

/// One rep's bar path: runs of (horizontal, vertical) points in plot units, with whether the
/// run is the lowering.
struct RepPath {
    number: usize,
    segments: Vec<(bool, Vec<(f64, f64)>)>,
}

struct BarPaths {
    unit: BarUnit,
    /// Horizontal positions are from the mid-foot (true) or from the bar's first position.
    from_midfoot: bool,
    reps: Vec<RepPath>,
}

fn bar_paths(a: &Analysis) -> BarPaths {
    let unit = bar_unit(a);
    let sideways = matches!(a.view.view, View::Side | View::Oblique);
    let sign = if sideways && a.view.facing == Some(Facing::Left) {
        -1.0
    } else {
        1.0
    };
    // The bar in the frame the offsets were measured in: the frame's own pixels, turned level
    // when the analysis undid the camera's roll (its offsets such as `bar_midfoot_pct_leg` are
    // then levelled ones, while `bar_x_px` stays in frame pixels).
    let leveller = a
        .camera_roll_deg
        .filter(|_| a.camera_roll_corrected)
        .map(|roll| Leveller::new(f64::from(roll), a.width, a.height));
    let bar = |m: &FrameMetrics| -> Option<(f64, f64)> {
        let xy = (f64::from(m.bar_x_px?), f64::from(m.bar_y_px?));
        Some(leveller.as_ref().map_or(xy, |l| l.level_xy(xy)))
    };
    // The mid-foot, in forward pixels: where the bar would be at 0% of leg length ahead of it.
    let leg = a.leg_length_px.map(f64::from).filter(|v| v.is_finite() && *v > 0.0);
    let midfoot = a.frames.iter().find_map(|m| {
        let (x, _) = bar(m)?;
        let pct = f64::from(m.bar_midfoot_pct_leg?);
        let fwd = sign * x - pct / 100.0 * leg?;
        fwd.is_finite().then_some(fwd)
    });
    let in_rep = |m: &&FrameMetrics| m.rep.is_some() && bar(m).is_some();
    let origin_x = midfoot.or_else(|| a.frames.iter().find(in_rep).and_then(bar).map(|(x, _)| sign * x));
    let floor_y = a
        .frames
        .iter()
        .filter(in_rep)
        .filter_map(|m| bar(m).map(|(_, y)| y))
        .fold(f64::NEG_INFINITY, f64::max);
    let reps = a
        .reps
        .iter()
        .map(|rep| {
            let mut segments: Vec<(bool, Vec<(f64, f64)>)> = Vec::new();
            let mut last_lowering = None;
            for m in a.frames.iter().filter(|m| m.rep == Some(rep.number)) {
                let point = match (bar(m), origin_x) {
                    (Some((x, y)), Some(ox)) if floor_y.is_finite() => {
                        Some(((sign * x - ox) * unit.per_px, (floor_y - y) * unit.per_px))
                    }
                    _ => None,
                };
                let Some(point) = point.filter(|p| p.0.is_finite() && p.1.is_finite()) else {
                    last_lowering = None;
                    continue;
                };
                let lowering = m.phase == Some(Phase::Lower);
                match segments.last_mut() {
                    Some((l, run)) if last_lowering == Some(lowering) && *l == lowering => run.push(point),
                    _ => {
                        // Start the new run at the old run's end, so phases join without a gap.
                        let mut run = Vec::new();
                        if let Some(p) = segments
                            .last()
                            .and_then(|(_, r)| r.last())
                            .filter(|_| last_lowering.is_some())
                        {
                            run.push(*p);
                        }
                        run.push(point);
                        segments.push((lowering, run));
                    }
                }
                last_lowering = Some(lowering);
            }
            RepPath {
                number: rep.number,
                segments,
            }
        })
        .collect();
    BarPaths {
        unit,
        from_midfoot: midfoot.is_some(),
        reps,
    }
}

/// Ranges for an equal-scale plot of `bounds` ((x0, x1), (y0, y1)) in a `w` x `h` pixel area.
fn equal_scale(bounds: ((f64, f64), (f64, f64)), w: f64, h: f64) -> ((f64, f64), (f64, f64)) {
    let ((x0, x1), (y0, y1)) = bounds;
    let pad = 1.1;
    let per_px = ((x1 - x0) / w).max((y1 - y0) / h).max(1e-6) * pad;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    (
        (cx - per_px * w / 2.0, cx + per_px * w / 2.0),
        (cy - per_px * h / 2.0, cy + per_px * h / 2.0),
    )
}

fn draw_bar_path(root: &Area, a: &Analysis, paths: &BarPaths) -> DrawResult {
    root.fill(&WHITE)?;
    let plot_width = BAR_PATH_SIZE.0 - LEGEND_WIDTH;
    let (plot, side) = root.split_horizontally(plot_width);
    let points = || {
        paths
            .reps
            .iter()
            .flat_map(|r| r.segments.iter().flat_map(|(_, s)| s.iter()))
    };
    let mut bounds = points().fold(
        ((f64::INFINITY, f64::NEG_INFINITY), (f64::INFINITY, f64::NEG_INFINITY)),
        |((x0, x1), (y0, y1)), &(x, y)| ((x0.min(x), x1.max(x)), (y0.min(y), y1.max(y))),
    );
    if paths.from_midfoot {
        bounds.0 = (bounds.0.0.min(0.0), bounds.0.1.max(0.0));
    }
    let w = f64::from(plot_width - 2 * MARGIN - Y_LABEL_AREA);
    let h = f64::from(BAR_PATH_SIZE.1 - 2 * MARGIN - CAPTION_HEIGHT - X_LABEL_AREA);
    let ((x0, x1), (y0, y1)) = equal_scale(bounds, w, h);

    let unit = paths.unit.name;
    let x_desc = match (paths.from_midfoot, a.view.view) {
        (true, _) => format!("bar ahead of mid-foot ({unit})"),
        (false, View::Front | View::Rear) => format!("sideways ({unit})"),
        (false, _) => format!("horizontal, forward + ({unit})"),
    };
    let mut chart = ChartBuilder::on(&plot)
        .caption("Bar path per rep", (FONT, 18).into_font().color(&TEXT))
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(format!("height above lowest point ({unit})"))
        .x_labels(8)
        .y_labels(10)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .label_style((FONT, 13).into_font().color(&TEXT))
        .axis_desc_style((FONT, 14).into_font().color(&TEXT))
        .draw()?;
    if paths.from_midfoot {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y0), (0.0, y1)],
            8,
            5,
            MIDFOOT.stroke_width(2),
        ))?;
    }

    let mut legend = Vec::new();
    for (i, rep) in paths.reps.iter().enumerate() {
        let colour = REP_COLOURS[i % REP_COLOURS.len()];
        for (lowering, run) in &rep.segments {
            let style = if *lowering {
                colour.mix(0.35).stroke_width(1)
            } else {
                colour.stroke_width(2)
            };
            chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
        }
        // A dot where the rep's path starts.
        if let Some(start) = rep.segments.first().and_then(|(_, run)| run.first()) {
            chart.draw_series(std::iter::once(Circle::new(*start, 4, colour.filled())))?;
        }
        if !rep.segments.is_empty() {
            legend.push((format!("rep {}", rep.number), Mark::Line(colour, 2)));
        }
    }
    legend.push(("lowering (faint)".into(), Mark::Line(LOWERING_SWATCH, 1)));
    if paths.from_midfoot {
        legend.push(("mid-foot".into(), Mark::Dashed(MIDFOOT)));
    }
    draw_legend(&side, "Legend", &legend)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::synth::{self, Fault, Spec};
    use crate::analysis::{Config, LiftVariant, analyze};

    /// A generated two-rep clip (plates in view, so the scale is known) with the bar drifting
    /// forward on rep 2, and its analysis.
    pub(crate) fn sample_clip() -> (synth::Clip, Analysis) {
        let clip = synth::generate(&Spec {
            reps: 2,
            faults: vec![None, Some(Fault::BarDrift)],
            plates: true,
            ..Spec::default()
        });
        match analyze(&clip.input(), LiftVariant::Auto, &Config::default()) {
            Ok(a) => (clip, a),
            Err(e) => panic!("analysis failed: {e}"),
        }
    }

    pub(crate) fn sample() -> Analysis {
        let (_, a) = sample_clip();
        assert_eq!(a.reps.len(), 2, "sample has two reps");
        assert!(!a.findings.is_empty(), "sample has a finding");
        assert!(a.scale_cm_per_px.is_some(), "sample has the plate scale");
        a
    }

    fn count(s: &str, needle: &str) -> usize {
        s.matches(needle).count()
    }

    /// True when `svg` has a text element reading `text` (plotters puts it on its own line).
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{text}\n</text>"))
    }

    #[test]
    fn angles_plot_is_svg_with_curves_events_and_fault_spans() {
        let a = sample();
        let svg = angles_svg(&a);
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        // Four angle curves plus dashed event lines.
        assert!(count(&svg, "<polyline") >= 4, "curves drawn");
        assert!(has_text(&svg, "F1"), "fault label");
        assert!(has_text(&svg, "rep 2"), "rep label");
        assert!(has_text(&svg, "lockout"), "legend names the events");
    }

    #[test]
    fn bar_path_has_one_path_per_rep_and_the_midfoot_line() {
        let a = sample();
        let svg = bar_path_svg(&a);
        assert!(svg.starts_with("<svg"));
        let rep_colours: Vec<String> = REP_COLOURS[..2]
            .iter()
            .map(|c| format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2))
            .collect();
        for (i, c) in rep_colours.iter().enumerate() {
            assert!(svg.contains(c.as_str()), "rep {} has its own colour ({c})", i + 1);
        }
        assert!(has_text(&svg, "mid-foot"), "mid-foot line labelled");
        assert!(svg.contains("(cm)"), "scale known: cm");
    }

    #[test]
    fn bar_path_units_fall_back_to_leg_length_then_pixels() {
        let mut a = sample();
        assert_eq!(bar_unit(&a).name, "cm");
        a.scale_cm_per_px = None;
        assert_eq!(bar_unit(&a).name, "% of leg length");
        assert!(bar_path_svg(&a).contains("(% of leg length)"));
        a.leg_length_px = None;
        assert_eq!(
            bar_unit(&a),
            BarUnit {
                name: "px",
                per_px: 1.0
            }
        );
        // Without the leg length the mid-foot cannot be placed.
        assert!(!bar_path_svg(&a).contains("mid-foot"));
    }

    #[test]
    fn mirrored_clip_gives_the_same_bar_path() {
        let a = sample();
        let mut m = a.clone();
        m.view.facing = Some(Facing::Left);
        for f in &mut m.frames {
            f.bar_x_px = f.bar_x_px.map(|x| a.width as f32 - x);
        }
        let (p, q) = (bar_paths(&a), bar_paths(&m));
        assert!(!p.reps.is_empty());
        assert_eq!(p.reps.len(), q.reps.len());
        for (r, s) in p.reps.iter().zip(&q.reps) {
            assert!(!r.segments.is_empty());
            assert_eq!(r.segments.len(), s.segments.len());
            for ((_, u), (_, v)) in r.segments.iter().zip(&s.segments) {
                assert_eq!(u.len(), v.len());
                for (x, y) in u.iter().zip(v) {
                    assert!((x.0 - y.0).abs() < 1e-3 && (x.1 - y.1).abs() < 1e-3, "{x:?} vs {y:?}");
                }
            }
        }
    }

    /// With the camera's roll undone, the analysis' offsets are levelled while its bar pixels
    /// stay in the rolled frame: the path is drawn levelled, from the same mid-foot.
    #[test]
    fn a_corrected_roll_gives_the_level_clip_s_bar_path() {
        let level = sample();
        let roll_deg = 8.0;
        let lev = Leveller::new(roll_deg, level.width, level.height);
        let mut rolled = level.clone();
        (rolled.camera_roll_deg, rolled.camera_roll_corrected) = (Some(roll_deg as f32), true);
        for f in &mut rolled.frames {
            if let (Some(x), Some(y)) = (f.bar_x_px, f.bar_y_px) {
                let p = lev.unlevel(crate::pose::geometry::Point::new(x, y));
                (f.bar_x_px, f.bar_y_px) = (Some(p.x), Some(p.y));
            }
        }
        let (p, q) = (bar_paths(&level), bar_paths(&rolled));
        assert!(p.from_midfoot && q.from_midfoot);
        let points = |b: &BarPaths| -> Vec<(f64, f64)> {
            b.reps
                .iter()
                .flat_map(|r| r.segments.iter().flat_map(|(_, s)| s.clone()))
                .collect()
        };
        let (u, v) = (points(&p), points(&q));
        assert!(!u.is_empty());
        assert_eq!(u.len(), v.len());
        for (x, y) in u.iter().zip(&v) {
            assert!((x.0 - y.0).abs() < 0.05 && (x.1 - y.1).abs() < 0.05, "{x:?} vs {y:?}");
        }
        // Read as filmed (not corrected), the same pixels give a tilted path.
        rolled.camera_roll_corrected = false;
        let w = points(&bar_paths(&rolled));
        assert!(
            u.iter().zip(&w).any(|(x, y)| (x.0 - y.0).abs() > 1.0),
            "the roll shows when not undone"
        );
    }

    #[test]
    fn empty_analysis_gives_a_message_not_an_error() {
        let mut a = sample();
        a.frames.clear();
        a.reps.clear();
        a.findings.clear();
        for svg in [angles_svg(&a), bar_path_svg(&a)] {
            assert!(svg.starts_with("<svg"));
            assert!(svg.contains("No "), "{svg}");
        }
    }

    #[test]
    fn equal_scale_keeps_units_per_pixel_equal() {
        let ((x0, x1), (y0, y1)) = equal_scale(((-5.0, 5.0), (0.0, 60.0)), 400.0, 500.0);
        assert!((((x1 - x0) / 400.0) - ((y1 - y0) / 500.0)).abs() < 1e-9);
        assert!(x0 <= -5.0 && x1 >= 5.0 && y0 <= 0.0 && y1 >= 60.0);
    }

    #[test]
    fn text_in_messages_is_escaped() {
        let svg = message_svg((10, 10), "a<b & c");
        assert!(svg.contains("a&lt;b &amp; c"));
    }
}
