//! The top of the rep: incomplete lockout, leaning back, and the Romanian deadlift's knees.

use super::*;

/// At lockout a knee angle below this is not a lockout attempt but a keypoint error, degrees:
/// incomplete lockouts leave the knees 7-24 degrees short of straight (the rendered suites'
/// labels; peers call under 170 incomplete), whereas the lockout knee readings under 150 on the
/// rendered suites (108-149, on good or lean-back lockouts) came from a knee keypoint pulled
/// towards the plate hub, and their hip angles (which use the knee) were off with them
/// (`liftcheck analyze --json`, rep metric `lockout_knee_deg`).
const LOCKOUT_KNEE_PLAUSIBLE_MIN_DEG: f64 = 150.0;
/// Least visibility the pose model must give the knee for the hip and knee angles at lockout to
/// be judged (the hip angle uses the knee too); below it the knee counts as hidden and the rep is
/// judged from the back outline, or not at all. At lockout the near plate often covers the knee,
/// and BlazePose then guesses it, usually bent: over the rendered suites (the fixtures, seeds 97,
/// 201-203, 301-311 and 402) the knee-angle path of this rule found one true incomplete lockout
/// and four false ones on straight knees read 152-158 degrees, their knees seen at a median
/// visibility of 0.25-0.77 over the 12 frames from lockout (`python3 scripts/synth/measure.py
/// lockout-knees DIR...`, frames without a pose counting 0). The true one was read on the last
/// frame of a four-frame lockout, where the knee's visibility had dropped to 0.59 (0.86-0.95
/// before it), so it is lost too. Set before held-out seed 204 was scored.
const LOCKOUT_KNEE_MIN_VISIBILITY: f64 = 0.8;
/// How long a lean-back reading must last, seconds: none. Unlike a head position or a bar
/// drifting through the pull, a lean-back happens at lockout, which can be brief: held-out seed
/// 204 had true lean-backs past their limit for 0.07 and 0.10 s from first to last frame (`python3
/// scripts/synth/measure.py --config F findings DIR...`, F setting `finding_min_hold_s` to 0), which
/// the 0.15 s hold of [`Config::finding_min_hold_s`] lost, as it lost one on seed 307; it removed
/// two false lean-backs (of one and two frames) elsewhere.
pub(super) const LEAN_BACK_HOLD_S: f64 = 0.0;
/// A lean-back reading beyond this, degrees back past vertical, is a keypoint error, not a lifter
/// leaning (nobody stands leaning back that far holding a bar; the true lean-backs of the rendered
/// suites read at most 26 on the trunk): the rep's lean-back is then not assessable from that
/// reading. Rendered seed 311 clip 005 read its trunk 91 degrees back on one frame. The same
/// bound as the back outline's `MAX_PLAUSIBLE_BACK_CHANGE_DEG`.
const LEAN_BACK_PLAUSIBLE_MAX_DEG: f64 = 45.0;
/// Fewest frames with a back outline in the lockout window for the outline to stand in for the
/// hidden hip ([`lockout_outline_lean`]): the mask is read 15 times a second while standing
/// (`track::mask_after`), so a lockout held 0.2 s has 3.
const MIN_LOCKOUT_OUTLINES: usize = 3;
/// Ideal knee angle at the bottom of a Romanian deadlift, degrees, which `--strictness` scales the
/// locked-knee limit around: soft, bent 20 degrees. The article asks only for slightly bent
/// knees; the renders bend soft knees 14-22 degrees (`rdl_knee` in
/// `scripts/synth/liftsynth/config.py`).
const RDL_KNEE_IDEAL_DEG: f64 = 160.0;
/// A lockout seen for less than this before the lifter is lost (or the clip ends) is not judged,
/// seconds: the top of the pull may fall in the frames without a pose. On rendered seed 701 clip
/// 007 (portrait, stored turned) the pose model lost the lifter for 0.9 s from two frames after
/// the bar's last rising reading; the lockout was read on those two frames, knees at 156-161
/// degrees, and both reps came out as false incomplete lockouts. Held lockouts last longer than
/// this (the renders hold 0.3 s or more, `liftcheck analyze`'s `Hold s`), and a touch-and-go top,
/// however brief, has its descent in sight, which this does not affect.
const LOCKOUT_SEEN_BEFORE_LOSS_MIN_S: f64 = 0.2;

/// The most upright lean of the back outline over the lockout window (side views only: from
/// elsewhere the silhouette's edge is not the back's line). No hold: its least value is where the
/// trunk came most upright, and a moment upright is enough to show the hips came through.
pub(super) fn lockout_outline_lean(ctx: &Ctx, l: Win) -> Measured<f64> {
    lockout_outline_min(ctx, &ctx.s.outline_lean, l, 0.0)
}

/// The least value held for `hold_s` over the lockout window of a series read from the back
/// outline ([`Ctx::held_min_in`]), on side views where the outline was seen on enough of the
/// window's frames (counted on `outline_lean_raw`, which has a value wherever an outline was
/// read).
pub(super) fn lockout_outline_min(ctx: &Ctx, series: &[f64], l: Win, hold_s: f64) -> Measured<f64> {
    if !ctx.side_view {
        return Err("the back outline's lean is read from side views only".into());
    }
    let s = ctx.s;
    let seen = s.outline_lean_raw[l.from..=l.to].iter().filter(|v| !v.is_nan()).count();
    if seen < MIN_LOCKOUT_OUTLINES {
        return Err(format!(
            "back outline seen on {seen} frames of the lockout (needs {MIN_LOCKOUT_OUTLINES})"
        ));
    }
    ctx.held_min_in(series, l, hold_s, "back outline", "lockout")
}

/// Most forward lean of the back outline at lockout that still reads as upright, degrees:
/// [`Config::lockout_outline_lean_max_deg`] scaled by strictness around vertical. Past it the
/// outline shows an incomplete lockout; within it, hips that came through.
fn outline_upright_max(cfg: &Config) -> f64 {
    cfg.scaled(cfg.lockout_outline_lean_max_deg, 0.0)
}

/// Incomplete lockout where the hip or knee cannot be read (`unread` says why): the trunk still
/// leaning forward at its most upright, read from the back outline. Only a fault is reported: an
/// upright outline shows the hips came through, not that the knees straightened, so the rep
/// stays not assessable then. Conventional pulls (sumo ones included), the lifts the limit was
/// measured on.
fn incomplete_lockout_from_outline(ctx: &Ctx, raw: &RawRep, l: Win, unread: String) -> Measured<Fault> {
    if raw.variant != LiftVariant::Conventional || !ctx.side_view || !ctx.s.has_back_outline {
        return Err(unread);
    }
    let lean = lockout_outline_lean(ctx, l).map_err(|why| format!("{unread}; {why}"))?;
    let cfg = ctx.cfg;
    let threshold = outline_upright_max(cfg);
    if lean <= threshold {
        return Err(format!(
            "{unread}; the back outline shows the hips through (forward lean {lean:.1} degrees, limit \
             {threshold:.1}) but cannot show whether the knees straightened"
        ));
    }
    shoulders_not_back_as_in_a_full_lockout(ctx, l, lean).map_err(|why| format!("{unread}; {why}"))?;
    Ok(Fault {
        measure: "back outline's forward lean at its most upright in the lockout (hip or knee hidden)".into(),
        measured: lean,
        threshold,
        unit: DEG,
        major: cfg.lockout_outline_lean_max_deg,
        span: ctx.span(l, |f| ctx.s.outline_lean[f] > threshold),
        cue: cue::LOCKOUT,
    })
}

/// A back outline read still leaning forward at lockout is believed only if the shoulders, at
/// their furthest back, sit no further behind the mid-foot than standing tall
/// ([`BODY_LEAN_NEUTRAL_BACK_DEG`], not scaled by strictness), where the mid-foot-to-shoulder line
/// is read. Hips left back under a trunk still leaning forward keep the shoulders over the feet;
/// shoulders as far back as in a full lockout, or further, say the lifter stood tall and the
/// outline is off. Over all 34 rendered sets (`python3 scripts/synth/measure.py
/// lockout-outline-lean DIR...`, column `body_back`), the 25 true incomplete lockouts found on the
/// outline had the shoulders -2.7 to 3.4 degrees back; three false ones, on reps with a lean-back or
/// a lifted head, 5.3, 8.4 and 11.4.
fn shoulders_not_back_as_in_a_full_lockout(ctx: &Ctx, l: Win, outline_lean: f64) -> Measured<()> {
    let Some(body_lean) = shoulders_furthest_back(ctx, l) else {
        return Ok(());
    };
    if body_lean < BODY_LEAN_NEUTRAL_BACK_DEG {
        return Ok(());
    }
    Err(format!(
        "the back outline reads {outline_lean:.1} degrees forward at lockout, but the shoulders sit as far \
         behind the mid-foot as standing tall or further ({body_lean:.1} degrees, upright \
         {BODY_LEAN_NEUTRAL_BACK_DEG}): the outline is likely off"
    ))
}

/// `series` (an angle at or using the knee) where the knee is in sight
/// ([`LOCKOUT_KNEE_MIN_VISIBILITY`]), `NaN` elsewhere.
pub(super) fn knee_in_sight(s: &Series, series: &[f64]) -> Vec<f64> {
    series
        .iter()
        .zip(&s.knee_visibility)
        .map(|(&v, &vis)| {
            if vis >= LOCKOUT_KNEE_MIN_VISIBILITY {
                v
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Leaning back at lockout from the keypoints: the trunk (hip to shoulder) past vertical, believed
/// only with the shoulders behind the mid-foot as well ([`shoulders_behind_as_in_a_lean_back`]).
/// Where the near plate hides the hip the keypoints give no reading: the mid-foot-to-shoulder
/// line, read there before, puts good lockouts and lean-backs in the same range (on the renders'
/// own keypoints lockouts without a lean-back lean up to 7.3 degrees back on it, lean-backs
/// 6.8-10.4), and over the
/// rendered sets at hand it gave three false findings and no true one
/// (`scripts/synth/judgement.md`). The back outline judges those reps.
fn lean_back_from_keypoints(ctx: &Ctx, l: Win) -> Measured<Option<Fault>> {
    let (s, cfg) = (ctx.s, ctx.cfg);
    let hold_s = LEAN_BACK_HOLD_S;
    let most_back = ctx.held_min_in(&s.trunk, l, hold_s, "shoulder or hip", "lockout")?;
    let lean = plausible_lean_back(-most_back, "the trunk")?;
    let threshold = cfg.scaled(cfg.lockout_lean_back_max_deg, 0.0);
    if lean > threshold {
        shoulders_behind_as_in_a_lean_back(ctx, l, lean)?;
    }
    Ok((lean > threshold).then(|| Fault {
        measure: "trunk lean back past vertical at lockout".into(),
        measured: lean,
        threshold,
        unit: DEG,
        major: cfg.lockout_lean_back_max_deg,
        span: ctx.held_span(l, hold_s, |f| -s.trunk[f] > threshold),
        cue: cue::LEAN_BACK,
    }))
}

/// A trunk read leaning back past its limit is believed only if the shoulders also sit further
/// behind the mid-foot than in an upright lockout ([`BODY_LEAN_NEUTRAL_BACK_DEG`], not scaled by
/// strictness), where the mid-foot-to-shoulder line is read: a trunk leaning back carries the
/// shoulders back with it (the rendered lean-backs' true lines read 6.8-10.4 degrees back, the
/// other 198 lockouts at most 7.3: `python3 scripts/synth/measure.py lockout DIR...` on the
/// sets of `scripts/synth/judgement.md`), so a trunk leaning back over shoulders no further back
/// than standing tall says the hip keypoint is off, pulled towards the plate beside it.
/// Otherwise the rep's lean-back is not assessable from the keypoints (the back outline may
/// still judge it). As
/// read, the margin is thin: over all rendered side-view pulls, the four true lean-backs whose
/// trunk read past its limit had the shoulders 4.9-14.9 degrees back, the two false ones 2.7 and
/// 2.9 (`scripts/synth/measure.py lean-back`: the rep metrics `lockout_lean_back_deg` and
/// `lockout_body_lean_back_deg`; `scripts/synth/judgement.md`).
fn shoulders_behind_as_in_a_lean_back(ctx: &Ctx, l: Win, trunk_lean: f64) -> Measured<()> {
    let Some(body_lean) = shoulders_furthest_back(ctx, l) else {
        return Ok(());
    };
    if body_lean > BODY_LEAN_NEUTRAL_BACK_DEG {
        return Ok(());
    }
    Err(format!(
        "the trunk reads {trunk_lean:.1} degrees back at lockout, but the shoulders sit no further \
         behind the mid-foot than standing tall ({body_lean:.1} degrees, upright {BODY_LEAN_NEUTRAL_BACK_DEG}): \
         the hip keypoint is likely off"
    ))
}

/// How far the shoulders sit behind the mid-foot at their furthest back over the lockout window
/// (the mid-foot-to-shoulder line past vertical, degrees), where that line is read.
fn shoulders_furthest_back(ctx: &Ctx, l: Win) -> Option<f64> {
    let most_back = ctx.held_min_in(&ctx.s.body_lean, l, LEAN_BACK_HOLD_S, "shoulder", "lockout");
    most_back.ok().map(|v| -v)
}

/// `lean` (degrees back past vertical, read on `reading`), unless it is beyond
/// [`LEAN_BACK_PLAUSIBLE_MAX_DEG`].
pub(super) fn plausible_lean_back(lean: f64, reading: &str) -> Measured<f64> {
    if lean > LEAN_BACK_PLAUSIBLE_MAX_DEG {
        return Err(format!(
            "{reading} reads {lean:.0} degrees back at lockout, more than a lifter can lean: a keypoint error"
        ));
    }
    Ok(lean)
}

/// Leaning back at lockout from the back outline alone: its whole line past vertical
/// ([`super::back::whole_lean`]), seen from the side. A Romanian deadlift's top is the same
/// standing posture as a conventional lockout, and reads alike: over all 33 rendered sets
/// (`python3 scripts/synth/measure.py lean-back DIR...`), its 26 side-view reps without a
/// lean-back read at most 3.1 degrees back, its four lean-backs 5.7-8.4.
fn lean_back_from_outline(ctx: &Ctx, l: Win) -> Measured<Option<Fault>> {
    let hold_s = LEAN_BACK_HOLD_S;
    let lean = plausible_lean_back(
        -lockout_outline_min(ctx, &ctx.s.outline_whole_lean, l, hold_s)?,
        "the back outline's line",
    )?;
    let cfg = ctx.cfg;
    let threshold = cfg.scaled(cfg.lockout_outline_lean_back_max_deg, OUTLINE_LEAN_BACK_GOOD_DEG);
    Ok((lean > threshold).then(|| Fault {
        measure: "back outline's line leaning back past vertical at lockout".into(),
        measured: lean,
        threshold,
        unit: DEG,
        major: cfg.lockout_outline_lean_back_max_deg - OUTLINE_LEAN_BACK_GOOD_DEG,
        span: ctx.held_span(l, hold_s, |f| -ctx.s.outline_whole_lean[f] > threshold),
        cue: cue::LEAN_BACK,
    }))
}

/// A hip or knee read short of straight at lockout is believed only if the back outline, where it
/// is read, does not show the trunk upright (forward lean at most
/// [`Config::lockout_outline_lean_max_deg`]); otherwise the rep is not assessable. Before this
/// check, over all 33 rendered sets (`python3 scripts/synth/measure.py lockout-thighs DIR...`),
/// the keypoint reading found no true incomplete lockout and five false ones: knees read 160 and
/// 165 degrees on straight legs, hips read 163 and 164 on a Romanian deadlift's lean-back, a hip
/// read 141 on a rep with a rounded back. Every true one was read from the outline, the plate
/// hiding the hip or knee. Three of the five false ones had an upright outline (-8.0 to -5.4
/// degrees). With the knees straight, a hip cannot stay bent under an upright trunk unless the
/// feet sit out in front (a lean-back, judged by its own rule); a knee read bent under an upright
/// trunk was, on every rendered lockout, the pose model bending a straight leg.
fn outline_not_upright(ctx: &Ctx, l: Win, joint: &str, measured: f64, threshold: f64) -> Measured<()> {
    // No outline read on this lockout (or not a side view): nothing contradicts the keypoints.
    let Ok(lean) = lockout_outline_lean(ctx, l) else {
        return Ok(());
    };
    let upright = outline_upright_max(ctx.cfg);
    if lean > upright {
        return Ok(());
    }
    Err(format!(
        "the {joint} reads {measured:.0} degrees at lockout (limit {threshold:.0}), but the back outline \
         shows the trunk upright (forward lean {lean:.1} degrees, limit {upright:.1}): the {joint}'s \
         keypoints are likely off"
    ))
}

/// Hips or knees short of straight at lockout.
pub(super) fn incomplete_lockout(ctx: &Ctx, raw: &RawRep, w: &Windows) -> Measured<Option<Fault>> {
    let (s, cfg) = (ctx.s, ctx.cfg);
    let l = seen_lockout(ctx, w)?;
    let joints = || -> Measured<(f64, f64)> {
        ctx.need(&s.hip, l, "shoulder, hip or knee", "lockout")?;
        ctx.need(&s.knee, l, "hip, knee or ankle", "lockout")?;
        let (hip, knee) = (knee_in_sight(s, &s.hip), knee_in_sight(s, &s.knee));
        ctx.need(&knee, l, "knee", "lockout").map_err(|_| {
            format!(
                "the pose model does not see the knee clearly (visibility under {LOCKOUT_KNEE_MIN_VISIBILITY}) on \
                 enough of the lockout: it is likely guessed behind the plate"
            )
        })?;
        let (hip, _) = ctx.max_in(&hip, l, "shoulder, hip or knee", "lockout")?;
        let (knee, _) = ctx.max_in(&knee, l, "hip, knee or ankle", "lockout")?;
        if knee < LOCKOUT_KNEE_PLAUSIBLE_MIN_DEG {
            return Err(format!(
                "knee reads {knee:.0} degrees at lockout, a squat's bend: its keypoint is likely a guess \
                 behind the plate"
            ));
        }
        Ok((hip, knee))
    };
    let (hip, knee) = match joints() {
        Ok(angles) => angles,
        // In most side views the near plate hides the hip or knee at lockout.
        Err(unread) => {
            let fault = incomplete_lockout_from_outline(ctx, raw, l, unread)?;
            return Ok(Some(fault));
        }
    };
    let hip_t = cfg.scaled(cfg.lockout_hip_min_deg, 180.0);
    let knee_t = cfg.scaled(cfg.lockout_knee_min_deg, 180.0);
    let hip_x = hip_t - hip;
    let knee_x = knee_t - knee;
    // The joint further short of its limit is reported.
    let (joint, measured, threshold, excess, limit) = if hip_x >= knee_x {
        ("hip", hip, hip_t, hip_x, cfg.lockout_hip_min_deg)
    } else {
        ("knee", knee, knee_t, knee_x, cfg.lockout_knee_min_deg)
    };
    if excess <= 0.0 {
        return Ok(None);
    }
    outline_not_upright(ctx, l, joint, measured, threshold)?;
    Ok(Some(Fault {
        measure: format!("largest {joint} angle at lockout"),
        measured,
        threshold,
        unit: DEG,
        major: 180.0 - limit,
        span: (s.t(l.from), s.t(l.to)),
        cue: cue::LOCKOUT,
    }))
}

/// The rep's lockout window, unless its top may be unseen: a lockout seen on fewer frames than
/// [`LOCKOUT_SEEN_BEFORE_LOSS_MIN_S`] spans and followed by the end of the clip, or by frames
/// where the bar's height is unknown instead of its descent. The bar's height goes unknown only
/// where neither hands, shoulders (which stand in for hidden hands) nor a plate are seen, over a
/// gap longer than cleaning fills in: in practice, the pose model has lost the lifter.
fn seen_lockout(ctx: &Ctx, w: &Windows) -> Measured<Win> {
    let s = ctx.s;
    let l = w.lockout.ok_or("no lockout found")?;
    // Counted in frames, as the other holds: a sum of timestamps would decide a window of
    // exactly the limit on its last bits.
    let seen_frames = l.to + 1 - l.from;
    if seen_frames >= ctx.hold_frames(LOCKOUT_SEEN_BEFORE_LOSS_MIN_S) {
        return Ok(l);
    }
    let seen_s = seen_frames as f64 / s.fps();
    let next = l.to + 1;
    if next >= s.n {
        return Err(format!(
            "the clip ends {seen_s:.2} s into the lockout: the top of the pull may not be in it"
        ));
    }
    if !s.bar_h[next].is_nan() {
        return Ok(l);
    }
    let found_again = (next..s.n).find(|&f| !s.bar_h[f].is_nan());
    let lost_until = found_again.map_or_else(|| "the end".to_string(), |f| format!("{:.1} s", s.t(f)));
    Err(format!(
        "the lifter and bar are out of sight from {:.1} s to {lost_until}, {seen_s:.2} s into the lockout: \
         the top of the pull may not have been seen",
        s.t(next)
    ))
}

/// Leaning back at lockout, from the keypoints or the back outline.
pub(super) fn lean_back_at_lockout(ctx: &Ctx, w: &Windows) -> Measured<Option<Fault>> {
    let l = seen_lockout(ctx, w)?;
    // The keypoints' reading and the back outline's: a lean-back either shows is
    // reported, the one further past its limit when both do.
    let fault = match (lean_back_from_keypoints(ctx, l), lean_back_from_outline(ctx, l)) {
        (Ok(Some(a)), Ok(Some(b))) => Some(if b.excess() / b.major > a.excess() / a.major {
            b
        } else {
            a
        }),
        (Ok(a), Ok(b)) => a.or(b),
        (Ok(a), Err(_)) | (Err(_), Ok(a)) => a,
        (Err(keypoints), Err(outline)) => return Err(format!("{keypoints}; {outline}")),
    };
    Ok(fault)
}

/// Romanian deadlift: knees locked straight at the bottom.
pub(super) fn rdl_knees_locked(ctx: &Ctx, w: &Windows) -> Measured<Option<Fault>> {
    let (s, cfg) = (ctx.s, ctx.cfg);
    let b = w.bottom.ok_or("no bottom position found")?;
    ctx.need(&s.knee, b, "hip, knee or ankle", "bottom of the rep")?;
    let v = signal::median(s.knee[b.from..=b.to].iter().copied());
    let threshold = cfg.scaled(cfg.rdl_knee_locked_min_deg, RDL_KNEE_IDEAL_DEG);
    Ok((v > threshold).then(|| Fault {
        measure: "knee angle at the bottom".into(),
        measured: v,
        threshold,
        unit: DEG,
        major: 180.0 - cfg.rdl_knee_locked_min_deg,
        span: (s.t(b.from), s.t(b.to)),
        cue: cue::RDL_KNEES,
    }))
}
