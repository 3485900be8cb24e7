//! Arguments and steps shared by the subcommands: loading models, the cached pose stage,
//! analysis settings, progress bars.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use liftcheck::analysis::{Analysis, Config, LiftVariant};
use liftcheck::models::{ModelStore, SessionOptions};
use liftcheck::pipeline::RunStats;
use liftcheck::pose::blazepose::{BlazePose, BlazePoseConfig, LandmarkModel};
use liftcheck::pose::detector::LifterHint;
use liftcheck::runtime;
use liftcheck::track::{self, CacheKey, PoseTrack};
use liftcheck::video::VideoReader;

#[derive(Args, Clone)]
pub struct PoseArgs {
    /// Folder with the model files and manifest.json [default: the installed or checkout models/]
    #[arg(long, value_name = "DIR", env = "LIFTCHECK_MODELS")]
    pub models: Option<PathBuf>,
    /// Landmark model.
    #[arg(long, value_enum, default_value_t = LandmarkModel::Full)]
    pub model: LandmarkModel,
    /// ONNX Runtime threads per model run [default: half the cores with the full model, whose
    /// segmentation head runs on a thread of its own beside it; all of them with heavy; `batch`:
    /// the same share of cores / jobs; at least 1]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Cores each clip may use (not an option: `batch` sets cores / jobs; otherwise all).
    #[arg(skip)]
    pub cores_per_clip: Option<usize>,
    /// Who to follow when several people are in frame: `auto` (largest, most central person) or
    /// `X,Y`, the lifter's position as fractions of frame width and height (e.g. `0.3,0.6`).
    #[arg(long, default_value = "auto", value_parser = parse_lifter)]
    pub lifter: LifterHint,
    /// Run pose estimation even if this clip's keypoints are cached (cache: $LIFTCHECK_CACHE,
    /// else $XDG_CACHE_HOME/liftcheck, else ~/.cache/liftcheck).
    #[arg(long)]
    pub no_cache: bool,
}

/// How annotated clips are written.
#[derive(Args, Clone, Copy)]
pub struct RenderArgs {
    /// Size of annotated clips: `720p` and `1080p` scale larger inputs down to that short side
    /// (smaller ones are kept), `source` keeps the input's size (slower to encode, larger files)
    /// [default: 720p]
    #[arg(long, value_enum)]
    pub resolution: Option<Resolution>,
}

impl RenderArgs {
    /// The size asked for, or the default.
    pub fn resolution(&self) -> Resolution {
        self.resolution.unwrap_or(Resolution::P720)
    }

    /// Refuses `--resolution` where no annotated clip is written (it would be ignored).
    pub fn check_used(&self, annotating: bool) -> anyhow::Result<()> {
        if self.resolution.is_some() && !annotating {
            bail!("--resolution sets the size of the annotated clip; add --annotate to write one");
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Resolution {
    #[value(name = "720p")]
    P720,
    #[value(name = "1080p")]
    P1080,
    Source,
}

impl Resolution {
    /// The most pixels on the short side, `None` for the input's size.
    pub fn max_short_side(self) -> Option<u32> {
        match self {
            Resolution::P720 => Some(liftcheck::render::annotate::DEFAULT_MAX_SHORT_SIDE),
            Resolution::P1080 => Some(1080),
            Resolution::Source => None,
        }
    }
}

/// Which lift and how strictly to judge it.
#[derive(Args, Clone)]
pub struct CheckArgs {
    /// The lift in the clip; `auto` tells a Romanian deadlift from a conventional one by the
    /// motion (between standing positions the knees stay nearly straight, seen from the side, and
    /// the hips barely drop; where a plate gives the scale, plates reaching the floor with the
    /// trunk bent over to near horizontal make it a pull from the floor).
    #[arg(long, value_enum, default_value = "auto")]
    pub variant: VariantArg,
    /// Thresholds file (TOML); see `liftcheck config` for every field and its default.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Global strictness, 0.25 to 4: 1 = defaults, 1.5 = stricter, 0.7 = more lenient (overrides
    /// the file).
    #[arg(long, value_name = "X", allow_negative_numbers = true, value_parser = parse_strictness)]
    pub strictness: Option<f64>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum VariantArg {
    Auto,
    Conventional,
    Romanian,
}

impl From<VariantArg> for LiftVariant {
    fn from(v: VariantArg) -> Self {
        match v {
            VariantArg::Auto => LiftVariant::Auto,
            VariantArg::Conventional => LiftVariant::Conventional,
            VariantArg::Romanian => LiftVariant::Romanian,
        }
    }
}

impl CheckArgs {
    /// The validated analysis configuration these arguments describe.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
                Config::from_toml_str(&text).map_err(|e| toml_error_line(path, &text, e))?
            }
            None => Config::default(),
        };
        if let Some(s) = self.strictness {
            config.strictness = s;
        }
        Ok(config)
    }
}

/// `liftcheck config`: every threshold with its default value.
pub fn print_default_config() -> anyhow::Result<u8> {
    let text = liftcheck::analysis::config::commented_defaults().context("encoding the default configuration")?;
    say(&format!(
        "# liftcheck thresholds (defaults). Edit, then pass with --config FILE; fields left out\n\
         # keep their defaults. `--strictness` scales every fault limit at once. In the notes,\n\
         # \"ref:\" names a published source, \"measured\" a value checked on labelled clips (the\n\
         # project's scripts/synth/judgement.md has the figures) and \"calibrate\" a starting value\n\
         # still to be checked.\n{text}"
    ))?;
    Ok(crate::EXIT_CLEAN)
}

/// Writes `text` to standard output: a full disk or a closed file there is an error line and
/// exit 2, not a panic (a reader that goes away early ends the process quietly, by SIGPIPE).
pub fn say(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing to standard output")
}

/// "unknown field `x`, expected one of ..." (every field) as the nearest field's name instead.
fn shorter_unknown_field(message: &str) -> Option<String> {
    let unknown = message.strip_prefix("unknown field `")?.split('`').next()?;
    let fields = toml::Table::try_from(Config::default()).ok()?;
    let nearest = fields
        .keys()
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(similarity, _)| *similarity >= 0.85)
        .map(|(_, k)| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    Some(format!(
        "unknown field `{unknown}` ({nearest}`liftcheck config` lists every field)"
    ))
}

/// A thresholds-file error as one line. TOML syntax and type errors come as a source snippet over
/// several lines; this keeps the line number, the offending line (it names the key) and the
/// message.
fn toml_error_line(path: &Path, text: &str, e: liftcheck::analysis::AnalysisError) -> anyhow::Error {
    use liftcheck::analysis::AnalysisError;
    if !matches!(e, AnalysisError::ConfigSyntax(_)) {
        return anyhow::anyhow!("{}: {e}", path.display());
    }
    match toml::from_str::<Config>(text) {
        Err(syntax) => {
            let start = syntax.span().map_or(0, |s| s.start).min(text.len());
            let line = text.as_bytes()[..start].iter().filter(|&&b| b == b'\n').count() + 1;
            let mut source: String = text
                .lines()
                .nth(line - 1)
                .unwrap_or("")
                .trim()
                .chars()
                .take(60)
                .collect();
            if source.chars().count() == 60 {
                source.push_str("...");
            }
            let message = syntax.message().split_whitespace().collect::<Vec<_>>().join(" ");
            let message = shorter_unknown_field(&message).unwrap_or(message);
            anyhow::anyhow!("{}: config: line {line} `{source}`: {message}", path.display())
        }
        Ok(_) => anyhow::anyhow!("{}: {}", path.display(), e.to_string().replace('\n', " ")),
    }
}

/// The pose stage and the analysis of one clip.
pub fn check_clip(
    opened: VideoReader,
    pose: &PoseArgs,
    check: &CheckArgs,
    config: &Config,
    quiet: bool,
) -> anyhow::Result<(PoseTrack, Option<RunStats>, Analysis)> {
    let video = opened.info().path.clone();
    let (track, stats) = track_with_cache(opened, pose, quiet)?;
    let (analysis, _) = analyse_track(&video, &track, check, config)?;
    Ok((track, stats, analysis))
}

/// The analysis of a clip's pose track, with what was left out of a partly analysed clip printed
/// as warnings, put first among the report's notes and returned beside it (for `batch`'s
/// summary). When the clip cannot be analysed, the error says so too (a damaged file can be the
/// reason nobody was found).
pub fn analyse_track(
    video: &Path,
    track: &PoseTrack,
    check: &CheckArgs,
    config: &Config,
) -> anyhow::Result<(Analysis, Vec<String>)> {
    let damaged = || cut_short(track).map_or(String::new(), |why| format!(" ({why})"));
    let found = track.frames.iter().filter(|f| f.pose.is_some()).count();
    if found == 0 {
        bail!(
            "{}: no person found in any of its {} frames{}",
            video.display(),
            track.frames.len(),
            damaged()
        );
    }
    let mut analysis = track
        .analyze(check.variant.into(), config)
        .map_err(|e| anyhow::anyhow!("{}: cannot analyse: {e}{}", video.display(), damaged()))?;
    // A damaged file whose decodable part holds no rep is an error, not a clean clip.
    if analysis.reps.is_empty()
        && let Some(why) = decoding_stopped(track)
    {
        bail!(
            "{}: {why}, and the frames before it hold no complete rep",
            video.display()
        );
    }
    let warnings = clip_warnings(track, config);
    print_warnings(video, &warnings);
    analysis.notes.splice(0..0, warnings.iter().cloned());
    Ok((analysis, warnings))
}

/// What the reports must say about a clip only partly analysed: decoding stopped early, or
/// stretches without the lifter. The same sentences go to stderr ([`print_warnings`]) and, first,
/// into the report's notes, so a report read later says it too.
pub fn clip_warnings(track: &PoseTrack, config: &Config) -> Vec<String> {
    [cut_short(track), lifter_missing(track, config)]
        .into_iter()
        .flatten()
        .collect()
}

/// Prints each warning as one line naming the clip.
pub fn print_warnings(video: &Path, warnings: &[String]) {
    for w in warnings {
        eprintln!("liftcheck: warning: {}: {w}", video.display());
    }
}

/// A stretch without the lifter at the start or end of a clip shorter than this is walking in or
/// out of view, or the camera starting: not worth a warning.
const EDGE_GAP_S: f64 = 1.0;

/// A stretch of the clip, from and to, seconds.
type Stretch = (f64, f64);

/// Stretches without the lifter (out of frame, hidden) longer than the analysis bridges
/// (`max_gap_s`; at the ends of the clip, [`EDGE_GAP_S`]): the report covers only the rest of the
/// clip. A stretch at the start that ends where tracking moved from someone else to the lifter
/// ([`PoseTrack::switched_to_lifter_at`]) is named as such.
fn lifter_missing(track: &PoseTrack, config: &Config) -> Option<String> {
    let frame_s = if track.video.fps > 0.0 {
        1.0 / track.video.fps
    } else {
        1.0 / 30.0
    };
    let mut gaps: Vec<(f64, f64)> = Vec::new();
    let mut start = None;
    for (i, f) in track.frames.iter().enumerate() {
        match (&f.pose, start) {
            (None, None) => start = Some(f.time_s),
            (Some(_), Some(from)) => {
                gaps.push((from, track.frames[i - 1].time_s + frame_s));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(from), Some(last)) = (start, track.frames.last()) {
        gaps.push((from, last.time_s + frame_s));
    }
    let (first, end) = match (track.frames.first(), track.frames.last()) {
        (Some(first), Some(last)) => (first.time_s, last.time_s + frame_s),
        _ => return None,
    };
    let long_gaps: Vec<(f64, f64)> = gaps
        .into_iter()
        .filter(|&(from, to)| {
            let at_edge = from <= first || to >= end;
            to - from > if at_edge { EDGE_GAP_S } else { config.max_gap_s }
        })
        .collect();
    if long_gaps.is_empty() {
        return None;
    }
    // The stretch from the start up to the frame where tracking moved from someone else to the
    // lifter: that person's poses were dropped, so it is not that nobody was found. It ends where
    // the gaps above end, one frame interval after the frame before the move.
    let switch_end = track
        .switched_to_lifter_at
        .filter(|&k| k > 0)
        .and_then(|k| track.frames.get(k - 1))
        .map(|f| f.time_s + frame_s);
    let (followed_other, long_gaps): (Vec<Stretch>, Vec<Stretch>) = long_gaps
        .into_iter()
        .partition(|&(from, to)| from <= first && Some(to) == switch_end);
    // The frames of the stretches named, not every frame without a pose: short gaps are filled in.
    let missing_in = |gaps: &[Stretch]| {
        track
            .frames
            .iter()
            .filter(|f| f.pose.is_none() && gaps.iter().any(|&(from, to)| (from..to).contains(&f.time_s)))
            .count()
    };
    let mut parts = Vec::new();
    if let Some(&(from, to)) = followed_other.first() {
        parts.push(format!(
            "someone else was followed over {from:.1}-{to:.1} s ({} frames) until the lifter was found at {to:.1} s",
            missing_in(&followed_other)
        ));
    }
    if !long_gaps.is_empty() {
        let long: Vec<String> = long_gaps
            .iter()
            .map(|(from, to)| format!("{from:.1}-{to:.1} s"))
            .collect();
        let shown = if long.len() > 3 {
            format!("{}, ...", long[..3].join(", "))
        } else {
            long.join(", ")
        };
        parts.push(format!(
            "no lifter found on {} of {} frames ({shown})",
            missing_in(&long_gaps),
            track.frames.len()
        ));
    }
    let stretches = if followed_other.len() + long_gaps.len() > 1 {
        "those stretches are"
    } else {
        "that stretch is"
    };
    Some(format!("{}: {stretches} not analysed", parts.join("; ")))
}

/// `--threads`: checked as the arguments are read, so a run served from the keypoint cache
/// (which never starts ONNX Runtime) rejects it too.
pub fn parse_threads(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {MAX_THREADS}")),
    }
}

/// Most `--threads`: ONNX Runtime starts every thread it is given up front, and thousands of
/// them take gigabytes and stop the process answering Ctrl-C; no machine liftcheck runs on has
/// more cores than this.
const MAX_THREADS: usize = 256;

/// `--strictness`: within [`liftcheck::analysis::config::STRICTNESS_RANGE`], checked as the
/// arguments are read.
pub fn parse_strictness(s: &str) -> Result<f64, String> {
    let (low, high) = liftcheck::analysis::config::STRICTNESS_RANGE;
    match s.trim().parse::<f64>() {
        Ok(x) if (low..=high).contains(&x) => Ok(x),
        _ => Err(format!("must be a number from {low} to {high}")),
    }
}

pub fn parse_lifter(s: &str) -> Result<LifterHint, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(LifterHint::Auto);
    }
    let parse = |v: &str| v.trim().parse::<f32>().ok().filter(|f| (0.0..=1.0).contains(f));
    match s.split_once(',') {
        Some((x, y)) => match (parse(x), parse(y)) {
            (Some(x), Some(y)) => Ok(LifterHint::Near { x, y }),
            _ => Err("X and Y must be fractions between 0 and 1, e.g. 0.3,0.6".into()),
        },
        None => Err("expected `auto` or `X,Y`, e.g. 0.3,0.6".into()),
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// ONNX Runtime threads per model run for a clip given `cores`. When the segmentation head runs
/// on the frame worker (`head_on_worker`) while the keypoint model runs on the next frame
/// (`liftcheck::pose::mask_head`), each gets half the cores. On 2 cores, one
/// thread each against two, alternating runs of `analyze` on the 1080p benchmark clip: 9.6-11.1
/// s against 10.2-11.3 s (README, "Speed"); with two each, four model threads and the decoder
/// share the two cores.
pub fn threads_per_model(head_on_worker: bool, cores: usize) -> usize {
    if head_on_worker {
        (cores / 2).max(1)
    } else {
        cores.max(1)
    }
}

/// Set-up errors (library, models, sessions) already carry their cause in the message: as one
/// line, without the error chain that would repeat it.
fn flat(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub fn build_estimator(args: &PoseArgs) -> anyhow::Result<BlazePose> {
    let runtime = runtime::load().map_err(flat)?;
    let models = ModelStore::open(args.models.as_deref()).map_err(flat)?;
    let cores_per_clip = args.cores_per_clip.unwrap_or_else(cores).max(1);
    // The head runs on the frame worker where the models folder has it as a model of its own,
    // and there is a core for it (`BlazePoseConfig::mask_on_worker`); otherwise right after the
    // keypoints.
    let listed = |name: Option<&str>| name.is_some_and(|n| models.entry(n).is_ok());
    let head_on_worker = cores_per_clip >= 2
        && listed(args.model.manifest_name_without_mask())
        && listed(args.model.manifest_name_mask_head());
    let session = SessionOptions {
        // Checked when the arguments are read (`parse_threads`).
        intra_threads: args
            .threads
            .unwrap_or_else(|| threads_per_model(head_on_worker, cores_per_clip)),
        ..SessionOptions::default()
    };
    let config = BlazePoseConfig {
        model: args.model,
        lifter: args.lifter,
        session,
        keep_mask: true,
        mask_on_worker: head_on_worker,
    };
    BlazePose::new(&runtime, &models, config).map_err(flat)
}

pub fn progress_bar(quiet: bool, path: &Path) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} frames, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar
}

/// What keypoints from `pose`'s models depend on ([`ModelStore::digest`]): the detector and the
/// landmark model, with and without its segmentation head, and the head alone, as the manifest
/// lists them.
pub fn models_digest(pose: &PoseArgs) -> anyhow::Result<String> {
    let models = ModelStore::open(pose.models.as_deref()).map_err(flat)?;
    let mut names = vec![liftcheck::pose::blazepose::DETECTOR_MODEL, pose.model.manifest_name()];
    names.extend(pose.model.manifest_name_without_mask());
    names.extend(pose.model.manifest_name_mask_head());
    Ok(models.digest(&names))
}

/// The pose stage for one clip, from the cache when the same clip was tracked with the same
/// settings before. `estimator` is created on first need and kept for the next clip.
/// Returns the run's statistics when inference ran. `video_sha256` is the video's digest when
/// the caller already has it (`batch` hashes every clip for its up-to-date check), and `opened`
/// the video when the caller opened it to check it (opening probes the stream, which decodes a
/// few frames: not worth doing twice).
pub fn cached_track(
    video: &Path,
    opened: Option<VideoReader>,
    video_sha256: Option<&str>,
    pose: &PoseArgs,
    estimator: &mut Option<BlazePose>,
    on_progress: impl FnMut(usize, usize),
) -> anyhow::Result<(PoseTrack, Option<RunStats>)> {
    let lifter = match pose.lifter {
        LifterHint::Auto => "auto".to_string(),
        LifterHint::Near { x, y } => format!("{x},{y}"),
    };
    let cache = if pose.no_cache {
        None
    } else {
        track::default_cache_dir()
    };
    let key = match &cache {
        Some(_) => {
            let video_sha256 = match video_sha256 {
                Some(digest) => digest.to_string(),
                None => liftcheck::models::file_sha256_hex(video)
                    .with_context(|| format!("{}: cannot read", video.display()))?,
            };
            Some(CacheKey::new(video_sha256, pose.model, models_digest(pose)?, lifter))
        }
        None => None,
    };
    if let (Some(dir), Some(key)) = (&cache, &key)
        && let Some(mut track) = track::load_cached(dir, key)
    {
        track.video.path = video.to_path_buf();
        return Ok((track, None));
    }
    if estimator.is_none() {
        *estimator = Some(build_estimator(pose)?);
    }
    let est = estimator.as_mut().context("pose estimator")?;
    let reader = match opened {
        Some(reader) => reader,
        None => VideoReader::open(video)?,
    };
    debug_assert_eq!(reader.info().path, video, "the clip hashed is the clip decoded");
    let (track, stats) = track::track_opened(reader, est, on_progress)?;
    if let (Some(dir), Some(key)) = (&cache, &key)
        && let Err(e) = track::store_cached(dir, key, &track)
    {
        eprintln!("liftcheck: warning: keypoint cache not written: {e}");
    }
    Ok((track, Some(stats)))
}

/// Frames missing at the end of a clip below this many seconds' worth are not worth a warning:
/// phone clips often declare a few frames more than they hold (real clips: 3 of 445 and 3 of
/// 136), and a lifter's rep is not in 0.5 s.
const CUT_SHORT_MIN_S: f64 = 0.5;

/// Decoding ended well before the container's frame count and duration: FFmpeg stops at the
/// first packet it cannot decode (a damaged or truncated file) as if the clip had ended. Both
/// must fall short, as the count is estimated for some containers and the nominal duration is off
/// for variable-rate MP4s.
fn cut_short(track: &PoseTrack) -> Option<String> {
    decoding_stopped(track).map(|why| format!("{why}: only those frames are analysed"))
}

/// Where decoding stopped, and how much of the clip that leaves, when [`cut_short`].
fn decoding_stopped(track: &PoseTrack) -> Option<String> {
    let info = &track.video;
    let decoded = track.frames.len();
    let covered_s = track.frames.last().map_or(0.0, |f| f.time_s);
    let frame_s = if info.fps > 0.0 { 1.0 / info.fps } else { 0.0 };
    let missing_s = (info.frame_count.saturating_sub(decoded)) as f64 * frame_s;
    (decoded + 2 < info.frame_count
        && missing_s > CUT_SHORT_MIN_S
        && covered_s + 3.0 * frame_s < info.nominal_duration_s())
    .then(|| {
        format!(
            "decoding stopped at frame {decoded} of {} ({covered_s:.1} s of {:.1} s; the file is damaged or cut \
             short)",
            info.frame_count,
            info.nominal_duration_s()
        )
    })
}

/// [`cached_track`] for one clip, with its own progress bar.
pub fn track_with_cache(
    opened: VideoReader,
    pose: &PoseArgs,
    quiet: bool,
) -> anyhow::Result<(PoseTrack, Option<RunStats>)> {
    let video = opened.info().path.clone();
    let bar = progress_bar(quiet, &video);
    let result = cached_track(&video, Some(opened), None, pose, &mut None, |done, total| {
        bar.set_length(total.max(done) as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    result
}

/// An error and its causes on one line, each cause once: error types that put their cause in
/// their own message (`"{path}: cannot read: {source}"`) would otherwise show it twice.
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    line.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use liftcheck::pose::{Keypoint, NUM_KEYPOINTS, Pose, PoseFrame};

    /// 10 s at 10 fps with the lifter missing where `missing(frame)` says.
    fn track(missing: impl Fn(usize) -> bool) -> PoseTrack {
        let n = 100;
        let pose = Pose {
            keypoints: [Keypoint::default(); NUM_KEYPOINTS],
            score: 1.0,
        };
        PoseTrack {
            video: liftcheck::video::VideoInfo {
                path: "clip.mp4".into(),
                width: 64,
                height: 64,
                fps: 10.0,
                frame_count: n,
                rotation_applied: 0,
                codec: "h264".into(),
            },
            frames: (0..n)
                .map(|i| PoseFrame {
                    index: i,
                    time_s: i as f64 / 10.0,
                    pose: (!missing(i)).then(|| pose.clone()),
                })
                .collect(),
            back: vec![None; n],
            plates: vec![None; n],
            lines: Vec::new(),
            switched_to_lifter_at: None,
        }
    }

    /// The warning counts the frames of the stretches it names, not the short gaps bridged.
    #[test]
    fn missing_lifter_warning_counts_the_stretches_it_names() {
        let config = Config::default();
        // (frames without the lifter, warning)
        type Missing = fn(usize) -> bool;
        let cases: [(Missing, Option<&str>); 3] = [
            (|_| false, None),
            // Short gaps only: bridged.
            (|i| i % 10 == 5, None),
            // Short gaps, and 3 s (30 frames) in the middle.
            (
                |i| i % 10 == 5 || (40..70).contains(&i),
                Some("no lifter found on 30 of 100 frames (4.0-7.0 s)"),
            ),
        ];
        for (missing, want) in cases {
            let got = lifter_missing(&track(missing), &config);
            match want {
                None => assert_eq!(got, None),
                Some(w) => assert!(got.as_deref().is_some_and(|g| g.starts_with(w)), "{got:?}"),
            }
        }
    }

    /// Where tracking moved from someone else to the lifter, the frames before hold no pose: the
    /// warning says someone else was followed there, not that nobody was found.
    #[test]
    fn missing_lifter_warning_names_the_stretch_someone_else_was_followed() {
        let config = Config::default();
        // (frames without a pose, frame tracking moved to the lifter, warning)
        type Missing = fn(usize) -> bool;
        let cases: [(Missing, Option<usize>, &str); 5] = [
            (
                |i| i < 20,
                Some(20),
                "someone else was followed over 0.0-2.0 s (20 frames) until the lifter was found at 2.0 s: \
                 that stretch is not analysed",
            ),
            (
                |i| i < 20 || (40..70).contains(&i),
                Some(20),
                "someone else was followed over 0.0-2.0 s (20 frames) until the lifter was found at 2.0 s; \
                 no lifter found on 30 of 100 frames (4.0-7.0 s): those stretches are not analysed",
            ),
            // Lost again a frame after the move: a stretch of its own.
            (
                |i| i < 20 || (21..45).contains(&i),
                Some(20),
                "someone else was followed over 0.0-2.0 s (20 frames) until the lifter was found at 2.0 s; \
                 no lifter found on 24 of 100 frames (2.1-4.5 s): those stretches are not analysed",
            ),
            // No pose on the frame of the move either (not what the pose stage gives): one stretch
            // on from the start, which is not only someone else's.
            (
                |i| i < 45,
                Some(20),
                "no lifter found on 45 of 100 frames (0.0-4.5 s): that stretch is not analysed",
            ),
            // No move: the same stretch is nobody found.
            (
                |i| i < 20,
                None,
                "no lifter found on 20 of 100 frames (0.0-2.0 s): that stretch is not analysed",
            ),
        ];
        for (missing, switched, want) in cases {
            let mut t = track(missing);
            t.switched_to_lifter_at = switched;
            assert_eq!(lifter_missing(&t, &config).as_deref(), Some(want));
        }
    }
}
