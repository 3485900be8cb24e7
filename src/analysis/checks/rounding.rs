//! Spine rounding from the back outline: the upper/mid and lower back against the rep's own
//! set-up, a back already rounded when the bar leaves the floor, and the Romanian deadlift's
//! bottom.

use super::*;

/// The back outline's reference frame for a rep and which frames of the pull are comparable to
/// it: the set-up, with the trunk inclined at least [`Config::back_outline_min_trunk_deg`];
/// comparable frames keep the trunk within [`Config::back_outline_max_trunk_change_deg`] of it
/// (so in practice the early pull). A Romanian deadlift has no such set-up: it starts standing,
/// where the near plate hides the hips in most side views and the outline's halves cannot be
/// measured, and its back is read on the bottom's own shape instead ([`rdl_bottom_fold`]).
pub(super) fn back_reference(ctx: &Ctx, raw: &RawRep, w: &Windows) -> Measured<(usize, Vec<bool>)> {
    let s = ctx.s;
    let cfg = ctx.cfg;
    if raw.variant == LiftVariant::Romanian {
        return Err("a Romanian deadlift starts standing, with no set-up to compare the back with".into());
    }
    let min_trunk = cfg.back_outline_min_trunk_deg;
    let base = ctx.setup_value(&s.trunk, w.setup, "shoulder or hip")?;
    if base < min_trunk {
        return Err(format!(
            "trunk {base:.0} degrees from vertical at set-up (needs {min_trunk:.0}): too upright for the \
             mask's dorsal edge to be the back"
        ));
    }
    let comparable = (0..s.n)
        .map(|f| {
            let t = s.trunk[f];
            t >= min_trunk && (t - base).abs() <= cfg.back_outline_max_trunk_change_deg
        })
        .collect();
    Ok((w.setup, comparable))
}

/// Fewest frames with an outline in a window the back's shape is read over (the set-up
/// reference, the last 0.3 s before lift-off, a Romanian deadlift's bottom): a robust spread from
/// fewer samples means nothing; real clip 13 starts 0.07 s before its first lift-off and had 2.
const MIN_BACK_REFERENCE_FRAMES: usize = 5;

/// The comparable frames of the `window_s` seconds up to and including `end`.
fn window_before(ctx: &Ctx, end: usize, window_s: f64, comparable: &[bool]) -> Vec<usize> {
    let from = end.saturating_sub(ctx.s.frames(window_s));
    (from..=end).filter(|&f| comparable[f]).collect()
}

/// The back outline's reading over `frames` (a half's bend, or the fold) and the noise margin a
/// reading against it must clear (`window_name` names the window in the reasons it gives for not
/// assessing).
///
/// The reading is the median of the cleaned series over `frames` (for the set-up reference,
/// the comparable frames of [`Config::back_reference_window_s`] up to the set-up). The spread is
/// the robust standard deviation (1.4826 MAD) of the uncleaned series over the same frames: above
/// [`Config::back_reference_max_spread_deg`] the rep is not assessable. Below it, the margin is
/// [`Config::back_noise_sigmas`] times the noise left after the low-pass: white noise of spread
/// `sd` sampled at rate `r` keeps `sd * sqrt(2 fc / r)` through a low-pass at `fc`.
fn back_base(ctx: &Ctx, clean: &[f64], raw: &[f64], frames: &[usize], window_name: &str) -> Measured<(f64, f64)> {
    let cfg = ctx.cfg;
    let base = signal::median(frames.iter().map(|&f| clean[f]).filter(|v| !v.is_nan()));
    let vals: Vec<f64> = frames.iter().map(|&f| raw[f]).filter(|v| !v.is_nan()).collect();
    if base.is_nan() || vals.len() < MIN_BACK_REFERENCE_FRAMES {
        return Err(format!(
            "back outline seen on {} frames of the {window_name} (needs {MIN_BACK_REFERENCE_FRAMES})",
            vals.len()
        ));
    }
    let med = signal::median(vals.iter().copied());
    let spread = 1.4826 * signal::median(vals.iter().map(|v| (v - med).abs()));
    let limit = cfg.back_reference_max_spread_deg;
    if spread > limit {
        return Err(format!(
            "back outline unsteady over the {window_name} (per-frame bend spread {spread:.0} degrees, limit {limit:.0})"
        ));
    }
    // The outline's own sampling rate: the mask is computed on some frames only
    // (`pipeline::MASK_HZ`), and the outline is missing on others.
    let rate = ctx.s.fps() * vals.len() as f64 / frames.len() as f64;
    let pass = (2.0 * cfg.back_cutoff_hz / rate).min(1.0).sqrt();
    Ok((base, cfg.back_noise_sigmas * spread * pass))
}

/// One measure of the back outline (a half's bend, or the fold between them) as the rounding
/// rules read it.
struct BackRegion<'a> {
    clean: &'a [f64],
    raw: &'a [f64],
    name: &'static str,
    /// Most added bend before the noise margin, degrees (before strictness).
    limit: f64,
    /// How long an added bend must last to count, seconds
    /// ([`Config::back_bend_min_hold_s`] for a half's bend, 0 for the fold).
    hold_s: f64,
    /// Whether the measure can give the finding; otherwise it only vouches for the outline
    /// (an implausible change makes the rule not assessable).
    judges: bool,
}

/// A back measure's largest change over its set-up reference on comparable frames of the pull,
/// the reference itself, and the margin for the outline's noise at set-up.
pub(super) struct BackChange {
    pub(super) change: f64,
    base: f64,
    margin: f64,
}

pub(super) fn back_change(
    ctx: &Ctx,
    series: &[f64],
    raw_series: &[f64],
    hold_s: f64,
    raw: &RawRep,
    w: &Windows,
) -> Measured<BackChange> {
    // Only near side-on, as the rounding rules read it.
    back_outline_view(ctx)?;
    let (reference, comparable) = back_reference(ctx, raw, w)?;
    change_since_setup(ctx, series, raw_series, hold_s, reference, &comparable, w)
}

/// The largest change of a back measure over its set-up reference that lasts `hold_s` on
/// consecutive comparable frames of the pull (the highest level held that long; a run of
/// comparable frames shorter than that counts with its least value).
fn change_since_setup(
    ctx: &Ctx,
    series: &[f64],
    raw_series: &[f64],
    hold_s: f64,
    reference: usize,
    comparable: &[bool],
    w: &Windows,
) -> Measured<BackChange> {
    let frames = window_before(ctx, reference, ctx.cfg.back_reference_window_s, comparable);
    let (base, margin) = back_base(ctx, series, raw_series, &frames, "set-up")?;
    let from = w.pull.from.min(reference);
    let hold = ctx.hold_frames(hold_s);
    let usable = |f: usize| comparable[f] && !series[f].is_nan();
    // Per run of consecutive usable frames: (highest level held `hold` frames, highest frame).
    let values: Vec<Option<f64>> = (from..=w.pull.to)
        .map(|f| usable(f).then(|| series[f] - base))
        .collect();
    let change = values
        .split(Option::is_none)
        .filter(|run| !run.is_empty())
        .map(|run| {
            let run: Vec<f64> = run.iter().flatten().copied().collect();
            (held_level(&run, hold), held_level(&run, 1))
        })
        .reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)));
    let (change, peak) =
        change.ok_or_else(|| "back outline missing at every trunk angle comparable to set-up".to_string())?;
    // Any single frame that far off says the outline has left the back, however briefly.
    if peak > MAX_PLAUSIBLE_BACK_CHANGE_DEG {
        return Err(format!(
            "{IMPLAUSIBLE_OUTLINE}: {peak:.0} degrees added since set-up (more than \
             {MAX_PLAUSIBLE_BACK_CHANGE_DEG:.0}); it no longer follows the back"
        ));
    }
    Ok(BackChange { change, base, margin })
}

/// How long before lift-off the fold of a back rounded before the pull is read, seconds: the
/// back the bar leaves the floor with. Lifters often reach the bar with a rounded back and set
/// it flat before they pull (real clip 02: a fold of 15-19 degrees at the bar, 0-3 over the last
/// 0.3 s before lift-off), which is the cue done right; the outline is low-passed at 2 Hz, so a
/// few frames are a steady reading.
const LIFT_OFF_FOLD_WINDOW_S: f64 = 0.3;

/// The back outline is read only on views estimated within this of side-on, degrees (the view
/// estimate calls views up to [`Config::side_max_yaw_deg`] side views). An absolute shape
/// depends on the view: the one oblique rendered clip read as a side view at first (estimated 19
/// degrees off side-on, truly 39) folded 22-24 degrees at lift-off on a flat upper back (held-out
/// seed 303, clip 008). A change within the rep cancels the view's effect only while the back
/// hinges in the image plane; seen obliquely, the hinge turns the back against the camera, and
/// two front-oblique clips read as side views (estimated 20.6 and 23 degrees off side-on, truly
/// 44 and 48) gave flat backs an added fold at mid-trunk of 16.7 and 18.9 degrees (seed 312
/// clip 009, held-out seed 329 clip 008). Side views with a rounded back found were estimated at
/// most 13.8 off, the real side clips at most 13.1 (`python3 scripts/synth/measure.py
/// back-findings DIR...`; `liftcheck analyze --json`, `view.yaw_deg`).
const BACK_OUTLINE_MAX_YAW_DEG: f64 = 15.0;

/// `Err` with the reason when the view is too far off side-on for the back outline's shape
/// ([`BACK_OUTLINE_MAX_YAW_DEG`]): the rounding rules and their rep metrics read nothing then.
fn back_outline_view(ctx: &Ctx) -> Measured<()> {
    if ctx.view_yaw_deg > BACK_OUTLINE_MAX_YAW_DEG {
        return Err(format!(
            "view {:.0} degrees off side-on: the back outline shows rounding only within \
             {BACK_OUTLINE_MAX_YAW_DEG:.0} degrees of side-on",
            ctx.view_yaw_deg
        ));
    }
    Ok(())
}

/// The fold of the back outline at mid-trunk as the bar leaves the floor (median over
/// [`LIFT_OFF_FOLD_WINDOW_S`] up to lift-off, frames at a trunk angle `comparable` to the
/// set-up), the margin for the outline's noise there, and the lift-off frame.
pub(super) fn lift_off_fold(ctx: &Ctx, raw: &RawRep, comparable: &[bool]) -> Measured<(f64, f64, usize)> {
    let lift_off = raw.lift_off.ok_or("no lift-off found")?;
    back_outline_view(ctx)?;
    let frames = window_before(ctx, lift_off, LIFT_OFF_FOLD_WINDOW_S, comparable);
    let (fold, margin) = fold_over(ctx, &frames, "last 0.3 s before lift-off", "at lift-off")?;
    Ok((fold, margin, lift_off))
}

/// The fold of the back outline at mid-trunk over `frames` (the median of the cleaned series) and
/// the margin for the outline's noise there; `Err` when too few frames have an outline, when it
/// is unsteady, or when the fold is past what a spine can show (`when` says where, for that
/// reason).
fn fold_over(ctx: &Ctx, frames: &[usize], window_name: &str, when: &str) -> Measured<(f64, f64)> {
    let s = ctx.s;
    let (fold, margin) = back_base(ctx, &s.mid_back, &s.mid_back_raw, frames, window_name)?;
    if fold > MAX_PLAUSIBLE_BACK_CHANGE_DEG {
        return Err(format!(
            "{IMPLAUSIBLE_OUTLINE}: the outline folds {fold:.0} degrees at mid-trunk {when} (more than \
             {MAX_PLAUSIBLE_BACK_CHANGE_DEG:.0}); it does not follow the back"
        ));
    }
    Ok((fold, margin))
}

/// Romanian deadlift: the fold of the back outline at mid-trunk over the bottom window and the
/// margin for the outline's noise there. The bottom's posture, trunk inclined 50-84 degrees on
/// the rendered suites, is a conventional set-up's, where a flat back's outline stays straight or
/// hollow at mid-trunk and a rounded one folds ([`Config::mid_back_lift_off_fold_max_deg`]), so
/// the bottom is read on its own shape. Standing, the reference a change would need, has no
/// outline reading in most side views: the near plate hides the hips, which the outline's halves
/// are measured against. Only frames with the trunk inclined at least
/// [`Config::back_outline_min_trunk_deg`] count, as for a conventional set-up: nearer upright the
/// outline runs into the buttocks and the plate. A rounding of the lower back alone barely shows
/// in the fold, so it is not found.
pub(super) fn rdl_bottom_fold(ctx: &Ctx, w: &Windows) -> Measured<(f64, f64, Win)> {
    let bottom = w.bottom.ok_or("no bottom position found")?;
    back_outline_view(ctx)?;
    let (s, min_trunk) = (ctx.s, ctx.cfg.back_outline_min_trunk_deg);
    let trunk = signal::median(s.trunk[bottom.from..=bottom.to].iter().copied().filter(|v| !v.is_nan()));
    if trunk < min_trunk {
        return Err(format!(
            "trunk {trunk:.0} degrees from vertical at the bottom (needs {min_trunk:.0}): too upright for the \
             mask's dorsal edge to be the back"
        ));
    }
    let frames: Vec<usize> = (bottom.from..=bottom.to).filter(|&f| s.trunk[f] >= min_trunk).collect();
    let (fold, margin) = fold_over(ctx, &frames, "bottom of the rep", "at the bottom")?;
    Ok((fold, margin, bottom))
}

/// Romanian deadlift: a back rounded at the bottom, the fold there ([`rdl_bottom_fold`]) beyond
/// [`Config::rdl_rounding_max_deg`] plus the noise margin.
fn rdl_rounded_at_bottom(ctx: &Ctx, w: &Windows) -> Measured<Option<Fault>> {
    let (fold, margin, bottom) = rdl_bottom_fold(ctx, w)?;
    let (s, cfg) = (ctx.s, ctx.cfg);
    let threshold = cfg.scaled(cfg.rdl_rounding_max_deg, 0.0) + margin;
    Ok((fold > threshold).then(|| Fault {
        measure: with_noise_margin("fold of the back at mid-trunk at the bottom", margin),
        measured: fold,
        threshold,
        unit: DEG,
        major: cfg.rdl_rounding_max_deg,
        span: (s.t(bottom.from), s.t(bottom.to)),
        cue: cue::RDL_ROUNDING,
    }))
}

/// A measure's name, followed by the noise margin its limit includes where that is a degree or
/// more once rounded.
fn with_noise_margin(measure: &str, margin: f64) -> String {
    if margin < 0.5 {
        return measure.into();
    }
    let unit = if format!("{margin:.0}") == "1" {
        "degree"
    } else {
        "degrees"
    };
    format!("{measure} (limit includes {margin:.0} {unit} for the outline's noise)")
}

/// A back already rounded when the bar leaves the floor, which a comparison with the set-up
/// cannot see: the fold at lift-off ([`lift_off_fold`]) beyond
/// [`Config::mid_back_lift_off_fold_max_deg`] plus the noise margin. `Ok(None)` when the fold
/// cannot be read there: the added-rounding measures still judge the rep.
fn rounded_at_lift_off(ctx: &Ctx, raw: &RawRep, comparable: &[bool]) -> Measured<Option<Fault>> {
    let (fold, margin, lift_off) = match lift_off_fold(ctx, raw, comparable) {
        Ok(v) => v,
        Err(e) if e.starts_with(IMPLAUSIBLE_OUTLINE) => return Err(e),
        Err(_) => return Ok(None),
    };
    let s = ctx.s;
    let cfg = ctx.cfg;
    let threshold = cfg.scaled(cfg.mid_back_lift_off_fold_max_deg, 0.0) + margin;
    let from = lift_off.saturating_sub(s.frames(LIFT_OFF_FOLD_WINDOW_S));
    Ok((fold > threshold).then(|| Fault {
        measure: with_noise_margin("fold of the back at mid-trunk as the bar leaves the floor", margin),
        measured: fold,
        threshold,
        unit: DEG,
        major: cfg.mid_back_lift_off_fold_max_deg,
        span: (s.t(from), s.t(lift_off)),
        cue: cue::UPPER_BACK_SETUP,
    }))
}

/// An added bend or fold of the back outline beyond this, degrees, is not the spine: the
/// renderer's strongest rounding (40 degrees of thoracic flexion) reads at most 29 on the
/// rounding-under-load suite (seed 97), while the outline of a lifter whom the pose model is
/// about to lose read 46-53 (seed 41 clip 043; `scripts/synth/measure.py back`).
const MAX_PLAUSIBLE_BACK_CHANGE_DEG: f64 = 45.0;
/// How the reason for an implausible outline starts (it makes the whole rounding check not
/// assessable, not just one region of the back).
pub(super) const IMPLAUSIBLE_OUTLINE: &str = "back outline implausible";

/// Upper/mid back, lower back and RDL rounding, from the back outline.
pub(super) fn back_rounding(ctx: &Ctx, check: CheckId, raw: &RawRep, w: &Windows) -> Measured<Option<Fault>> {
    let (s, cfg) = (ctx.s, ctx.cfg);
    if !s.has_back_outline {
        return Err(
            "no back outline (segmentation mask) for this clip; keypoints alone cannot show spine rounding".into(),
        );
    }
    back_outline_view(ctx)?;
    if check == CheckId::RdlBackRounding {
        return rdl_rounded_at_bottom(ctx, w);
    }
    let region = |clean, raw, name, limit, hold_s| BackRegion {
        clean,
        raw,
        name,
        limit,
        hold_s,
        judges: true,
    };
    let upper = |limit| {
        region(
            &s.upper_back,
            &s.upper_back_raw,
            "bend of the upper back",
            limit,
            cfg.back_bend_min_hold_s,
        )
    };
    let lower = |limit| {
        region(
            &s.lower_back,
            &s.lower_back_raw,
            "bend of the lower back",
            limit,
            cfg.back_bend_min_hold_s,
        )
    };
    let mid = |limit| {
        region(
            &s.mid_back,
            &s.mid_back_raw,
            "fold of the back at mid-trunk",
            limit,
            0.0,
        )
    };
    let (cue_text, regions) = match check {
        // The upper half's bend judges only when asked (`Config::upper_back_bend_findings`);
        // a bend past what a spine can show still says the outline has left the back.
        CheckId::UpperBackRounding => (
            cue::UPPER_BACK,
            vec![
                BackRegion {
                    judges: cfg.upper_back_bend_findings,
                    ..upper(cfg.upper_back_rounding_max_deg)
                },
                mid(cfg.mid_back_fold_max_deg),
            ],
        ),
        _ => (cue::LOWER_BACK, vec![lower(cfg.lower_back_rounding_max_deg)]),
    };
    // The region whose added bend goes furthest past its limit. Each is judged on its
    // own: one that cannot be measured (an unsteady set-up, say) leaves the others to
    // decide, except an implausible outline, which none can be trusted on.
    let (reference, comparable) = back_reference(ctx, raw, w)?;
    let compared = "since set-up, at a comparable trunk angle";
    let mut worst: Option<(BackRegion, BackChange, f64)> = None;
    let mut first_error = None;
    for region in regions {
        let judged = match change_since_setup(ctx, region.clean, region.raw, region.hold_s, reference, &comparable, w) {
            Ok(c) => c,
            Err(e) if e.starts_with(IMPLAUSIBLE_OUTLINE) => return Err(e),
            // A measure that does not judge leaves no reason of its own.
            Err(e) => {
                if region.judges {
                    first_error.get_or_insert(e);
                }
                continue;
            }
        };
        if !region.judges {
            continue;
        }
        let threshold = cfg.scaled(region.limit, 0.0) + judged.margin;
        if worst
            .as_ref()
            .is_none_or(|(_, c, t)| judged.change - threshold > c.change - t)
        {
            worst = Some((region, judged, threshold));
        }
    }
    let added = match worst {
        None => first_error.map_or(Ok(None), Err),
        Some((
            BackRegion {
                clean: series,
                name: region,
                limit,
                hold_s,
                ..
            },
            BackChange {
                change: v,
                base,
                margin,
            },
            threshold,
        )) => Ok((v > threshold).then(|| Fault {
            measure: with_noise_margin(&format!("added {region} {compared}"), margin),
            measured: v,
            threshold,
            unit: DEG,
            major: limit,
            span: {
                // Where the bend held past the limit, not a moment's spike before it.
                let above: Vec<bool> = (0..s.n)
                    .map(|f| comparable[f] && series[f] - base > threshold)
                    .collect();
                let held = held_stretches(&above, ctx.hold_frames(hold_s));
                ctx.span(w.pull, |f| held[f])
            },
            cue: cue_text,
        })),
    };
    // The upper back can also be rounded before the pull, which nothing added since the
    // set-up shows; the finding that goes further past its limit is reported.
    let at_lift_off = match check {
        CheckId::UpperBackRounding => rounded_at_lift_off(ctx, raw, &comparable)?,
        _ => None,
    };
    let fault = match (added, at_lift_off) {
        (Ok(Some(a)), Some(b)) => Some(if b.excess() / b.major > a.excess() / a.major {
            b
        } else {
            a
        }),
        (Ok(a), b) => a.or(b),
        (Err(_), Some(b)) => Some(b),
        (Err(e), None) => return Err(e),
    };
    Ok(fault)
}
