//! Reps and their events from the bar's height.
//!
//! The bar height is split into "low" and "high" zones with hysteresis (levels at fractions of its
//! range), so jitter never toggles a state and a partial pull that never reaches the high level
//! merges into the low zone around it. A conventional rep is a high zone with a low zone on both
//! sides (floor, lockout, floor): the set-up hinge before the first rep and standing up after
//! letting go of the bar are one-sided and never count. A Romanian deadlift rep is a low zone
//! with a high zone on both sides (standing, bottom, standing).
//!
//! A clip that starts at the floor and ends at lockout, or whose bar is last seen on its way down
//! from lockout, counts that pull when it is the clip's only one, or when the plate was seen
//! rising. Known limit: after a complete rep, a clip that ends at lockout with no plate followed
//! loses that last rep, because releasing the bar and standing up looks the same to the wrists
//! (real clip 17).

use super::config::Config;
use super::kinematics::{BarHeightFrom, Body, Series, phase_between};
use super::signal;
use super::{LiftVariant, Phase};

/// Percentiles of the bar height (short spikes removed, [`despiked`]) taken as its floor and top.
/// Robust to a wrong stretch of up to a twentieth of the frames where the bar is seen, such as a
/// pose model's garbled skeleton for a third of a second at the start of a rendered clip, which
/// at the 1st and 99th percentiles stretched the range until no rep reached its top. The cost: a
/// floor or top the bar touches on fewer frames than that (a Romanian deadlift's brief bottom, a
/// touch-and-go set without a set-up pause) reads a little inside its true level, which the
/// hysteresis levels (`rep_low_frac`, `rep_high_frac`, well inside the range) absorb.
const RANGE_PERCENTILES: (f64, f64) = (5.0, 95.0);

/// Time near the floor (within the event tolerance) shorter than this between two reps makes the
/// second one touch-and-go (calibrate: a bar slowing onto the floor and speeding off it spends
/// ~0.4 s that close to it without any pause; a dead stop re-sets for a second or more).
const TOUCH_AND_GO_MAX_REST_S: f64 = 0.6;

/// Shortest lift-off-to-lockout time of a pull, seconds. The bar rises about half a metre, so a
/// faster pull would average over 2 m/s. The fastest detected pulls are 0.47 s on the rendered
/// suites and 0.61 s on the real clips (`liftcheck analyze --json`, `tempo.pull_s`), whereas a cut
/// in the video from a bent-over lifter to a standing one reads as a "pull" of 0.10-0.17 s (the
/// looped benchmark clips of `scripts/bench.sh`, at a peak bar speed of 3.8 m/s).
const MIN_PULL_S: f64 = 0.25;

/// Fewest bar heights a pull must show in the middle half of its travel, between lift-off and
/// lockout: a rise no frame shows under way is two unrelated readings joined across a gap, not a
/// pull that was watched. Rendered seed 1002 clip 008 starts with the lifter standing beside the
/// bar: one stray reading of the hands low on the first frame, then none for 0.8 s, then the
/// hands at the thighs, made a rep of the walk-up. A pull seen only in part (the lifter lost near
/// lockout, seed 202 clip 005: 24 of its 53 frames) still shows it.
const MIN_PULL_MID_TRAVEL_READINGS: usize = 2;

/// Percentile of hip height over the high zones taken as standing hip height.
const STANDING_HIP_PERCENTILE: f64 = 95.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Low,
    High,
}

#[derive(Clone, Copy, Debug)]
struct Zone {
    kind: Kind,
    first: usize,
    last: usize,
}

/// A rep as frame positions.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRep {
    pub number: usize,
    pub start: usize,
    pub end: usize,
    pub lift_off: Option<usize>,
    pub knee_pass: Option<usize>,
    pub lockout: Option<usize>,
    pub descent_start: Option<usize>,
    pub bottom: Option<usize>,
    pub set_down: Option<usize>,
    pub touch_and_go: bool,
    pub rest_before_s: Option<f64>,
    pub variant: LiftVariant,
}

impl RawRep {
    pub fn phase_at(&self, f: usize) -> Phase {
        match self.variant {
            LiftVariant::Romanian => {
                let bottom = self.bottom.unwrap_or(self.start);
                if f < bottom {
                    Phase::Lower
                } else if f < self.end {
                    Phase::Pull
                } else {
                    Phase::Lockout
                }
            }
            _ => {
                let lockout = self.lockout.unwrap_or(self.end);
                let descent = self.descent_start.unwrap_or(self.end);
                phase_between(f, (self.start, lockout), descent)
            }
        }
    }
}

pub struct Detected {
    /// Conventional or Romanian (resolved from `Auto`).
    pub variant: LiftVariant,
    /// `Auto` was resolved from the motion (not assumed because the motion did not show it).
    pub inferred: bool,
    pub reps: Vec<RawRep>,
    /// Why there are no reps, when there are none.
    pub no_reps_reason: Option<String>,
    /// Bar height (canonical, pixels) below which the bar is down for the whole clip: at the
    /// floor, or at a Romanian deadlift's bottom. `NaN` when the bar was never seen.
    pub bar_down: f64,
}

/// What the lifter should know goes into `notes`, how the variant was told into `details`.
pub fn detect(
    s: &Series,
    body: &Body,
    requested: LiftVariant,
    cfg: &Config,
    notes: &mut Vec<String>,
    details: &mut Vec<String>,
) -> Detected {
    let h = &s.bar_h;
    let steady = despiked(s);
    let lo = signal::percentile(steady.iter().copied(), RANGE_PERCENTILES.0);
    let hi = signal::percentile(steady.iter().copied(), RANGE_PERCENTILES.1);
    let range = hi - lo;
    let bar_down = lo + cfg.rep_low_frac * range;
    let fallback = if requested == LiftVariant::Auto {
        LiftVariant::Conventional
    } else {
        requested
    };
    let none = |reason: String| Detected {
        variant: fallback,
        inferred: false,
        reps: Vec::new(),
        no_reps_reason: Some(reason),
        bar_down,
    };
    let Some(leg) = body.leg_px else {
        return none("the lifter's legs and trunk were never visible".into());
    };
    if !range.is_finite() {
        return none("the hands (bar) were never visible".into());
    }
    if range < cfg.min_bar_travel_leg_frac * leg {
        return none(format!(
            "the bar moved only {:.0}% of leg length (a rep needs {:.0}%)",
            100.0 * range / leg,
            100.0 * cfg.min_bar_travel_leg_frac
        ));
    }
    let high_level = lo + cfg.rep_high_frac * range;
    let mut zones: Vec<Zone> = Vec::new();
    for (f, &v) in h.iter().enumerate() {
        let kind = if v.is_nan() {
            continue;
        } else if v <= bar_down {
            Kind::Low
        } else if v >= high_level {
            Kind::High
        } else {
            continue;
        };
        match zones.last_mut() {
            Some(z) if z.kind == kind => z.last = f,
            _ => zones.push(Zone {
                kind,
                first: f,
                last: f,
            }),
        }
    }
    let hinges = hinge_candidates(s, &zones, leg, cfg);
    let inferred = match requested {
        LiftVariant::Auto => infer_variant(s, body, &zones, &hinges, leg, cfg, details),
        _ => None,
    };
    let variant = match requested {
        LiftVariant::Auto => inferred.unwrap_or_else(|| {
            notes.push(
                "lift variant could not be inferred (hips not seen standing, knees not seen clearly at the bottom): \
                 conventional assumed"
                    .into(),
            );
            LiftVariant::Conventional
        }),
        given => {
            // A lift set by the user is judged as such, but a motion that says otherwise is
            // worth a note: a Romanian deadlift judged as a conventional pull finds no reps.
            let mut why = Vec::new();
            if let Some(seen) = infer_variant(s, body, &zones, &hinges, leg, cfg, &mut why)
                && seen != given
            {
                notes.push(format!(
                    "judged as a {} as set, but the motion looks like a {} ({})",
                    given.title(),
                    seen.title(),
                    why.join("; ")
                ));
            }
            given
        }
    };
    let tol = cfg.event_tolerance_frac * range;
    if variant == LiftVariant::Romanian {
        let bracketed_lows = (1..zones.len().saturating_sub(1))
            .filter(|&i| zones[i].kind == Kind::Low)
            .count();
        if hinges.len() < bracketed_lows {
            notes.push(format!(
                "{} pull(s) from the floor at the start or end of the set (picking the bar up, setting it \
                 down) not counted as Romanian deadlift reps",
                bracketed_lows - hinges.len()
            ));
        }
    }
    let mut reps = Vec::new();
    for i in 1..zones.len().saturating_sub(1) {
        let (prev, z, next) = (zones[i - 1], zones[i], zones[i + 1]);
        let rep = match (variant, z.kind) {
            (LiftVariant::Romanian, Kind::Low) if hinges.contains(&i) => romanian_rep(s, prev, z, next, tol),
            (LiftVariant::Conventional, Kind::High) => conventional_rep(s, &steady, prev, z, next, tol),
            _ => None,
        };
        let Some(mut rep) = rep else { continue };
        if s.t(rep.end) - s.t(rep.start) < cfg.min_rep_s || not_a_pull(s, &rep, notes) {
            continue;
        }
        set_rest_before(s, &mut rep, reps.last());
        rep.number = reps.len() + 1;
        reps.push(rep);
    }
    // A clip that starts at the floor and ends at lockout (concentric only, as trimmed clips
    // often are), or ends with the bar on its way down before it reaches the floor (or with the
    // lifter lost there), has a trailing low-high pair and no complete rep. With a complete rep
    // before it, the same pair is far more often the lifter letting go of the bar and standing up,
    // which the wrists cannot tell apart, so it is only counted when it is the clip's only pull,
    // or when the plate gave the bar's height there: a plate that rose was lifted.
    if variant == LiftVariant::Conventional && zones.len() >= 2 {
        let (prev, last) = (zones[zones.len() - 2], zones[zones.len() - 1]);
        if prev.kind == Kind::Low && last.kind == Kind::High {
            let at_lockout = h[last.last + 1..].iter().all(|v| v.is_nan());
            // After complete reps, only a plate seen rising tells a last pull from standing up:
            // the plate, not the hands, rose, so the bar was lifted rather than left on the floor.
            let plate_up = !reps.is_empty() && plate_rose(body, &last);
            if reps.is_empty() || plate_up {
                if let Some(mut rep) = trailing_rep(s, &steady, prev, last, tol)
                    && s.t(rep.end) - s.t(rep.start) >= cfg.min_rep_s
                    && !not_a_pull(s, &rep, notes)
                {
                    rep.number = reps.len() + 1;
                    set_rest_before(s, &mut rep, reps.last());
                    let seen = if plate_up { ", with the plate seen up" } else { "" };
                    notes.push(if at_lockout {
                        format!("the clip ends at lockout{seen}: its last pull is counted without a set-down")
                    } else {
                        format!(
                            "the bar is last seen on its way down from lockout{seen}: the pull is counted without a \
                             set-down"
                        )
                    });
                    reps.push(rep);
                } else if plate_up {
                    notes.push("the bar rises with the plate after the last rep, but not as a pull that counts".into());
                }
            } else if at_lockout {
                notes.push(
                    "the clip ends standing after the bar was set down: taken as standing up without the bar \
                     (the hands alone cannot tell it from a last rep that ends the clip at lockout)"
                        .into(),
                );
            } else {
                notes.push(
                    "the hands rise after the last rep and are last seen short of the floor: not counted (the \
                     hands alone cannot tell a pull from standing up without the bar)"
                        .into(),
                );
            }
        }
    }
    let no_reps_reason = reps.is_empty().then(|| match variant {
        LiftVariant::Romanian => "no descent from standing and back up to lockout was found".to_string(),
        _ => "no pull from the floor to lockout and back down was found".to_string(),
    });
    Detected {
        variant,
        inferred: inferred.is_some(),
        reps,
        no_reps_reason,
        bar_down,
    }
}

/// The rest on the floor between `prev`'s set-down and `rep`'s lift-off, and whether that makes
/// `rep` touch-and-go.
fn set_rest_before(s: &Series, rep: &mut RawRep, prev: Option<&RawRep>) {
    if let (Some(down), Some(up)) = (prev.and_then(|p| p.set_down), rep.lift_off) {
        let rest = s.t(up) - s.t(down);
        rep.rest_before_s = Some(rest.max(0.0));
        rep.touch_and_go = rest < TOUCH_AND_GO_MAX_REST_S;
    }
}

/// Whether the bar's height over a high zone came from the plate on most of its frames: the plate
/// itself rose, so the bar was lifted. The hands alone cannot tell a last pull that ends the clip
/// at lockout from letting go of the bar and standing up; the plate can, since it stays on the
/// floor when the lifter stands up without the bar.
fn plate_rose(body: &Body, z: &Zone) -> bool {
    on_most_of(z, |f| body.bar_height_from[f] == BarHeightFrom::Plate)
}

/// Whether `holds` is true on more than half the frames of `z`.
fn on_most_of(z: &Zone, holds: impl Fn(usize) -> bool) -> bool {
    2 * (z.first..=z.last).filter(|&f| holds(f)).count() > z.last - z.first + 1
}

/// Whether `rep`'s rise is no pull that was watched: faster than any deadlift ([`too_fast`]) or
/// never seen under way ([`pull_unseen`]); the notes say which.
fn not_a_pull(s: &Series, rep: &RawRep, notes: &mut Vec<String>) -> bool {
    too_fast(s, rep, notes) || pull_unseen(s, rep, notes)
}

/// Whether `rep`'s pull was never seen under way ([`MIN_PULL_MID_TRAVEL_READINGS`]), noted and
/// not counted. Gaps up to [`Config::max_gap_s`] are filled before this, so the pull must have
/// gone unseen for longer (`max_gap_s` in the configuration). Romanian deadlifts (no lift-off)
/// are not checked, as for [`too_fast`].
fn pull_unseen(s: &Series, rep: &RawRep, notes: &mut Vec<String>) -> bool {
    let (Some(lift_off), Some(lockout)) = (rep.lift_off, rep.lockout) else {
        return false;
    };
    let (floor, top) = (s.bar_h[lift_off], s.bar_h[lockout]);
    let travel = top - floor;
    let mid = (floor + 0.25 * travel)..=(floor + 0.75 * travel);
    let seen = s.bar_h[lift_off..=lockout].iter().filter(|v| mid.contains(*v)).count();
    let unseen = travel > 0.0 && seen < MIN_PULL_MID_TRAVEL_READINGS;
    if unseen {
        notes.push(format!(
            "a rise of the bar from {:.2} s to {:.2} s is not counted as a rep: no frame shows it under way (the \
             bar not seen between)",
            s.t(lift_off),
            s.t(lockout)
        ));
    }
    unseen
}

/// Whether `rep`'s pull is faster than any deadlift ([`MIN_PULL_S`]): a cut in the video or the
/// tracking jumping, noted and not counted.
fn too_fast(s: &Series, rep: &RawRep, notes: &mut Vec<String>) -> bool {
    let (Some(lift_off), Some(lockout)) = (rep.lift_off, rep.lockout) else {
        return false;
    };
    let pull = s.t(lockout) - s.t(lift_off);
    let fast = pull < MIN_PULL_S;
    if fast {
        notes.push(format!(
            "a {pull:.2} s rise of the bar at {:.2} s is not counted as a rep: no pull is that fast \
             (a cut in the video, or the tracking jumping)",
            s.t(lift_off)
        ));
    }
    fast
}

/// Romanian when the bottoms between standing positions are a hinge: the knees stay nearly
/// straight (side views, where the knee angle is read) and the hips barely drop (a little
/// further where the thighs stay upright, read where no knee angle is), without the plates
/// reaching the floor. The variant the motion shows, with the measurements behind it in
/// `evidence`; `None` when neither the knees nor the hips were seen. `hinges` are the low zones
/// that may be bottoms ([`hinge_candidates`]).
fn infer_variant(
    s: &Series,
    body: &Body,
    zones: &[Zone],
    hinges: &[usize],
    leg: f64,
    cfg: &Config,
    evidence: &mut Vec<String>,
) -> Option<LiftVariant> {
    let standing = standing_hip(s, zones);
    let lows: Vec<&Zone> = if hinges.is_empty() {
        zones.iter().filter(|z| z.kind == Kind::Low).collect()
    } else {
        hinges.iter().map(|&i| &zones[i]).collect()
    };
    let min_frames = s.frames(MIN_BOTTOM_S);
    let knee = at_bottoms(&s.knee, &lows, BOTTOM_KNEE_PERCENTILE, min_frames);
    if let Some(knee) = knee {
        evidence.push(format!(
            "knees at {knee:.0} degrees at the bottom (a Romanian deadlift keeps them straighter than {:.0})",
            cfg.rdl_min_bottom_knee_deg
        ));
    }
    // A floor stretch where the hips were never seen says nothing (its lowest point is +inf).
    let drop = signal::median(
        lows.iter()
            .map(|z| (standing - lowest_in(&s.hip_h, z)) / leg)
            .filter(|d| d.is_finite()),
    );
    if drop.is_finite() {
        evidence.push(format!(
            "hips drop {drop:.2} leg lengths from standing to the bottom (a Romanian deadlift drops less than {})",
            cfg.rdl_max_hip_drop_leg_frac
        ));
    }
    let thighs = knee
        .is_none()
        .then(|| thigh_height_at_bottoms(s, zones, &lows, leg, min_frames))
        .flatten();
    if let Some(thighs) = thighs {
        evidence.push(format!(
            "thighs at the bottom {thighs:.2} of their standing height (a Romanian deadlift keeps them upright, \
             {} or more, and may then drop its hips up to {})",
            cfg.rdl_min_bottom_thigh_frac, cfg.rdl_upright_thighs_max_hip_drop_leg_frac
        ));
    }
    if knee.is_some_and(|k| knees_bent_as_in_a_pull(k, cfg)) || hips_drop_as_in_a_pull(drop, thighs, cfg) {
        return Some(LiftVariant::Conventional);
    }
    if !drop.is_finite() {
        // The knees alone, without the hips to back them: only clearly straight ones count.
        match knee {
            Some(k) if knees_clearly_straight(k, cfg) => {}
            Some(k) => {
                evidence.push(format!(
                    "hips not seen standing, and knees at {k:.0} degrees too near the limit to tell alone (needs {:.0})",
                    cfg.rdl_min_bottom_knee_deg + KNEES_ALONE_MARGIN_DEG
                ));
                return None;
            }
            None => return None,
        }
    }
    // Straight knees and hips that barely drop also fit a stiff-legged pull from the floor: a
    // Romanian deadlift never sets the plates down, so where the plate gives the scale, plates
    // reaching the floor make it conventional, if the trunk went far enough over to take them
    // there (the near plate's image reads low: see `Config::rdl_floor_reach_min_trunk_deg`).
    if let Some(clearance) = plate_clearance(s, body, &lows) {
        evidence.push(format!(
            "lowest bar {clearance:.2} plate radii above the floor (a Romanian deadlift stays above {FLOOR_CONTACT_MAX_RADII})"
        ));
        if clearance <= FLOOR_CONTACT_MAX_RADII {
            let trunk = at_bottoms(&s.trunk, &lows, BOTTOM_TRUNK_PERCENTILE, min_frames);
            evidence.push(match trunk {
                Some(trunk) => format!(
                    "trunk {trunk:.0} degrees from vertical at the bottom (straight knees take the plates to the \
                     floor only from {:.0}: the near plate's image reads low)",
                    cfg.rdl_floor_reach_min_trunk_deg
                ),
                None => "trunk not seen at the bottom: the plates taken to be on the floor".to_string(),
            });
            if trunk.is_none_or(|t| t >= cfg.rdl_floor_reach_min_trunk_deg) {
                return Some(LiftVariant::Conventional);
            }
        }
    }
    Some(LiftVariant::Romanian)
}

/// Whether the hips drop as far as a pull from the floor takes them: `rdl_max_hip_drop_leg_frac`
/// or more, unless `thighs` (the thigh's height at the bottom over its height standing, read
/// where no knee angle is) stayed upright and the drop is short of
/// `rdl_upright_thighs_max_hip_drop_leg_frac`.
fn hips_drop_as_in_a_pull(drop: f64, thighs: Option<f64>, cfg: &Config) -> bool {
    let upright_thighs = thighs.is_some_and(|t| t >= cfg.rdl_min_bottom_thigh_frac)
        && drop < cfg.rdl_upright_thighs_max_hip_drop_leg_frac;
    drop >= cfg.rdl_max_hip_drop_leg_frac && !upright_thighs
}

/// The thigh's height over the knee at the bottoms ([`at_bottoms`], the median) as a fraction of
/// its height standing (the median over the high zones): near 1 while the thigh stays upright,
/// as in a Romanian deadlift, falling as the knees bend and the thighs tip forward, as at a
/// conventional start, from any view. Only low zones where hip and knee were seen on most frames
/// count: a zone seen on a few frames gives their reading, the higher ones as a rule (as the hip
/// drop of a zone with hidden hips reads short, see [`hinge_candidates`]). `None` where no zone
/// is seen that well, or where the standing thigh reads under [`MIN_STANDING_THIGH_LEG_FRAC`] of
/// the leg (a garbled hip or knee: the ratio would mean nothing).
fn thigh_height_at_bottoms(s: &Series, zones: &[Zone], lows: &[&Zone], leg: f64, min_frames: usize) -> Option<f64> {
    let standing = signal::median(while_standing(&s.thigh_h, zones));
    let well_seen: Vec<&Zone> = lows
        .iter()
        .copied()
        .filter(|z| on_most_of(z, |f| !s.thigh_h[f].is_nan()))
        .collect();
    let bottom = at_bottoms(&s.thigh_h, &well_seen, BOTTOM_THIGH_PERCENTILE, min_frames)?;
    (standing >= MIN_STANDING_THIGH_LEG_FRAC * leg).then(|| bottom / standing)
}

/// Least height of the hip over the knee standing, as a fraction of leg length, for the thigh's
/// height at the bottom to be read against it: about half the leg is thigh, so a standing
/// reading under a quarter of it is a garbled hip or knee.
const MIN_STANDING_THIGH_LEG_FRAC: f64 = 0.25;

/// Percentile of the knee angle over a low zone taken as its bend at the bottom: the median, not
/// the extreme, since on the way down and up the plate passes the knee, whose keypoint is then a
/// guess (rendered seed 304 clip 001, a Romanian deadlift: knees read 76-120 degrees there
/// against a true 163, and 156-172 at the bottom). A narrower bottom picked from the bar's height
/// does not help where the plate hides the hands: the height is then a guess too (rendered seed
/// 501 clip 009).
const BOTTOM_KNEE_PERCENTILE: f64 = 50.0;

/// Percentile of the thigh's height over a low zone taken as its height at the bottom: the
/// median, as for the knee. Lower percentiles were tried on the rendered front, rear and oblique
/// views (this constant changed, then `python3 scripts/synth/measure.py variant DIR...`): the
/// 10th and 25th lowered Romanian deadlifts' readings as much as conventional pulls' (the
/// overlap stayed).
const BOTTOM_THIGH_PERCENTILE: f64 = 50.0;

/// Percentile of the trunk angle over a low zone taken as how far over it went: the farthest, but
/// for a stray frame (the low zone spans the lowest third of the bar's travel, where the trunk of
/// a hinge is still tipping over).
const BOTTOM_TRUNK_PERCENTILE: f64 = 90.0;

/// Shortest time with a reading in a low zone for it to give a value, seconds (5 frames at 30
/// fps).
const MIN_BOTTOM_S: f64 = 0.15;

/// How much straighter than `rdl_min_bottom_knee_deg` the knees must read to decide on their
/// own: a Romanian deadlift where the hips were not seen standing (the plate in front of them),
/// so the hip drop cannot back them, and a hinge rather than a floor pull at either end of a
/// Romanian set whatever the hips read ([`hinge_candidates`]). A sumo pull's knees, flared out of
/// the image plane, read 143 degrees on a rendered side view, and the rendered Romanian deadlifts
/// read 150-177 (`liftcheck analyze CLIP --json`, rep metric `bottom_knee_deg`).
const KNEES_ALONE_MARGIN_DEG: f64 = 15.0;

/// A series' value at the bottoms: per low zone with `min_frames` readings or more their `pct`
/// percentile, then the median over the zones; `None` where no zone has enough (the joint hidden
/// there, or a view without the series).
fn at_bottoms(series: &[f64], lows: &[&Zone], pct: f64, min_frames: usize) -> Option<f64> {
    let per_zone = lows.iter().filter_map(|z| {
        let seen: Vec<f64> = series
            .get(z.first..=z.last)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        (seen.len() >= min_frames).then(|| signal::percentile(seen, pct))
    });
    let value = signal::median(per_zone);
    value.is_finite().then_some(value)
}

/// Bar height at the bottom of a rep, in plate radii above the floor (mid-foot level), at or
/// below which the plates rest on the floor (1.0 when measured exactly). Only consulted when the
/// knees stay straight and the hips barely drop. Measured with `scripts/synth/measure.py variant`
/// (from `liftcheck analyze`'s note; the plate rule is consulted only below the hip-drop limit,
/// so raise `rdl_max_hip_drop_leg_frac` and lower `rdl_min_bottom_knee_deg` in a `--config` file
/// to read it on every clip):
/// conventional pulls read 0.42-1.25 on 19 rendered side-view clips and 0.12-1.12 on six real
/// ones (a stiff-legged pull from the floor 0.86); Romanian deadlifts 1.26-1.98 on five rendered
/// clips (the deep ones bring the plates within 4 cm of the floor: 1.17 by their ground truth),
/// and 0.25 or less on three where BlazePose pulled the feet up towards the plate hub, which no
/// limit can fix. Later suites added three rendered Romanian deadlifts reading 0.62-0.99 (the
/// near plate's image low: `rdl_floor_reach_min_trunk_deg` keeps them Romanian). A mid-shin
/// Romanian deadlift is about 1.3. The limit keeps some margin above resting plates for keypoint
/// error without reaching the deep Romanian deadlifts.
const FLOOR_CONTACT_MAX_RADII: f64 = 1.1;

/// Median over the low zones of the lowest bar height above mid-foot level, in plate radii;
/// `None` without a plate scale or mid-foot.
fn plate_clearance(s: &Series, body: &Body, lows: &[&Zone]) -> Option<f64> {
    let radius_px = super::kinematics::PLATE_DIAMETER_CM / 2.0 / body.cm_per_px?;
    let floor_h = -body.midfoot?.1;
    let clearance = signal::median(lows.iter().map(|z| (lowest_in(&s.bar_h, z) - floor_h) / radius_px));
    clearance.is_finite().then_some(clearance)
}

/// Lowest seen value of a height series over a zone (infinity when never seen).
fn lowest_in(series: &[f64], z: &Zone) -> f64 {
    series[z.first..=z.last]
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::INFINITY, f64::min)
}

/// Hip height standing: a high percentile over the zones where the bar is up.
fn standing_hip(s: &Series, zones: &[Zone]) -> f64 {
    signal::percentile(while_standing(&s.hip_h, zones), STANDING_HIP_PERCENTILE)
}

/// A series' values over the zones where the bar is up (missing ones included).
fn while_standing<'a>(series: &'a [f64], zones: &'a [Zone]) -> impl Iterator<Item = f64> + 'a {
    zones
        .iter()
        .filter(|z| z.kind == Kind::High)
        .flat_map(move |z| series[z.first..=z.last].iter().copied())
}

/// The low zones (indices into `zones`) that may be a Romanian deadlift's bottom: those between
/// two high ones, less the pulls from the floor that open or close the set. A Romanian set is
/// often picked up from the floor and put back there, and those two pulls are bracketed by
/// standing as the hinges are; they bend the knees as a conventional start does
/// (`rdl_min_bottom_knee_deg`, side views), or drop the hips as far as a conventional pull's
/// (`rdl_max_hip_drop_leg_frac` or more) on knees not clearly straight ([`is_floor_pull`]). At
/// most one is left out at each end, and only when most of what remains are hinges: soft knees
/// with hips seen on most of their frames and dropping less than a pull's, or knees clearly
/// straight (the margin of [`KNEES_ALONE_MARGIN_DEG`]), whatever the hips read. Hidden hips read
/// a drop short (a conventional pull's hips hidden on 20 of 25 frames read 0.19), and one
/// shallow floor touch in a conventional set must not make it Romanian.
fn hinge_candidates(s: &Series, zones: &[Zone], leg: f64, cfg: &Config) -> Vec<usize> {
    let bracketed: Vec<usize> = (1..zones.len().saturating_sub(1))
        .filter(|&i| zones[i].kind == Kind::Low)
        .collect();
    let standing = standing_hip(s, zones);
    let drop = |i: usize| (standing - lowest_in(&s.hip_h, &zones[i])) / leg;
    // The knees at the bottom, where read (side views).
    let knee = |i: usize| at_bottoms(&s.knee, &[&zones[i]], BOTTOM_KNEE_PERCENTILE, s.frames(MIN_BOTTOM_S));
    let bent = |i: usize| knee(i).is_some_and(|k| knees_bent_as_in_a_pull(k, cfg));
    let straight = |i: usize| knee(i).is_some_and(|k| knees_clearly_straight(k, cfg));
    let floor_pull = |i: usize| is_floor_pull(drop(i), knee(i), cfg);
    let seen_hinge = |i: usize| {
        let hips_seen = on_most_of(&zones[i], |f| !s.hip_h[f].is_nan());
        !bent(i) && ((drop(i) < cfg.rdl_max_hip_drop_leg_frac && hips_seen) || straight(i))
    };
    let (Some(&first), Some(&last)) = (bracketed.first(), bracketed.last()) else {
        return bracketed;
    };
    let from = usize::from(floor_pull(first));
    let to = bracketed.len() - usize::from(bracketed.len() > 1 && floor_pull(last));
    let inner = bracketed.get(from..to).unwrap_or_default();
    let hinges = inner.iter().filter(|&&i| seen_hinge(i)).count();
    if from + (bracketed.len() - to) > 0 && 2 * hinges > inner.len() {
        inner.to_vec()
    } else {
        bracketed
    }
}

/// Whether a low stretch bracketed by standing is a pull from the floor (a Romanian set's
/// pick-up or put-down) rather than a hinge, from its hip drop (leg lengths from standing) and
/// the knee angle at its bottom where read: the knees bent as a conventional start bends them, or
/// the hips dropped as far as a conventional pull's unless the knees stayed clearly straight. A
/// hinge that pushes the hips far back drops them too (straight legs tilting back about the
/// ankles: held-out seed 317 clip 006's first Romanian deadlift, knees read 177 degrees at the
/// bottom, was left out as a pick-up), while the pick-ups of the rendered Romanian sets bend the
/// knees as any floor pull does.
fn is_floor_pull(drop: f64, bottom_knee: Option<f64>, cfg: &Config) -> bool {
    let bent = bottom_knee.is_some_and(|k| knees_bent_as_in_a_pull(k, cfg));
    let straight = bottom_knee.is_some_and(|k| knees_clearly_straight(k, cfg));
    bent || (drop >= cfg.rdl_max_hip_drop_leg_frac && !straight)
}

/// Knees bent at a bottom as a conventional start bends them (`rdl_min_bottom_knee_deg` or less).
fn knees_bent_as_in_a_pull(knee: f64, cfg: &Config) -> bool {
    knee <= cfg.rdl_min_bottom_knee_deg
}

/// Knees straight enough at a bottom to tell a hinge without the hips ([`KNEES_ALONE_MARGIN_DEG`]
/// above `rdl_min_bottom_knee_deg`).
fn knees_clearly_straight(knee: f64, cfg: &Config) -> bool {
    knee >= cfg.rdl_min_bottom_knee_deg + KNEES_ALONE_MARGIN_DEG
}

/// Walks from `from` towards `limit` (either direction) following the bar down (`sign` = -1, a
/// trough) or up (`sign` = +1, a crest) and stops once it is `tol` past the extreme. Returns the
/// extreme's position and value.
pub(crate) fn extreme(h: &[f64], from: usize, limit: usize, sign: f64, tol: f64) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let step: isize = if limit >= from { 1 } else { -1 };
    let mut j = from as isize;
    loop {
        let v = h[j as usize];
        if !v.is_nan() {
            match best {
                None => best = Some((j as usize, v)),
                Some((_, b)) if sign * v > sign * b => best = Some((j as usize, v)),
                Some((_, b)) if sign * (b - v) > tol => break,
                _ => {}
            }
        }
        if j as usize == limit {
            break;
        }
        j += step;
    }
    best
}

/// The frame nearest `from`, between `from` and the extreme at `at`, whose bar height is within
/// `tol` of the extreme `value`.
pub(crate) fn edge(h: &[f64], from: usize, at: usize, value: f64, tol: f64) -> usize {
    nearest(from, at, |f| !h[f].is_nan() && (h[f] - value).abs() <= tol)
}

/// The frame nearest `from`, between `from` and `at` (either direction), where `holds`; `at`
/// when there is none.
fn nearest(from: usize, at: usize, holds: impl Fn(usize) -> bool) -> usize {
    if from >= at {
        (at..=from).rev().find(|&f| holds(f)).unwrap_or(at)
    } else {
        (from..=at).find(|&f| holds(f)).unwrap_or(at)
    }
}

/// How long the bar must stay down, within the event tolerance, to count as arrived at (set-down)
/// or still on (lift-off) the floor, seconds (see [`floor_edge`]).
const FLOOR_STILL_S: f64 = 0.3;

/// How far above its lowest point, in event tolerances, the bar can still be on the floor
/// (see [`floor_edge`]): 6 tolerances = 12% of the bar's travel, some 6 cm on a conventional
/// pull, well below the knee (about half the travel), so a pause on the way down is not taken for
/// the floor.
const FLOOR_BAND_TOLS: f64 = 6.0;

/// The frame nearest `from`, between `from` and the bar's lowest point `lowest` at `at`, where
/// the bar is on the floor: near its lowest point (within [`FLOOR_BAND_TOLS`] tolerances) and
/// moving less than `tol` over the [`FLOOR_STILL_S`] on the lowest point's side (after a
/// set-down, before a lift-off). A bar on the floor is still, whereas its lowest reading need not
/// be where it rests: the hands' keypoints dip a few pixels as the lifter reaches down to grip
/// the bar or sets the hips for the next pull (the arm's angle moves the wrist around the bar),
/// and a set-down placed against that dip came half a second or more late.
fn floor_edge(h: &[f64], from: usize, at: usize, lowest: f64, tol: f64, still_frames: usize) -> usize {
    let near_floor = |f: usize| !h[f].is_nan() && h[f] <= lowest + FLOOR_BAND_TOLS * tol;
    // The bar's lowest valid height over `a..=b`.
    let low = |a: usize, b: usize| {
        h[a..=b]
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::INFINITY, f64::min)
    };
    // Still over the window on the lowest point's side: before a lift-off, after a set-down.
    let still = |f: usize| {
        let window = if from >= at {
            (f.saturating_sub(still_frames).max(at), f)
        } else {
            (f, (f + still_frames).min(at))
        };
        h[f] <= low(window.0, window.1) + tol
    };
    nearest(from, at, |f| near_floor(f) && still(f))
}

/// Bar-height spikes up to about this long are ignored when finding the floor and the top of a
/// pull, seconds: a wrist keypoint or a wrong plate circle for a frame or two (on a rendered
/// lean-back a 55-pixel, two-frame wrist jump set the lockout 25 frames late), or the hands
/// first seen below the bar as they reach down to grip it (on a rendered fixture that set the
/// floor 3.5 px low and lift-off 0.8 s early, during the walk-in).
const TOP_SPIKE_S: f64 = 0.15;

/// The bar height through a running median [`TOP_SPIKE_S`] wide on each side.
fn despiked(s: &Series) -> Vec<f64> {
    signal::running_median(&s.bar_h, s.frames(TOP_SPIKE_S))
}

/// Highest valid value of `h` over `from..=to` and where it is.
fn highest(h: &[f64], from: usize, to: usize) -> Option<(usize, f64)> {
    (from..=to)
        .filter(|&f| !h[f].is_nan())
        .map(|f| (f, h[f]))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The first frame from `from` to `to` where the bar is up to the knee ([`Series::knee_h`]: the
/// knee's height, or its standing height where the plate hides it), the bar's height taken
/// below the hands ([`Series::bar_grip_h`]).
fn knee_pass(s: &Series, from: usize, to: usize) -> Option<usize> {
    let bar = &s.bar_grip_h;
    let below = |f: usize| bar[f] < s.knee_h[f];
    // Only a bar that starts below the knee can pass it.
    if s.knee_h[from].is_nan() || bar[from].is_nan() || !below(from) {
        return None;
    }
    (from..=to).find(|&f| !s.knee_h[f].is_nan() && !bar[f].is_nan() && !below(f))
}

/// `steady` is the bar height with short spikes removed ([`despiked`]): the floor on either side
/// of the pull and its top are found on it, so a keypoint that jumps for a frame or two, or the
/// hands first seen below the bar as they come down to grip it, do not move lift-off, lockout or
/// set-down (on rendered seed 301 clip 003 a wrist read 11 px below the rest for two frames,
/// which stretched the floor's band up the way down: the set-down came 19 frames early, 12
/// with the spike removed). The floor on either side is looked for from the low zones' inner edges,
/// not from the top: a stretch of the way down where the hands' height wobbled by more than
/// the tolerance once ended the search above the floor and put the set-down 29 frames (1 s)
/// early (rendered seed 203 clip 001). Lift-off and set-down are then placed on the raw height where the bar
/// rests ([`floor_edge`]).
fn conventional_rep(s: &Series, steady: &[f64], prev: Zone, z: Zone, next: Zone, tol: f64) -> Option<RawRep> {
    let h = &s.bar_h;
    let still = s.frames(FLOOR_STILL_S);
    let (floor_at, floor) = extreme(steady, prev.last, prev.first, -1.0, tol)?;
    let lift_off = floor_edge(h, z.first, floor_at, floor, tol, still);
    let (down_at, down) = extreme(steady, next.first, next.last, -1.0, tol)?;
    let set_down = floor_edge(h, z.last, down_at, down, tol, still);
    let (peak_at, peak) = highest(steady, lift_off, set_down)?;
    let lockout = edge(steady, lift_off, peak_at, peak, tol);
    let descent_start = edge(steady, set_down, peak_at, peak, tol);
    Some(RawRep {
        number: 0,
        start: lift_off,
        end: set_down,
        lift_off: Some(lift_off),
        knee_pass: knee_pass(s, lift_off, lockout),
        lockout: Some(lockout),
        descent_start: Some(descent_start),
        bottom: None,
        set_down: Some(set_down),
        touch_and_go: false,
        rest_before_s: None,
        variant: LiftVariant::Conventional,
    })
}

/// A pull from the floor with no set-down after it: the clip ends at lockout, or the bar is last
/// seen on its way down.
fn trailing_rep(s: &Series, steady: &[f64], prev: Zone, z: Zone, tol: f64) -> Option<RawRep> {
    let (floor_at, floor) = extreme(steady, prev.last, prev.first, -1.0, tol)?;
    let lift_off = floor_edge(&s.bar_h, z.first, floor_at, floor, tol, s.frames(FLOOR_STILL_S));
    let (peak_at, peak) = highest(steady, lift_off, z.last)?;
    let lockout = edge(steady, lift_off, peak_at, peak, tol);
    Some(RawRep {
        number: 0,
        start: lift_off,
        end: z.last,
        lift_off: Some(lift_off),
        knee_pass: knee_pass(s, lift_off, lockout),
        lockout: Some(lockout),
        descent_start: None,
        bottom: None,
        set_down: None,
        touch_and_go: false,
        rest_before_s: None,
        variant: LiftVariant::Conventional,
    })
}

fn romanian_rep(s: &Series, prev: Zone, z: Zone, next: Zone, tol: f64) -> Option<RawRep> {
    let h = &s.bar_h;
    let (bottom, _) = (z.first..=z.last)
        .filter(|&f| !h[f].is_nan())
        .map(|f| (f, h[f]))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let (top_at, top) = extreme(h, z.first, prev.first, 1.0, tol)?;
    let descent_start = edge(h, z.first, top_at, top, tol);
    let (up_at, up) = extreme(h, z.last, next.last, 1.0, tol)?;
    let lockout = edge(h, z.last, up_at, up, tol);
    Some(RawRep {
        number: 0,
        start: descent_start,
        end: lockout,
        lift_off: None,
        knee_pass: knee_pass(s, bottom, lockout),
        lockout: Some(lockout),
        descent_start: Some(descent_start),
        bottom: Some(bottom),
        set_down: None,
        touch_and_go: false,
        rest_before_s: None,
        variant: LiftVariant::Romanian,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the hips drop as far as a pull from the floor: the thighs move the limit only
    /// between the two config drops, and only when read upright.
    #[test]
    fn hips_drop_as_in_a_pull_at_its_edges() {
        let cfg = Config::default();
        // (hip drop, thighs at the bottom over standing, want)
        let cases = [
            (0.19, None, false),
            (0.25, None, true),
            (0.25, Some(0.59), true),
            (0.25, Some(0.6), false),
            (0.3, Some(0.9), true),
            (f64::NAN, Some(0.9), false),
            (f64::NAN, None, false),
        ];
        for (drop, thighs, want) in cases {
            assert_eq!(
                hips_drop_as_in_a_pull(drop, thighs, &cfg),
                want,
                "drop {drop}, thighs {thighs:?}"
            );
        }
    }

    #[test]
    fn a_floor_pull_bends_the_knees_or_drops_the_hips_on_knees_not_clearly_straight() {
        let cfg = Config::default();
        // (hip drop, knee at the bottom, want)
        let cases = [
            (0.1, None, false),
            (0.25, None, true),
            (0.1, Some(100.0), true),
            (0.25, Some(140.0), true),
            (0.25, Some(149.9), true),
            (0.25, Some(150.0), false),
            (0.4, Some(175.0), false),
            (f64::NAN, Some(175.0), false),
        ];
        for (drop, knee, want) in cases {
            assert_eq!(is_floor_pull(drop, knee, &cfg), want, "drop {drop}, knee {knee:?}");
        }
    }

    #[test]
    fn extreme_and_edge_find_the_trough_before_a_rise() {
        // Rest at 0 (frames 0-4), rise from frame 5.
        let h = [0.0, 0.1, 0.0, 0.05, 0.0, 2.0, 5.0, 9.0, 10.0];
        let (at, v) = extreme(&h, 6, 0, -1.0, 0.5).expect("trough");
        assert_eq!(v, 0.0);
        // The last frame still on the floor is the lift-off.
        assert_eq!(edge(&h, 6, at, v, 0.5), 4);
    }

    #[test]
    fn hinges_lose_only_the_floor_pulls_at_the_ends() {
        // Seven zones of 10 frames: standing (hips at 0) and three bracketed low zones, each a
        // floor pull (hips 40 below: 0.4 legs; knees bent to 100 degrees), a hinge (10 below: 0.1
        // legs) seen throughout, a hinge-like reading from hips seen on 3 of its 10 frames (as
        // hidden hips read short), a deep hinge: hips 25 below (past the 0.2 limit) on knees
        // straight at 175 degrees, or a floor pull known from its hips alone (no knee read).
        #[derive(Clone, Copy)]
        enum Low {
            Floor,
            Hinge,
            ShortRead,
            DeepHinge,
            FloorHipsOnly,
        }
        use Low::*;
        let cases: [([Low; 3], &[usize]); 13] = [
            ([Floor, Hinge, Floor], &[3]),
            ([Floor, Hinge, Hinge], &[3, 5]),
            ([Hinge, Hinge, Floor], &[1, 3]),
            ([Hinge, Hinge, Hinge], &[1, 3, 5]),
            ([Floor, Floor, Floor], &[1, 3, 5]),
            ([Floor, ShortRead, Floor], &[1, 3, 5]),
            ([Floor, Floor, ShortRead], &[1, 3, 5]),
            // One shallow touch among floor pulls: still a conventional set.
            ([Floor, Floor, Hinge], &[1, 3, 5]),
            // A hinge pushing the hips far back is no pick-up from the floor: the knees stay straight.
            ([DeepHinge, Hinge, Floor], &[1, 3]),
            ([Floor, Hinge, DeepHinge], &[3, 5]),
            ([Floor, DeepHinge, Floor], &[3]),
            ([FloorHipsOnly, Hinge, Floor], &[3]),
            ([FloorHipsOnly, DeepHinge, FloorHipsOnly], &[3]),
        ];
        for (lows, want) in cases {
            let mut hip_h = vec![0.0; 70];
            let mut knee = vec![f64::NAN; 70];
            let zones: Vec<Zone> = (0..7)
                .map(|z| Zone {
                    kind: if z % 2 == 1 { Kind::Low } else { Kind::High },
                    first: 10 * z,
                    last: 10 * z + 9,
                })
                .collect();
            for (k, low) in lows.iter().enumerate() {
                let z = zones[2 * k + 1];
                for (j, h) in hip_h[z.first..=z.last].iter_mut().enumerate() {
                    *h = match low {
                        Floor | FloorHipsOnly => -40.0,
                        Hinge => -10.0,
                        ShortRead if j < 3 => -19.0,
                        ShortRead => f64::NAN,
                        DeepHinge => -25.0,
                    };
                }
                let bottom_knee = match low {
                    Floor => 100.0,
                    DeepHinge => 175.0,
                    Hinge | ShortRead | FloorHipsOnly => f64::NAN,
                };
                knee[z.first..=z.last].fill(bottom_knee);
            }
            let s = Series {
                n: 70,
                times: (0..70).map(|i| i as f64 / 30.0).collect(),
                hip_h,
                knee,
                ..Series::default()
            };
            let got = hinge_candidates(&s, &zones, 100.0, &Config::default());
            assert_eq!(got, want.to_vec(), "{:?}", lows.map(|l| l as u8));
        }
    }

    #[test]
    fn floor_edge_finds_where_the_bar_rests_not_its_lowest_reading() {
        // Heights in tolerances (tol 1), still window 3 frames. (case, heights, from, want):
        // set-downs scan forward from the top (`from` 0), lift-offs back from it (`from` last).
        let rest = [0.0; 6];
        let cases: [(&str, Vec<f64>, usize, usize); 5] = [
            // The hands dip 3 below where the bar rests as the hips set for the next pull.
            (
                "set-down before a dip",
                [&[20.0, 12.0, 5.0, 1.5][..], &rest, &[-2.0, -3.0, -3.0]].concat(),
                0,
                4,
            ),
            // The hands reach 3 below where they grip, then rest, then the pull.
            (
                "lift-off after a dip",
                [&[-3.0, -3.0, -2.0][..], &rest, &[1.5, 5.0, 12.0, 20.0]].concat(),
                12,
                8,
            ),
            // Touch-and-go: the bar's lowest point is the touch.
            ("touch-and-go set-down", vec![20.0, 10.0, 3.0, 0.0, 3.0, 10.0], 0, 3),
            // A pause at knee height (10 tolerances up) is not the floor.
            (
                "pause above the floor",
                [&[20.0, 10.0, 10.0, 10.0, 10.0, 5.0][..], &rest].concat(),
                0,
                6,
            ),
            (
                "slow last centimetres",
                vec![20.0, 10.0, 4.0, 3.0, 2.0, 1.0, 0.4, 0.0, 0.0, 0.0],
                0,
                5,
            ),
        ];
        for (name, h, from, want) in cases {
            let (lowest_at, lowest) = h
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("heights");
            assert_eq!(floor_edge(&h, from, lowest_at, lowest, 1.0, 3), want, "{name}: {h:?}");
        }
        // Against the lowest reading alone, the dips move both edges onto them.
        let dip = [&[20.0, 12.0, 5.0, 1.5][..], &rest, &[-2.0, -3.0, -3.0]].concat();
        assert_eq!(edge(&dip, 0, 11, -3.0, 1.0), 10);
    }

    #[test]
    fn extreme_stops_past_a_hump() {
        // Walking back from frame 6: trough at 4, then a hump at 2 higher than tol: stop.
        let h = [0.0, 5.0, 5.0, 1.0, 0.5, 3.0, 8.0];
        let (at, _) = extreme(&h, 6, 0, -1.0, 1.0).expect("trough");
        assert_eq!(at, 4);
    }
}
