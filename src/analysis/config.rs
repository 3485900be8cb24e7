//! Thresholds and settings of the analysis, loadable from TOML.
//!
//! Every field has a default with its source: "ref" means `docs/deadlift-reference.md` (the
//! source it cites is named), "measured" a value checked on the rendered suites
//! (`scripts/synth/judgement.md` has the figures), and "calibrate" a starting value still to be
//! checked. Fault thresholds are tolerances around an ideal value; [`Config::strictness`] divides
//! the tolerance, so 2.0 halves every allowance and 0.5 doubles it.

use serde::{Deserialize, Serialize};

use super::AnalysisError;

/// How far the mid-foot-to-shoulder line leans back at a good lockout, degrees: the middle of
/// the 3.5-6.1 the rendered suites' ground truth gave on 27 good lockouts when it was set (`python3
/// scripts/synth/measure.py lockout DIR...`; over the 15 side-view sets measured since, the
/// lockouts without a lean-back read up to 7.3). How far back the shoulders must sit for a trunk read
/// leaning back to be believed, and at most for a back outline read leaning forward to be
/// believed (`checks::lockout`). The line is not a lean-back reading of its own: good lockouts
/// and lean-backs overlap on it (`scripts/synth/judgement.md`).
pub const BODY_LEAN_NEUTRAL_BACK_DEG: f64 = 4.5;

/// How far the whole back outline's line leans back at a good lockout, degrees: the most that
/// good side-view reps of the rendered suites read (see
/// [`Config::lockout_outline_lean_back_max_deg`]). The ideal that strictness scales that limit
/// around, so that a stricter setting never falls below what good lockouts read.
pub const OUTLINE_LEAN_BACK_GOOD_DEG: f64 = 3.7;

/// Allowed [`Config::strictness`]: from four times the default tolerances to a quarter of them.
pub const STRICTNESS_RANGE: (f64, f64) = (0.25, 4.0);

/// All settings of [`super::analyze`]. Unknown keys in a TOML file are an error, missing keys take
/// the defaults below.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Global strictness: 1.0 = defaults, above 1 = stricter (tolerances divided by it).
    pub strictness: f64,

    // --- Signal cleaning (ref: Sports2D / Pose2Sim / Kinovea defaults). Judgement on 258
    // rendered clips barely moves when these are moved either way: the settings sweep in
    // `scripts/synth/judgement.md` (`scripts/synth/sweep.sh`). ---
    /// Keypoints below this visibility are treated as missing. Low enough to keep joints the pose
    /// model still places well behind a plate or the bar, e.g. the near wrist (measured, in
    /// the settings sweep: 0.2 judges the same within a count; 0.4 and 0.5 add three or four
    /// false findings and lose one or two rep counts).
    pub min_visibility: f64,
    /// Keypoints below this in-frame probability are treated as missing.
    pub min_presence: f64,
    /// Half-width of the Hampel window, seconds: about 7 samples at 30 fps (measured: 0.15 and
    /// 0.4 judge the same within a count).
    pub hampel_half_window_s: f64,
    /// Hampel threshold in robust standard deviations (ref: the usual 3-sigma rule).
    pub hampel_sigmas: f64,
    /// Floor of the Hampel spread as a fraction of frame height, so still stretches keep their
    /// jitter (measured: half and twice judge the same within a count).
    pub hampel_min_sigma_frac: f64,
    /// Longest gap filled by interpolation, seconds; longer gaps stay missing (measured: 0.15 and
    /// 0.5 move rep counts and clean good clips by one or none, and each fault count by two at
    /// most).
    pub max_gap_s: f64,
    /// Low-pass cut-off of the zero-phase 4th-order Butterworth, Hz (ref: 6 Hz in Sports2D,
    /// Pose2Sim, Kinovea; in the settings sweep 4 and 8 Hz move each fault count by one or none,
    /// and leave one good clip fewer clean).
    pub cutoff_hz: f64,

    // --- Camera view (anthropometric ratios in `view.rs`) ---
    /// Estimated body rotation away from side-on below which the view is a side view, degrees
    /// (measured, in the settings sweep: 20 judges the same, 30 adds a false finding).
    pub side_max_yaw_deg: f64,
    /// Estimated body rotation away from side-on above which the view is a front or rear view,
    /// degrees (measured, in the settings sweep: 50 adds a false finding, 70 loses a hit and a
    /// miss becomes two).
    pub frontal_min_yaw_deg: f64,
    /// Whether the camera's roll, read from the background's straight upright lines (door
    /// frames, racks, poles; [`level`](crate::analysis::level)), is undone before anything is
    /// measured: a camera turned a few degrees about its lens axis otherwise adds that much to
    /// every lean and tilt. Rolls under `level::MIN_CORRECTED_ROLL_DEG` or over
    /// `level::MAX_ROLL_DEG`, and backgrounds without enough agreeing lines, are left as filmed.
    /// Off by default: it reads real clip 02 (a camera on the ground, rolled) at 6.5 degrees and
    /// the other real clips under 1 or not at all, but on the rendered suites filmed level one
    /// of the 14 clips it reads is 4.0 degrees off (a shadow's edge; `python3
    /// scripts/synth/measure.py roll DIR...`), and a wrong correction moves every lean by its
    /// error. The roll read is reported either way (`camera_roll_deg`).
    pub level_camera: bool,

    // --- Reps and events ---
    /// Upper hysteresis level of the bar height, fraction of its range (ref: hysteresis in
    /// mattiolato98/deadlift-visual-analyzer; measured, in the settings sweep: 0.6 counts the
    /// same reps, 0.8 one fewer right).
    pub rep_high_frac: f64,
    /// Lower hysteresis level of the bar height, fraction of its range (measured, in the settings
    /// sweep: 0.2 judges the same; 0.4 counts one more clip's reps right, leaves one good clip
    /// fewer clean and turns a miss into not assessable).
    pub rep_low_frac: f64,
    /// Least bar travel for any rep, as a fraction of leg length: an RDL to mid-shin moves the bar
    /// about 0.4 leg lengths (measured: 0.15 and 0.3 count the same reps on the rendered suites).
    pub min_bar_travel_leg_frac: f64,
    /// Shortest rep, seconds (ref: 0.7 s in TBY66/Intelligent-Deadlift-Diagnosis-System).
    pub min_rep_s: f64,
    /// Tolerance for "at the floor" / "at the top" when placing events, fraction of the bar's
    /// range, above keypoint noise (measured, in the settings sweep: 0.01 places events as well
    /// and turns a miss into not assessable;
    /// 0.04 puts lift-off 128 ms from the truth on average instead of 96, set-down 175 instead of
    /// 132).
    pub event_tolerance_frac: f64,
    /// `Auto` variant: below this hip drop (fraction of leg length) from standing to the bottom the
    /// lift is a Romanian deadlift: midway between soft knees (~0.1 leg lengths) and a
    /// conventional start (~0.3). Measured (`scripts/synth/measure.py variant`, which reads
    /// `liftcheck analyze`'s note, on 56 rendered clips): Romanian deadlifts 0.05-0.26 (median 0.14; the deep ones take
    /// the plates to within a few centimetres of the floor), conventional and sumo 0.26-0.68;
    /// six real conventional clips 0.33-0.62, a trap-bar clip 0.20-0.22 and a stiff-legged pull from
    /// the floor 0.00. The two groups touch: from the side, knees bent at the bottom
    /// (`rdl_min_bottom_knee_deg`) make the lift conventional whatever the hips do, and the plate
    /// rule in `reps.rs` decides the low ones where a plate is seen.
    pub rdl_max_hip_drop_leg_frac: f64,
    /// `Auto` variant, side views: knee angle at the bottom (the median over each low stretch of
    /// the bar, then over the stretches), degrees, at or below which the lift is conventional
    /// whatever the hips do, i.e. knee
    /// flexion of 45 degrees or more. A Romanian deadlift bends the knees softly, 15-30 degrees; a
    /// conventional start much further (peak knee flexion at the start 103-108 +/- 22 degrees in
    /// one lab study), as do trap-bar pulls. Measured (`scripts/synth/measure.py variant`):
    /// rendered side views, conventional and sumo starts 82-120 (one sumo pull, knees flared out
    /// of the image plane, 143), Romanian bottoms 151-174; real clips, conventional starts 65-119,
    /// a trap-bar pull 82 (hips down only 0.20 leg lengths: read as a Romanian deadlift before),
    /// a stiff-legged pull from the floor 144.
    pub rdl_min_bottom_knee_deg: f64,
    /// `Auto` variant: trunk angle from vertical at the bottom, degrees, from which plates seen
    /// reaching the floor (`FLOOR_CONTACT_MAX_RADII` in `reps.rs`) make a lift with straight knees
    /// a pull from the floor; below it they are taken for a Romanian deadlift's. With knees nearly
    /// straight the hands hang from shoulders that must come down to about hip height for the bar
    /// to touch the floor: about 91 degrees for body proportions of average adults (Drillis and
    /// Contini's segment lengths, 22 degrees of knee bend), 77 with the bar at mid-shin. Real clip
    /// 06, a stiff-legged pull from the floor, reads 100; rendered Romanian deadlifts 65-76 where
    /// this is consulted. Needed because the plate rule compares the near plate's centre with the
    /// floor at the lifter's feet: the plate is nearer the camera, so where the camera is above
    /// it its image sits low, and rendered Romanian deadlifts whose plates stopped 1.4-1.8 radii up
    /// read 0.62-0.99.
    pub rdl_floor_reach_min_trunk_deg: f64,
    /// `Auto` variant, where no knee angle is read (front, rear and oblique views, or a side view
    /// without the ankle the angle needs): the thigh's height over the knee at the bottom as a fraction of its
    /// height standing, at or above which the thighs stayed upright, so the knees barely bent, as
    /// in a Romanian deadlift. The fraction is the cosine of the thigh's tilt from vertical in
    /// any view: 0.6 is a 53-degree tilt, between a Romanian deadlift's (its thighs tip back 10-30
    /// degrees: 0.87-0.98) and a conventional start's (45-80: 0.17-0.71). Measured (`python3
    /// scripts/synth/measure.py variant DIR...`) on 65 rendered front, rear and oblique clips
    /// (seeds 303-309, 315-319 and 501): Romanian deadlifts 0.69-0.95, conventional and sumo
    /// pulls 0.25-0.76 (0.6 or more on four, whose hips dropped 0.32-0.42 leg lengths); real
    /// clips 14 (front) and 17 (from behind at an angle), conventional pulls, 0.32 and 0.26.
    pub rdl_min_bottom_thigh_frac: f64,
    /// `Auto` variant: with upright thighs (`rdl_min_bottom_thigh_frac`) a lift whose hips drop
    /// past `rdl_max_hip_drop_leg_frac` is still a Romanian deadlift below this drop (fraction of
    /// leg length). Where no knee angle is read, the hip drop alone told the two apart, and the
    /// ranges touch (rendered Romanian deadlifts 0.05-0.26, conventional pulls from 0.26); on the
    /// 65 clips above, the Romanian deadlifts dropped 0.09-0.23, and the conventional and sumo
    /// pulls 0.30-0.48 (those whose thighs read upright 0.32-0.42). At or below
    /// `rdl_max_hip_drop_leg_frac` the thighs change nothing.
    pub rdl_upright_thighs_max_hip_drop_leg_frac: f64,
    /// A check is not assessable on a rep when more than this fraction of the frames it needs
    /// lack the joints (measured, in the settings sweep: 0.2 and 0.45 move one count or none).
    pub max_missing_frac: f64,

    // --- Fault thresholds ---
    /// Upper-back rounding: most added bend of the upper half of the back outline relative to
    /// the rep's set-up, degrees (ref: 2D angle errors of 5-13 degrees, keep wide). Judged only
    /// with `upper_back_bend_findings`.
    pub upper_back_rounding_max_deg: f64,
    /// Whether the added bend of the back outline's upper half judges the upper back beside the
    /// fold at mid-trunk (`mid_back_fold_max_deg`, `mid_back_lift_off_fold_max_deg`); off by
    /// default, its reading staying in the JSON report (`upper_back_change_deg`). The bend does
    /// not tell rounded upper backs from others: `python3 scripts/synth/measure.py back DIR...`
    /// (`upper_pred`) over the fixtures and seeds 97, 201, 202, 341-345, 408, 701, 702, 901,
    /// 902, 1001 and 1002 reads the 13 reps whose upper back rounds -8.0 to 32.7 degrees and the
    /// others up to 35.0 (lumbar roundings, lockout faults, good reps), and over those sets and
    /// seeds 801, 802, 811, 812 and 903 (`liftcheck eval DIR --config F`, added up by
    /// `scripts/synth/summarize.py`) the upper-back rule reads 15 / 12 / 5 / 3 (TP / FP / FN /
    /// not assessable) with it and 15 / 9 / 5 / 3 without: its only true finding (seed 902 clip
    /// 005) is one the fold makes too.
    pub upper_back_bend_findings: bool,
    /// Upper/mid back rounding, second measure: most added fold of the back outline at mid-trunk
    /// (the turn between the chords of its two halves) since the rep's set-up, degrees. Rendered
    /// thoracic rounding folds the outline more than it bends the upper half. Calibrated with
    /// `scripts/synth/measure.py back` (`fold_pred`) on the development suites: the five reps of
    /// the rounding-under-load suite (seed 97) whose upper back rounds read 8.4-20.6 (their
    /// upper-half bend: -0.4-28.1), the 29 other side-view reps (good, lower-back rounding or
    /// other faults) of seeds 23, 41 and 97 at most 5.7; 6 sits between, and the set-up noise
    /// margin is added to it. A narrow gap: a good rep of seed 41 (clip 054, scored before as
    /// held out) reads 13 and is the one false upper-back finding over all the suites.
    pub mid_back_fold_max_deg: f64,
    /// Upper/mid back already rounded as the bar leaves the floor: most median fold of the back
    /// outline at mid-trunk over the last 0.3 s before lift-off, degrees (the noise margin is
    /// added). A comparison with the set-up cannot see a back that is rounded before the pull; the
    /// fold on its own can, where the outline of a flat back stays straight or hollow. Measured with
    /// `scripts/synth/measure.py liftoff-back` (`rule_fold`): flat backs read -17.9 to 10.0 on the
    /// rendered fixtures, the sample and two development suites (seed 201, lockout faults; seed
    /// 301, rounding from the set-up on: `make_suite.py --n 12 --seed 301 --max-reps 2
    /// --fps60-fraction 0 --rdl-fraction 0 --good-fraction 0.35 --views side_left,side_right
    /// --kinds thoracic_rounding,lumbar_rounding`) and -1.4 to 6.9 on the real clips; thoracic
    /// rounding from the set-up on reads 16.6-25.8 (13-34 degrees of flexion; one clip of 35
    /// degrees reads 7.9, a miss), the two real clips rounded at the bar 16.3 and 17.6. Lumbar
    /// rounding does not show in the fold (-12.9 to 10.7). 12 sits in the gap.
    pub mid_back_lift_off_fold_max_deg: f64,
    /// Lower-back rounding: as above for the lower half (calibrate; tighter than the upper back
    /// since lumbar flexion under load is the bigger concern).
    pub lower_back_rounding_max_deg: f64,
    /// Whether the lower-back rule gives findings; off by default, and the rule is then reported
    /// not assessable. Its reading, the added bend of the back outline's lower half, does not
    /// follow lumbar flexion on the renders: over 40 rendered sets of the 42-set table of
    /// `ce8bd56` (`scripts/synth/judgement.md`) 2 of its 10 findings were true and it found 2 of
    /// 29 rounded lower backs (`liftcheck eval DIR`, added up by `scripts/synth/summarize.py`),
    /// and its false findings read up to 28 degrees against true ones of 16-18
    /// (`scripts/synth/measure.py back-findings`). On, it judges the reading
    /// against `lower_back_rounding_max_deg` as before.
    pub lower_back_findings: bool,
    /// The back outline is read only while the trunk is inclined at least this far from vertical,
    /// degrees: the mask's dorsal edge is searched across the shoulder-hip line, and near upright
    /// that search runs into the buttocks at the hip end and the plate and hands in front of the
    /// hips, so the outline stops being the back (measured: real clip 02 read 41 degrees of
    /// "lower-back bend" at lockout on a neutral back; at set-up its trunk is ~69 degrees).
    pub back_outline_min_trunk_deg: f64,
    /// Rounding is the outline's added bend over the set-up only on frames whose trunk angle is
    /// within this many degrees of the set-up's, degrees: the hip crease and the shoulder blades
    /// change the outline's shape with posture alone, so bends at other postures are not
    /// comparable (real clips 02 and 13: good backs read 38-60 degrees once the trunk rose 30-50
    /// degrees from set-up; the ref's early pull keeps the back angle within ~10-15 degrees).
    /// 10, the low end: on rendered good reps the lower half's bend climbs as the hips open, and
    /// 15 lets that climb in at the window's edge (`scripts/synth/measure.py [--config F] back`
    /// on the development suites, seeds 23, 41 and 97, and the scored seed-41 and seed-59 clips:
    /// good reps' largest readings 15 -> 10: upper 19.2 -> 19.2, 16.8 -> 13.7; lower 26.6 ->
    /// 23.1, 21.4 -> 9.6, 17.2 -> 14.7, 14.1 -> 9.3; reps that round under load: upper 29.1 ->
    /// 28.1, 5.5 -> -0.4; lower 16.5 -> 16.5, 15.3 -> 13.4).
    pub back_outline_max_trunk_change_deg: f64,
    /// How long the added bend of a half of the back outline must last to count as rounding,
    /// seconds (measured): the rule reads the highest level the bend holds on this many seconds
    /// of consecutive comparable frames, rounded up to whole frames (5 at 30 fps; a run of comparable
    /// frames shorter than that counts at its least value). The arc fitted to a half changes for a
    /// few frames when something passes its end (the hip crease as the hips open, the hands or
    /// the plate's rim at the lower end), whereas a back that rounds under the bar stays rounded.
    /// On the development suites (`python3 scripts/synth/measure.py back-findings DIR...`, the
    /// fixtures and seeds 97, 201-203, 301-304 and 402, with this at 0, pose tracks of `b7b6ea7`)
    /// the lower-back findings on reps without a lumbar rounding lasted 0.03-0.10 s from first to
    /// last frame (2-4 frames at 30 fps), the two on rounded lower backs 0.17 and 0.27 s (6 and 9
    /// frames). No upper-half bend was found either way there; the same hold applies to it, as
    /// the same arc fit. The fold at mid-trunk is not held to it: it compares the halves' chords,
    /// not their ends, and its true findings include spans of 0.07 and 0.13 s. A single frame
    /// past `MAX_PLAUSIBLE_BACK_CHANGE_DEG` still makes the rep's back not assessable.
    pub back_bend_min_hold_s: f64,
    /// Head position, bar drift and left/right imbalance: how long a reading must stay past its
    /// limit to count, seconds: the highest level held that long on consecutive frames is what is
    /// judged (rounded up to whole frames: 5 at 30 fps and at 29.97), by the rules and by the rep
    /// metrics that mirror them. A pose or plate glitch lasts a frame or two; a head held up or down, or a bar
    /// drifting away through the pull, lasts. On the rendered suites (`python3
    /// scripts/synth/measure.py findings DIR...` on the fixtures and seeds 97, 201-203, 301-309,
    /// 401 and 402 without the hold, pose tracks of `b7b6ea7`) the one head finding (on a good
    /// clip) lasted 0.07 s from first to last frame, while the real clips' head findings that agree
    /// with the viewer last 0.63 and 1.07 s; the three false bar-drift findings 0.03, 0.07 and 0.27
    /// s (no rendered drift was found). The hold removes all but the 0.27 s drift. The left/right
    /// lines took the hold when the hip shift's limit was set (`imbalance_shift_max_leg_frac`):
    /// over the front and rear reps measured there, it lowers the readings of reps without a hip
    /// shift by up to 4.5 degrees (a spike on one hip line) or 1.3% of leg length, real clip 14's
    /// hip shift by 1.7 (3.9 -> 2.2), and the rendered hip shifts by at most 0.6. The lean-back
    /// at lockout is not held (`checks::lockout::LEAN_BACK_HOLD_S`): held-out seed 204 showed
    /// true lean-backs as brief as 0.07 s.
    pub finding_min_hold_s: f64,
    /// Hampel floor of the back-outline bend series, degrees (the keypoint floor is in pixels and
    /// does not apply to an angle): below the 10-15 degree swings it must catch (measured, in the
    /// settings sweep: 1 and 4 judge the same).
    pub back_hampel_min_sigma_deg: f64,
    /// Low-pass cut-off of the back-outline bend series, Hz: the keypoints' 6 Hz left +-15 degree
    /// swings at a still set-up on real clips 02, 04 and 13; the bend of a rounding back changes
    /// over a pull of ~1 s, far below this (measured, in the settings sweep: 1.5 and 4 each gain a
    /// hit and a clean good clip, 1.5 also a false finding fewer: within what one clip moves, so
    /// not changed on that).
    pub back_cutoff_hz: f64,
    /// The set-up reference of the back outline is the median of the cleaned bend over this long
    /// up to the set-up frame (frames at a comparable trunk angle only), seconds (measured, in the
    /// settings sweep: 0.3 judges the same, 0.8 gives one false finding fewer and one more clean
    /// good clip).
    pub back_reference_window_s: f64,
    /// Most spread (robust standard deviation, 1.4826 MAD) of the uncleaned per-frame bend over
    /// the set-up reference window, degrees; above it the rep's back rounding is "not assessable:
    /// back outline unsteady". Measured (upper / lower half, 0.5 s window): good real clips 02
    /// 4.9 / 14.3, 04 15.9 / 4.2, 12 second half 10.0 / 45.7, 13 rep 2 14.9 / 15.8, 17 10.1 /
    /// 30.3; rounded real clip 12 first half 6.8 / 8.8 (06 has no conventional set-up); 07 (hips
    /// too low) 6.4 / 9.0; the rendered fixtures (`liftcheck eval tests/fixtures` + the sample)
    /// 0.3-11.1. 12 keeps every fixture and both rounded halves assessable and drops the
    /// references whose noise alone is near the 15-20 degree rounding limits.
    pub back_reference_max_spread_deg: f64,
    /// A rounding change must also clear this many standard deviations of the outline's noise
    /// left after the low-pass (spread above times sqrt(2 cut-off / the outline's sampling
    /// rate)), added to the rounding limits: 2, a usual one-sided noise margin; real clip 07 read
    /// 19.4 degrees of lower-back change from a 9.0 degree spread, margin 6.6 (measured, in the
    /// settings sweep: 1 gains a hit, 3 judges the same).
    pub back_noise_sigmas: f64,
    /// Shoulders over the bar at lift-off: least angle of the bar-to-shoulder line forward of
    /// vertical, degrees (ref: ~7 degrees forward in the Starting Strength model; negative =
    /// shoulders behind the bar; margin for 2D error). Judged only with
    /// `setup_position_findings` on, as the two limits below.
    pub shoulder_bar_min_deg: f64,
    /// Most angle of the bar-to-shoulder line forward of vertical at lift-off, degrees
    /// (calibrate; ref: ~7 degrees ideal).
    pub shoulder_bar_max_deg: f64,
    /// Whether the set-up position rules (shoulders over the bar, bar over mid-foot) give
    /// findings; off by default, and both are then reported not assessable. Their readings cannot
    /// tell a rendered fault from a good set-up at this keypoint accuracy: over the side-view reps
    /// of the fixtures and seeds 97, 201, 341-343, 408, 701, 702, 901 and 902 (`python3
    /// scripts/synth/measure.py setup DIR...`, pose tracks of `c46b49d`), 63 good reps read the
    /// bar-to-shoulder line -12.7 to 24.2 degrees forward of vertical and the bar -11.8% to 28.8%
    /// of leg length ahead of mid-foot; the one rendered shoulders-behind-the-bar rep reads 0.8
    /// (a good reading) and the two bars ahead of mid-foot 14.9 and 17.5 (inside the good
    /// range). The reading runs a median of 6.5% of leg length ahead of the truth and spreads
    /// over 15 points (`measure.py setup-errors`). Scored with `liftcheck eval DIR`, their
    /// findings were right 3 times and wrong 10: the 42-set table of `ce8bd56` (shoulders 2 / 4,
    /// bar 1 / 2) and the twelve suites at hand rendered since (seeds 341-343, 408, 701, 702, 801,
    /// 802, 811, 812, 901, 902: shoulders 0 / 2, bar 0 / 2). The real clips read 4.5-15.7
    /// degrees and 1.6-15.2% (no finding either way). On, they judge the readings
    /// (rep metrics `setup_shoulder_bar_deg`, `setup_bar_midfoot_pct_leg`, in the JSON report
    /// either way) against `shoulder_bar_min_deg`, `shoulder_bar_max_deg` and
    /// `bar_midfoot_max_leg_frac`.
    pub setup_position_findings: bool,
    /// Mid-foot is taken only from frames where the near heel and toe both have at least this
    /// visibility (and lie outside the plate's disc): BlazePose's visibility below ~0.5 marks a
    /// guessed joint: on the side fixtures the near heel/toe mid-foot is 1.6-5.9% of leg length off
    /// on such frames against 5.7-10.9% on all frames (measured, in the settings sweep: 0.7 judges
    /// the same; 0.3 loses a rep count and a clean good clip and adds a false finding). The still ankle and toe that
    /// side views' knee and ankle angles use (`kinematics::Body::ankle`) take the same limit.
    pub midfoot_min_visibility: f64,
    /// Bar over mid-foot at lift-off: most horizontal distance, fraction of leg length. Set as the
    /// measured keypoint noise plus the fault size: on the rendered fixtures (`liftcheck eval`,
    /// ground truth bar over mid-foot, 0.0%) good reps read 8.2, 4.3, 5.0 (side_faults_3reps),
    /// 15.9, 14.2 (side_good_2reps), 7.0, 4.6 (samples/deadlift_side) with mid-foot already gated;
    /// the parts: near heel/toe mid-foot 1.6-5.9% off after gating (5.7-10.9% ungated, pulled
    /// towards the plate hub), BlazePose wrist 0-7% ahead of the true wrist, true wrist 0-5% ahead
    /// of the bar centre. Worst 16% + the former 7% tolerance (~6 cm for an 85 cm leg; ref:
    /// Starting Strength, bar over mid-foot) = 23%. Real good clips read 17.0 (02), 10.2 (04),
    /// 13.0 (12, right half). Smaller offsets cannot be told from keypoint noise. Judged only
    /// with `setup_position_findings` on.
    pub bar_midfoot_max_leg_frac: f64,
    /// Bar drifting away from the body: most forward travel of the bar from its lift-off position
    /// during the pull (RDL: from standing, during the rep), held for `finding_min_hold_s`,
    /// fraction of leg length. Measured noise plus the fault size, as for
    /// `bar_midfoot_max_leg_frac`: `python3 scripts/synth/measure.py bar-drift` over every
    /// rendered set (37 sets and the fixtures) reads reps without a rendered drift up to 15.3%
    /// (the hands' keypoints wander ahead of the bar; at the former limit of 6% they gave six
    /// false findings and no true one), and the one readable rendered drift 4.6%. The worst noise
    /// (15%) plus the former 6% (~5 cm for an 85 cm leg; ref: scribewire/barpath flags 5% of
    /// frame height) gives 21%: only a gross drift is told from keypoint noise. Real clips read
    /// 4.4 (04) and 0.0 (07); the others cannot be read.
    pub bar_drift_max_leg_frac: f64,
    /// Knees over mid-foot at lift-off (side view): most forward distance of the knee from
    /// mid-foot, fraction of leg length. Measured noise plus fault size: on the rendered fixtures
    /// good reps read 6.5, 3.1 (side_faults_3reps vs ground truth 2.7, 4.4), 10.2, 10.1
    /// (side_good_2reps vs -0.3, -0.4), 15.4 (samples/deadlift_side rep 1 vs 0.3): worst error 15%
    /// (mid-foot up to 6% off after gating, knee up to 8%) + the former 12% tolerance (~10 cm for
    /// an 85 cm leg; ref: knees too far forward is the primary start error in Starting Strength)
    /// = 27%. Real good clips read 14.1 (02), 17.6 (04), 17.6 and 19.7 (13).
    pub knee_midfoot_max_leg_frac: f64,
    /// Knees over the feet (front/rear view): how far a knee may come inside the hip-ankle line
    /// during the pull (knee valgus), fraction of leg length. Measured against the line itself,
    /// not against set-up: knees pushed out over turned-out toes at set-up return to the line as
    /// the lifter stands, which read as 7-11% "inward travel" on symmetric lifters (real clip 14,
    /// synthetic front_good_1rep). 6% (~5 cm for an 85 cm leg) is a starting value: the rendered
    /// suites have no knee valgus to calibrate it on. Their 65 front and rear reps read at most
    /// 3.8%, real clip 14 at most -0.8 (knees outside the line), once the lines are not read
    /// where the hips are drawn inside the body (`LR_SPAN_MIN_FRACTION` in `kinematics`); before
    /// that, two rear views read 6.1 and 7.5 (`liftcheck analyze --json`, rep metric
    /// `max_knee_inward_pct_leg`). The reading is the level held for `finding_min_hold_s`, as
    /// for the left/right lines: on the 62 front and rear reps of the fixtures and seeds 303,
    /// 333-336, 338, 404, 405 and 601 (a different set from the 65 above, which had seeds 401
    /// and 403) that lowers the largest from 2.6 to 2.4, and real clip 14's from -0.8 to -3.0;
    /// both stay so with the lines read against the standing lifter's roll (`python3
    /// scripts/synth/measure.py imbalance DIR...`, column `knee_inward_pct_leg`).
    pub knee_inward_max_leg_frac: f64,
    /// Hips rising first: most the trunk may tip towards horizontal from where the hips start to
    /// rise to knee pass, degrees (ref: proposal of 10-15 degrees, Starting Strength figs
    /// 4-34/4-35; the upper end, since good pulls of the synthetic suite already tip ~11 degrees
    /// on exact keypoints). On liftcheck's own readings (`python3 scripts/synth/measure.py
    /// hips-rise DIR...`, the fixtures and seeds 97, 201-203, 301-309 and 402) 54 good side-view
    /// reps tip at most 11.2, the four rendered hips-first reps 1.0, 14.7, 15.4 and 26.0; the two
    /// readings past the limit on reps without the fault (21.0, 41.5) come from poses lost at the
    /// bottom of the pull.
    pub hip_rise_trunk_change_max_deg: f64,
    /// Hips rising first: most ratio of hip rise to shoulder rise over the same window (ref:
    /// proposal ~1.5, StrongFirst "same rate"; raised because good pulls of the synthetic suite
    /// reach 1.4 on exact keypoints, and the trunk rule above carries the same information).
    pub hip_shoulder_rise_ratio_max: f64,
    /// Head: most extension of the ear-shoulder line past the hip-shoulder line, degrees (ref:
    /// ear-shoulder-hip > 200 degrees in BichraiX/AI-Deadlift-Analysis).
    pub head_extension_max_deg: f64,
    /// Head: most flexion (chin dropped to the chest) past the same line, degrees (calibrate; the
    /// article's slightly tucked chin must pass).
    pub head_flexion_max_deg: f64,
    /// Lockout: least hip angle, degrees (ref: 165-170 in laffer-ryan and nghia17420).
    pub lockout_hip_min_deg: f64,
    /// Lockout: least knee angle, degrees (ref: 170 in BichraiX; lower end for 2D error).
    pub lockout_knee_min_deg: f64,
    /// Lockout: most lean of the trunk back past vertical, degrees (ref: "without leaning back
    /// past vertical", Starting Strength; margin for 2D error).
    pub lockout_lean_back_max_deg: f64,
    /// Lockout, when the plate hides the hip or knee (conventional pulls, sumo included; side
    /// views): most forward lean of the back outline at its most upright moment, degrees
    /// (`analysis::back::lean`). The peers' 170-degree hip at lockout (laffer-ryan) with straight
    /// legs would be 10; the rendered suites put the limit lower. Over all 32 rendered sets
    /// (the fixtures, seeds 97, 201-204, 301-323, 401, 402 and rot-501; `python3
    /// scripts/synth/measure.py lockout-outline-lean DIR...`, pose tracks of `c74dcde`), the 79
    /// good conventional and sumo side-view lockouts read at most 6.9, reps with other faults up
    /// to 14.0 (rounded backs, a lifted head), incomplete ones -1.4 to 20.6
    /// (those under the limit leave the knees bent under an upright trunk, which the outline
    /// cannot see). 8 sits a degree above every good lockout; set before held-out seed 324 was
    /// scored. Strictness scales it around vertical (0): at strictness 2 the limit is 4 degrees,
    /// which good rendered lockouts reach.
    pub lockout_outline_lean_max_deg: f64,
    /// Lockout, seen from the side: most lean of the whole back outline's line
    /// back past vertical, degrees (`analysis::back::whole_lean`). It judges the lean-back without
    /// the hip and mid-foot keypoints, which sit beside the plate at lockout and read leans that
    /// good and leaning lockouts share. On the development suites (`python3 scripts/synth/measure.py
    /// lean-back DIR...` on the fixtures and seeds 97, 201-203, 301-304, pose tracks of
    /// `b7b6ea7`): 42 good side-view reps read at most 3.7 (on a render whose true trunk leans back
    /// 3.1), 56 reps with other faults at most 1.6, the nine lean-backs 9.9-13.5 on five, 4.1-5.4 on
    /// three and -2.3 on one; held-out seed 308 clip 006, a good clip, reads 6.0 on a rep whose
    /// events are misplaced. The limit sits between the good reps and most lean-backs, with room
    /// for the fit's noise. Romanian deadlifts, first left out, read alike over all 33 rendered
    /// sets (same command): 26 side-view reps without a lean-back at most 3.1, four lean-backs
    /// 5.7-8.4. Strictness scales it around [`OUTLINE_LEAN_BACK_GOOD_DEG`].
    pub lockout_outline_lean_back_max_deg: f64,
    /// Left/right: most change of shoulder or hip line tilt from set-up, degrees (calibrate: above
    /// what keypoint noise gives good reps). On 12 good front and rear reps of the development
    /// suites (the fixtures, seeds 303 and 306, and the left/right suite seed 401) the change reads
    /// up to 5.4 on the shoulders and 5.6 on the hips; the rendered imbalances (hips shifted 3-6
    /// cm, a 2-5 degree side bend) read no more (up to 5.0 and 3.6), so they cannot be told from
    /// noise, and the limit sits above the noise rather than flag good reps; a larger hitch still
    /// shows (`python3 scripts/synth/measure.py imbalance DIR...`). The limit was 5 degrees before,
    /// which flagged two of those good reps. The change counts only as far as the line is also off
    /// level (`checks::tilt_change`).
    pub imbalance_tilt_max_deg: f64,
    /// Left/right: most change of the bar's (wrist line's) tilt from set-up, degrees. The hands
    /// in front of the thighs are the least precise keypoints of a front view: 21 good rendered
    /// front-view reps read up to 7.7 (and gave all three imbalance findings on the development
    /// suites' good reps at the shared 5-degree limit), so an uneven bar shows mostly through
    /// the shoulders and this limit sits above that noise (`liftcheck analyze --json`, rep metric
    /// `max_bar_tilt_change_deg`). This line's change, and the shoulders' and hips', counts only
    /// as far as the line is also off level (`checks::tilt_change`: the bar rests level on the
    /// floor), which removed the one false finding of held-out seed 403 (a good front view whose
    /// wrists read 8-13 degrees tilted through the set-up and level in the pull).
    pub imbalance_bar_tilt_max_deg: f64,
    /// Left/right: most sideways shift of the hips over the feet from set-up, fraction of leg
    /// length, as the level held for [`Config::finding_min_hold_s`]. On the front and rear reps
    /// of the rendered suites at hand (`python3 scripts/synth/measure.py imbalance DIR...` on the
    /// fixtures and seeds 303, 333-336, 401 and 403), 35 reps without a hip shift read at most
    /// 3.5% (the next 3.1 and 2.7), and the 12 rendered hip shifts (2.8-9.2% of leg length true)
    /// 1.6-5.6%, six of them past 4%; the three reps of real clip 14, a symmetric front view, read
    /// 2.0-2.2 (3.4-3.9 unheld). The limit sits just above those good reps; on held-out seed 404,
    /// scored after it was set, good reps read up to 4.0 and one gave a false finding at 4.002. It
    /// was an uncalibrated 6% before, which no rendered shift reached. Read against the standing
    /// lifter's roll (same command and sets), the 35 reps read at most 3.3% and the 12 shifts
    /// 1.6-5.5%, seven of them 4.0 or more; real clip 14 reads 1.8-2.2.
    pub imbalance_shift_max_leg_frac: f64,
    /// Romanian deadlift: knee angles above this at the bottom count as locked straight, degrees
    /// (the article asks for slightly bent knees; measured). The renders bend soft knees 14-22
    /// degrees; at the true bottom frame they read 162.9-168.4 and locked ones 171.9-176.0 on the
    /// renders' own joints. liftcheck reads them (rep metric `bottom_knee_deg`; `python3
    /// scripts/synth/measure.py rdl-knees DIR...` on development seeds 801 and 811, 26 side-view
    /// reps, pose tracks of `6e05a14`): soft 146.0-177.9, all but one clip's two reps (177.6,
    /// 177.9) at most 171.6; locked 167.1-178.1. 172 sits just above the soft reps but that clip,
    /// and finds 4 of the 7 locked reps; the reads overlap, since a few pixels of knee or ankle
    /// error on a leg of 63-172 px move the angle further than soft and locked knees are apart.
    /// The rule is off by default for that reason (`rdl_knee_findings`).
    pub rdl_knee_locked_min_deg: f64,
    /// Whether the Romanian deadlift's locked-knee rule gives findings; off by default, and the
    /// rule is then reported not assessable. Its reading, the knee angle at the bottom, cannot
    /// tell soft knees from locked ones at this keypoint accuracy: the renders' soft knees are
    /// 162.9-168.4 degrees at the bottom and locked ones 171.9-176.0, while liftcheck reads them
    /// a median of 4.6 degrees off, up to 20.2, on development seeds 801 and 811 (6.2 and 21.7
    /// on seeds 341-343; `python3 scripts/synth/measure.py rdl-knees DIR...`). Over the
    /// sets where it was scored its findings were right 11 times and wrong 15: the 42-set table
    /// of `ce8bd56` 5 / 6, seeds 342 2 / 2, 343 0 / 1, 801 4 / 2, 812 0 / 4 (`liftcheck eval
    /// DIR`); held-out seed 802, scored after this was decided, 3 / 1 (`liftcheck eval --config F DIR`,
    /// F turning it on). On, it judges the reading (rep metric `bottom_knee_deg`, in the JSON
    /// report either way) against `rdl_knee_locked_min_deg`.
    pub rdl_knee_findings: bool,
    /// Romanian deadlift: most fold of the back outline at mid-trunk over the bottom window,
    /// degrees (`checks::rounding::rdl_bottom_fold`; the noise margin is added, as for
    /// `mid_back_lift_off_fold_max_deg`, the same measure at a conventional lift-off, whose 12 it
    /// shares). Measured with `python3 scripts/synth/measure.py rdl-back DIR...` (pose tracks of
    /// `6e05a14`): on development seeds 801 and 811 (`make_suite.py` options in
    /// `scripts/synth/README.md`) 25 side-view reps without a rounded back read -23.5 to 9.8,
    /// and 4 rounded ones 2.6 and 3.0 (severity 0.33 and 0.63, 8 and 16 degrees of thoracic
    /// flexion) and 15.4 and 16.1 (0.72 and 0.85); on seeds 341-343, looked at while the rule was
    /// rewritten, 7 reps without read -18.3 to 7.6 and 5 rounded -9.4, 8.6 (0.34, 0.67) and
    /// 17.9-32.3. Flat backs at lift-off read up to 10.0 (`mid_back_lift_off_fold_max_deg`). The
    /// fold shows the upper back: a rounding of the lower back alone is not found.
    pub rdl_rounding_max_deg: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            strictness: 1.0,
            min_visibility: 0.3,
            min_presence: 0.5,
            hampel_half_window_s: 0.25,
            hampel_sigmas: 3.0,
            hampel_min_sigma_frac: 0.004,
            max_gap_s: 0.3,
            cutoff_hz: 6.0,
            side_max_yaw_deg: 25.0,
            level_camera: false,
            frontal_min_yaw_deg: 60.0,
            rep_high_frac: 0.7,
            rep_low_frac: 0.3,
            min_bar_travel_leg_frac: 0.2,
            min_rep_s: 0.7,
            event_tolerance_frac: 0.02,
            rdl_max_hip_drop_leg_frac: 0.2,
            rdl_min_bottom_knee_deg: 135.0,
            rdl_floor_reach_min_trunk_deg: 85.0,
            rdl_min_bottom_thigh_frac: 0.6,
            rdl_upright_thighs_max_hip_drop_leg_frac: 0.3,
            max_missing_frac: 0.3,
            upper_back_rounding_max_deg: 20.0,
            upper_back_bend_findings: false,
            lower_back_rounding_max_deg: 15.0,
            lower_back_findings: false,
            mid_back_fold_max_deg: 6.0,
            mid_back_lift_off_fold_max_deg: 12.0,
            back_outline_min_trunk_deg: 30.0,
            back_outline_max_trunk_change_deg: 10.0,
            back_bend_min_hold_s: 0.15,
            finding_min_hold_s: 0.15,
            back_hampel_min_sigma_deg: 3.0,
            back_cutoff_hz: 2.0,
            back_reference_window_s: 0.5,
            back_reference_max_spread_deg: 12.0,
            back_noise_sigmas: 2.0,
            shoulder_bar_min_deg: -3.0,
            shoulder_bar_max_deg: 25.0,
            setup_position_findings: false,
            midfoot_min_visibility: 0.5,
            bar_midfoot_max_leg_frac: 0.23,
            bar_drift_max_leg_frac: 0.21,
            knee_midfoot_max_leg_frac: 0.27,
            knee_inward_max_leg_frac: 0.06,
            hip_rise_trunk_change_max_deg: 15.0,
            hip_shoulder_rise_ratio_max: 2.0,
            head_extension_max_deg: 20.0,
            head_flexion_max_deg: 45.0,
            lockout_hip_min_deg: 165.0,
            lockout_knee_min_deg: 165.0,
            lockout_lean_back_max_deg: 10.0,
            lockout_outline_lean_max_deg: 8.0,
            lockout_outline_lean_back_max_deg: 6.0,
            imbalance_tilt_max_deg: 8.0,
            imbalance_bar_tilt_max_deg: 10.0,
            imbalance_shift_max_leg_frac: 0.04,
            rdl_knee_locked_min_deg: 172.0,
            rdl_knee_findings: false,
            rdl_rounding_max_deg: 12.0,
        }
    }
}

/// Field name and the condition it broke, for [`AnalysisError::Config`].
fn bad(field: &'static str, message: impl Into<String>) -> AnalysisError {
    AnalysisError::Config {
        field,
        message: message.into(),
    }
}

/// This file, for the fields' doc comments: `liftcheck config` prints them beside the values.
const SOURCE: &str = include_str!("config.rs");

/// Each [`Config`] field's doc comment, as one line of plain text, in field order.
fn field_docs() -> Vec<(&'static str, String)> {
    let body = SOURCE
        .split_once("pub struct Config {")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .map_or("", |(body, _)| body);
    let mut docs = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim());
        } else if let Some((name, _)) = line.strip_prefix("pub ").and_then(|l| l.split_once(':')) {
            let text = doc
                .join(" ")
                .replace("[`", "`")
                .replace("`]", "`")
                .replace("`Config::", "`");
            docs.push((name.trim(), text));
            doc.clear();
        } else if !line.starts_with("#[") {
            doc.clear();
        }
    }
    docs
}

/// Wraps `text` into `# ` comment lines of at most `width` characters.
fn comment_lines(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The default settings as a TOML file, each field under its doc comment (what it measures,
/// its unit and where its value comes from).
pub fn commented_defaults() -> Result<String, toml::ser::Error> {
    let values = toml::to_string_pretty(&Config::default())?;
    let docs = field_docs();
    let mut out = String::new();
    for line in values.lines() {
        let key = line.split_once(" = ").map(|(k, _)| k.trim());
        if let Some((_, doc)) = docs.iter().find(|(name, _)| Some(*name) == key) {
            out.push('\n');
            out.push_str(&comment_lines(doc, 98));
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

impl Config {
    /// Parses a TOML document (all keys optional) and validates it.
    pub fn from_toml_str(s: &str) -> Result<Config, AnalysisError> {
        let config: Config = toml::from_str(s).map_err(|e| AnalysisError::ConfigSyntax(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every field for a usable value; the error names the first bad field.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        let finite: [(&'static str, f64); 55] = [
            ("strictness", self.strictness),
            ("min_visibility", self.min_visibility),
            ("min_presence", self.min_presence),
            ("hampel_half_window_s", self.hampel_half_window_s),
            ("hampel_sigmas", self.hampel_sigmas),
            ("hampel_min_sigma_frac", self.hampel_min_sigma_frac),
            ("max_gap_s", self.max_gap_s),
            ("cutoff_hz", self.cutoff_hz),
            ("side_max_yaw_deg", self.side_max_yaw_deg),
            ("frontal_min_yaw_deg", self.frontal_min_yaw_deg),
            ("rep_high_frac", self.rep_high_frac),
            ("rep_low_frac", self.rep_low_frac),
            ("min_bar_travel_leg_frac", self.min_bar_travel_leg_frac),
            ("min_rep_s", self.min_rep_s),
            ("event_tolerance_frac", self.event_tolerance_frac),
            ("rdl_max_hip_drop_leg_frac", self.rdl_max_hip_drop_leg_frac),
            ("rdl_min_bottom_knee_deg", self.rdl_min_bottom_knee_deg),
            ("rdl_floor_reach_min_trunk_deg", self.rdl_floor_reach_min_trunk_deg),
            ("rdl_min_bottom_thigh_frac", self.rdl_min_bottom_thigh_frac),
            (
                "rdl_upright_thighs_max_hip_drop_leg_frac",
                self.rdl_upright_thighs_max_hip_drop_leg_frac,
            ),
            ("max_missing_frac", self.max_missing_frac),
            ("upper_back_rounding_max_deg", self.upper_back_rounding_max_deg),
            ("lower_back_rounding_max_deg", self.lower_back_rounding_max_deg),
            ("mid_back_fold_max_deg", self.mid_back_fold_max_deg),
            ("mid_back_lift_off_fold_max_deg", self.mid_back_lift_off_fold_max_deg),
            ("back_outline_min_trunk_deg", self.back_outline_min_trunk_deg),
            (
                "back_outline_max_trunk_change_deg",
                self.back_outline_max_trunk_change_deg,
            ),
            ("back_bend_min_hold_s", self.back_bend_min_hold_s),
            ("finding_min_hold_s", self.finding_min_hold_s),
            ("back_hampel_min_sigma_deg", self.back_hampel_min_sigma_deg),
            ("back_cutoff_hz", self.back_cutoff_hz),
            ("back_reference_window_s", self.back_reference_window_s),
            ("back_reference_max_spread_deg", self.back_reference_max_spread_deg),
            ("back_noise_sigmas", self.back_noise_sigmas),
            ("shoulder_bar_min_deg", self.shoulder_bar_min_deg),
            ("shoulder_bar_max_deg", self.shoulder_bar_max_deg),
            ("midfoot_min_visibility", self.midfoot_min_visibility),
            ("bar_midfoot_max_leg_frac", self.bar_midfoot_max_leg_frac),
            ("bar_drift_max_leg_frac", self.bar_drift_max_leg_frac),
            ("knee_midfoot_max_leg_frac", self.knee_midfoot_max_leg_frac),
            ("knee_inward_max_leg_frac", self.knee_inward_max_leg_frac),
            ("hip_rise_trunk_change_max_deg", self.hip_rise_trunk_change_max_deg),
            ("hip_shoulder_rise_ratio_max", self.hip_shoulder_rise_ratio_max),
            ("head_extension_max_deg", self.head_extension_max_deg),
            ("head_flexion_max_deg", self.head_flexion_max_deg),
            ("lockout_hip_min_deg", self.lockout_hip_min_deg),
            ("lockout_knee_min_deg", self.lockout_knee_min_deg),
            ("lockout_lean_back_max_deg", self.lockout_lean_back_max_deg),
            ("lockout_outline_lean_max_deg", self.lockout_outline_lean_max_deg),
            (
                "lockout_outline_lean_back_max_deg",
                self.lockout_outline_lean_back_max_deg,
            ),
            ("imbalance_tilt_max_deg", self.imbalance_tilt_max_deg),
            ("imbalance_bar_tilt_max_deg", self.imbalance_bar_tilt_max_deg),
            ("imbalance_shift_max_leg_frac", self.imbalance_shift_max_leg_frac),
            ("rdl_knee_locked_min_deg", self.rdl_knee_locked_min_deg),
            ("rdl_rounding_max_deg", self.rdl_rounding_max_deg),
        ];
        for (field, v) in finite {
            if !v.is_finite() {
                return Err(bad(field, "must be a finite number"));
            }
        }
        let in_range = |field: &'static str, v: f64, lo: f64, hi: f64| {
            if !(lo..=hi).contains(&v) {
                Err(bad(field, format!("must be between {lo} and {hi}, got {v}")))
            } else {
                Ok(())
            }
        };
        let positive = |field: &'static str, v: f64| {
            if v > 0.0 {
                Ok(())
            } else {
                Err(bad(field, format!("must be greater than 0, got {v}")))
            }
        };
        in_range("strictness", self.strictness, STRICTNESS_RANGE.0, STRICTNESS_RANGE.1)?;
        in_range("min_visibility", self.min_visibility, 0.0, 1.0)?;
        in_range("min_presence", self.min_presence, 0.0, 1.0)?;
        // Bounded so its length in frames stays a sane buffer size (a huge window overflowed it).
        in_range("hampel_half_window_s", self.hampel_half_window_s, 1e-3, 2.0)?;
        positive("hampel_sigmas", self.hampel_sigmas)?;
        in_range("hampel_min_sigma_frac", self.hampel_min_sigma_frac, 0.0, 0.1)?;
        in_range("max_gap_s", self.max_gap_s, 0.0, 2.0)?;
        in_range("cutoff_hz", self.cutoff_hz, 0.5, 30.0)?;
        in_range("side_max_yaw_deg", self.side_max_yaw_deg, 0.0, 90.0)?;
        in_range("frontal_min_yaw_deg", self.frontal_min_yaw_deg, 0.0, 90.0)?;
        if self.frontal_min_yaw_deg <= self.side_max_yaw_deg {
            return Err(bad("frontal_min_yaw_deg", "must be greater than side_max_yaw_deg"));
        }
        in_range("rep_high_frac", self.rep_high_frac, 0.05, 0.95)?;
        in_range("rep_low_frac", self.rep_low_frac, 0.05, 0.95)?;
        if self.rep_low_frac >= self.rep_high_frac {
            return Err(bad("rep_low_frac", "must be less than rep_high_frac"));
        }
        in_range("min_bar_travel_leg_frac", self.min_bar_travel_leg_frac, 0.01, 2.0)?;
        in_range("min_rep_s", self.min_rep_s, 0.0, 30.0)?;
        in_range("event_tolerance_frac", self.event_tolerance_frac, 0.0, 0.3)?;
        in_range("rdl_max_hip_drop_leg_frac", self.rdl_max_hip_drop_leg_frac, 0.0, 1.0)?;
        in_range("rdl_min_bottom_knee_deg", self.rdl_min_bottom_knee_deg, 0.0, 180.0)?;
        in_range(
            "rdl_floor_reach_min_trunk_deg",
            self.rdl_floor_reach_min_trunk_deg,
            0.0,
            180.0,
        )?;
        in_range("rdl_min_bottom_thigh_frac", self.rdl_min_bottom_thigh_frac, 0.0, 1.0)?;
        in_range(
            "rdl_upright_thighs_max_hip_drop_leg_frac",
            self.rdl_upright_thighs_max_hip_drop_leg_frac,
            0.0,
            1.0,
        )?;
        in_range("max_missing_frac", self.max_missing_frac, 0.0, 1.0)?;
        positive("upper_back_rounding_max_deg", self.upper_back_rounding_max_deg)?;
        positive("lower_back_rounding_max_deg", self.lower_back_rounding_max_deg)?;
        positive("mid_back_fold_max_deg", self.mid_back_fold_max_deg)?;
        positive("mid_back_lift_off_fold_max_deg", self.mid_back_lift_off_fold_max_deg)?;
        in_range("back_outline_min_trunk_deg", self.back_outline_min_trunk_deg, 0.0, 90.0)?;
        positive(
            "back_outline_max_trunk_change_deg",
            self.back_outline_max_trunk_change_deg,
        )?;
        in_range("back_bend_min_hold_s", self.back_bend_min_hold_s, 0.0, 2.0)?;
        in_range("finding_min_hold_s", self.finding_min_hold_s, 0.0, 2.0)?;
        positive("back_hampel_min_sigma_deg", self.back_hampel_min_sigma_deg)?;
        in_range("back_cutoff_hz", self.back_cutoff_hz, 0.2, 30.0)?;
        in_range("back_reference_window_s", self.back_reference_window_s, 0.0, 5.0)?;
        positive("back_reference_max_spread_deg", self.back_reference_max_spread_deg)?;
        in_range("back_noise_sigmas", self.back_noise_sigmas, 0.0, 10.0)?;
        in_range("shoulder_bar_min_deg", self.shoulder_bar_min_deg, -45.0, 45.0)?;
        in_range("shoulder_bar_max_deg", self.shoulder_bar_max_deg, -45.0, 60.0)?;
        if self.shoulder_bar_min_deg >= self.shoulder_bar_max_deg {
            return Err(bad("shoulder_bar_min_deg", "must be less than shoulder_bar_max_deg"));
        }
        in_range("midfoot_min_visibility", self.midfoot_min_visibility, 0.0, 1.0)?;
        positive("bar_midfoot_max_leg_frac", self.bar_midfoot_max_leg_frac)?;
        positive("bar_drift_max_leg_frac", self.bar_drift_max_leg_frac)?;
        positive("knee_midfoot_max_leg_frac", self.knee_midfoot_max_leg_frac)?;
        positive("knee_inward_max_leg_frac", self.knee_inward_max_leg_frac)?;
        positive("hip_rise_trunk_change_max_deg", self.hip_rise_trunk_change_max_deg)?;
        in_range(
            "hip_shoulder_rise_ratio_max",
            self.hip_shoulder_rise_ratio_max,
            1.0,
            10.0,
        )?;
        positive("head_extension_max_deg", self.head_extension_max_deg)?;
        positive("head_flexion_max_deg", self.head_flexion_max_deg)?;
        in_range("lockout_hip_min_deg", self.lockout_hip_min_deg, 90.0, 180.0)?;
        in_range("lockout_knee_min_deg", self.lockout_knee_min_deg, 90.0, 180.0)?;
        positive("lockout_lean_back_max_deg", self.lockout_lean_back_max_deg)?;
        positive("lockout_outline_lean_max_deg", self.lockout_outline_lean_max_deg)?;
        positive(
            "lockout_outline_lean_back_max_deg",
            self.lockout_outline_lean_back_max_deg,
        )?;
        positive("imbalance_tilt_max_deg", self.imbalance_tilt_max_deg)?;
        positive("imbalance_bar_tilt_max_deg", self.imbalance_bar_tilt_max_deg)?;
        positive("imbalance_shift_max_leg_frac", self.imbalance_shift_max_leg_frac)?;
        in_range("rdl_knee_locked_min_deg", self.rdl_knee_locked_min_deg, 150.0, 185.0)?;
        positive("rdl_rounding_max_deg", self.rdl_rounding_max_deg)?;
        Ok(())
    }

    /// A "fault above" limit with strictness applied: the allowance beyond `ideal` is divided by
    /// the strictness.
    pub(crate) fn scaled(&self, limit: f64, ideal: f64) -> f64 {
        ideal + (limit - ideal) / self.strictness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_defaults_document_every_field_and_read_back() {
        let text = commented_defaults().expect("encodes");
        assert_eq!(Config::from_toml_str(&text).expect("reads back"), Config::default());
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains(" = "))
            .collect();
        assert!(keys.len() >= 40, "{} fields", keys.len());
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| keys.contains(l)) {
            assert!(
                i > 0 && lines[i - 1].starts_with("# "),
                "{line} has no comment above it"
            );
        }
        assert!(
            text.lines().all(|l| l.len() <= 98 || !l.starts_with('#')),
            "comments wrap"
        );
        assert!(!text.contains("[`"), "rustdoc links are plain text");
    }

    #[test]
    fn empty_toml_gives_defaults() {
        assert_eq!(Config::from_toml_str("").ok(), Some(Config::default()));
    }

    #[test]
    fn toml_cases() {
        // (document, Ok(strictness) or Err(field named in the message))
        let cases: [(&str, Result<f64, &str>); 8] = [
            ("strictness = 1.5", Ok(1.5)),
            ("strictness = 1.5\ncutoff_hz = 8.0", Ok(1.5)),
            ("strictness = 0.0", Err("strictness")),
            ("cutoff_hz = -1.0", Err("cutoff_hz")),
            ("rep_low_frac = 0.8", Err("rep_low_frac")),
            ("hampel_half_window_s = 1e300", Err("hampel_half_window_s")),
            ("no_such_key = 1", Err("no_such_key")),
            ("strictness = \"high\"", Err("strictness")),
        ];
        for (doc, want) in cases {
            match (Config::from_toml_str(doc), want) {
                (Ok(c), Ok(s)) => assert_eq!(c.strictness, s, "{doc}"),
                (Err(e), Err(field)) => {
                    assert!(e.to_string().contains(field), "{doc}: {e}")
                }
                (got, want) => panic!("{doc}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn strictness_scales_allowance() {
        let c = Config {
            strictness: 2.0,
            ..Config::default()
        };
        assert_eq!(c.scaled(165.0, 180.0), 172.5);
        assert_eq!(c.scaled(12.0, 0.0), 6.0);
    }
}
