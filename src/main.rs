//! The `liftcheck` command line. Exit codes: 0 = clean, 1 = faults found, 2 = error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use liftcheck::models::{ModelStore, SessionOptions};
use liftcheck::output;
use liftcheck::pipeline::RunStats;
use liftcheck::pose::PoseFrame;
use liftcheck::pose::blazepose::{BlazePose, BlazePoseConfig, LandmarkModel};
use liftcheck::pose::detector::LifterHint;
use liftcheck::runtime;
use liftcheck::track::{self, CacheKey, PoseTrack};
use liftcheck::video::{VideoInfo, VideoReader};

/// Exit code for a run that failed (bad input, missing model or library, write error).
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "liftcheck",
    version,
    about = "Checks deadlift form from video.",
    long_about = "Checks deadlift form from video: finds the lifter with BlazePose (ONNX Runtime), \
                  measures joint angles per frame and checks each rep against coaching cues.\n\n\
                  Coaching feedback, not medical advice: if you are in pain, see a professional.",
    after_help = "Exit codes: 0 = no faults, 1 = faults found, 2 = error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse one video: find the lifter on every frame and report what was found.
    Analyze(AnalyzeArgs),
    /// Check the set-up: ONNX Runtime, model files and hashes, OpenCV, ffmpeg.
    Doctor(DoctorArgs),
}

#[derive(Args)]
struct DoctorArgs {
    /// Folder with the model files and manifest.json [default: the installed or checkout models/]
    #[arg(long, value_name = "DIR", env = "LIFTCHECK_MODELS")]
    models: Option<PathBuf>,
}

#[derive(Args)]
struct PoseArgs {
    /// Folder with the model files and manifest.json [default: the installed or checkout models/]
    #[arg(long, value_name = "DIR", env = "LIFTCHECK_MODELS")]
    models: Option<PathBuf>,
    /// Landmark model.
    #[arg(long, value_enum, default_value_t = LandmarkModel::Full)]
    model: LandmarkModel,
    /// ONNX Runtime threads per inference [default: number of cores]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Who to follow when several people are in frame: `auto` (largest, most central person) or
    /// `X,Y`, the lifter's position as fractions of frame width and height (e.g. `0.3,0.6`).
    #[arg(long, default_value = "auto", value_parser = parse_lifter)]
    lifter: LifterHint,
}

#[derive(Args)]
struct AnalyzeArgs {
    /// The video file (mp4, mov, ...).
    video: PathBuf,
    /// Write per-frame keypoints to this file (.json or .csv).
    #[arg(long, value_name = "FILE")]
    keypoints: Option<PathBuf>,
    /// Don't show a progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Run pose estimation even if this clip's keypoints are cached (cache: $LIFTCHECK_CACHE,
    /// else ~/.cache/liftcheck).
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    pose: PoseArgs,
}

fn parse_lifter(s: &str) -> Result<LifterHint, String> {
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

fn main() -> ExitCode {
    // Die quietly when stdout is closed early (`liftcheck ... | head`), like other Unix tools.
    // SAFETY: restoring the default disposition of a signal before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    // FFmpeg prints its own error lines (e.g. "moov atom not found") unless told not to; every
    // problem is reported once, by liftcheck. Set before any thread starts. A user who exports
    // OPENCV_FFMPEG_LOGLEVEL keeps FFmpeg's messages for debugging.
    if std::env::var_os("OPENCV_FFMPEG_LOGLEVEL").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("OPENCV_FFMPEG_LOGLEVEL", "-8") };
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("liftcheck: error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Doctor(args) => Ok(doctor(args)),
    }
}

fn build_estimator(args: &PoseArgs) -> anyhow::Result<BlazePose> {
    let runtime = runtime::load()?;
    let models = ModelStore::open(args.models.as_deref())?;
    let mut session = SessionOptions::default();
    if let Some(n) = args.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        session.intra_threads = n;
    }
    let config = BlazePoseConfig {
        model: args.model,
        lifter: args.lifter,
        session,
        keep_mask: true,
    };
    Ok(BlazePose::new(&runtime, &models, config)?)
}

fn progress_bar(quiet: bool, path: &Path) -> ProgressBar {
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

/// The pose stage for one clip, from the cache when the same clip was tracked with the same
/// settings before. Returns the run's statistics when it ran.
fn track_with_cache(
    video: &Path,
    pose: &PoseArgs,
    use_cache: bool,
    quiet: bool,
) -> anyhow::Result<(PoseTrack, Option<RunStats>)> {
    let lifter = match pose.lifter {
        LifterHint::Auto => "auto".to_string(),
        LifterHint::Near { x, y } => format!("{x},{y}"),
    };
    let cache = if use_cache { track::default_cache_dir() } else { None };
    let key = match &cache {
        Some(_) => Some(
            CacheKey::new(video, pose.model, lifter).with_context(|| format!("{}: cannot read", video.display()))?,
        ),
        None => None,
    };
    if let (Some(dir), Some(key)) = (&cache, &key) {
        if let Some(mut track) = track::load_cached(dir, key) {
            track.video.path = video.to_path_buf();
            return Ok((track, None));
        }
    }
    let mut estimator = build_estimator(pose)?;
    let bar = progress_bar(quiet, video);
    let (track, stats) = track::track_clip(video, &mut estimator, |done, total| {
        if bar.length() != Some(total as u64) {
            bar.set_length(total.max(done) as u64);
        }
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    if let (Some(dir), Some(key)) = (&cache, &key) {
        if let Err(e) = track::store_cached(dir, key, &track) {
            eprintln!("liftcheck: warning: keypoint cache not written: {e}");
        }
    }
    Ok((track, Some(stats)))
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<u8> {
    if let Some(out) = &args.keypoints {
        output::ensure_not_input(out, &args.video)?;
    }
    // Bad input is reported before the models load.
    VideoReader::open(&args.video)?;
    let (track, stats) = track_with_cache(&args.video, &args.pose, !args.no_cache, args.quiet)?;
    let found = track.frames.iter().filter(|f| f.pose.is_some()).count();
    if found == 0 {
        bail!(
            "{}: no person found in any of its {} frames",
            args.video.display(),
            track.frames.len()
        );
    }
    print_summary(&track.video, &track.frames, stats.as_ref());
    if let Some(out) = &args.keypoints {
        output::write_keypoints(out, &track.video, &track.frames).with_context(|| "writing keypoints")?;
        println!("keypoints written to {}", out.display());
    }
    Ok(0)
}

fn ms_per_frame(d: std::time::Duration, frames: usize) -> f64 {
    if frames == 0 {
        0.0
    } else {
        d.as_secs_f64() * 1000.0 / frames as f64
    }
}

fn print_summary(info: &VideoInfo, frames: &[PoseFrame], stats: Option<&RunStats>) {
    let duration = frames.last().map_or(0.0, |f| f.time_s) + if info.fps > 0.0 { 1.0 / info.fps } else { 0.0 };
    let visibilities: Vec<f32> = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .map(|p| p.key_joint_visibility())
        .collect();
    let mean_visibility = visibilities.iter().sum::<f32>() / visibilities.len().max(1) as f32;
    println!("{}", info.path.display());
    println!(
        "  video        {}x{} {}, {:.2} fps, {:.2} s, {} frames",
        info.width,
        info.height,
        info.codec,
        info.fps,
        duration,
        frames.len()
    );
    println!("  orientation  rotated {} degrees to upright", info.rotation_applied);
    let found = frames.iter().filter(|f| f.pose.is_some()).count();
    println!(
        "  lifter       found on {} of {} frames ({:.0}%), key-joint visibility {:.2}",
        found,
        frames.len(),
        100.0 * found as f64 / frames.len().max(1) as f64,
        mean_visibility
    );
    let Some(stats) = stats else {
        println!("  time/frame   keypoints from the cache (no inference; --no-cache to rerun)");
        return;
    };
    let n = stats.frames;
    let model = ms_per_frame(stats.models.inference, n);
    let wall = ms_per_frame(stats.wall, n);
    println!(
        "  time/frame   models {model:.1} ms (landmark x {}, detector x {}), pose stage {:.1} ms, \
         back outline and plate {:.1} ms, decode {:.1} ms (own thread; waited for {:.1} ms), \
         total {wall:.1} ms = {:.2}x model time, {:.1}x real time",
        stats.models.landmark_runs,
        stats.models.detector_runs,
        ms_per_frame(stats.pose, n),
        ms_per_frame(stats.per_frame_consumer, n),
        ms_per_frame(stats.decode, n),
        ms_per_frame(stats.waiting_for_frames, n),
        if model > 0.0 { wall / model } else { 0.0 },
        if stats.wall.as_secs_f64() > 0.0 {
            duration / stats.wall.as_secs_f64()
        } else {
            0.0
        },
    );
}

/// Prints one line per component, with the fix for anything missing. Exit 0 when all is well.
fn doctor(args: DoctorArgs) -> u8 {
    let mut problems = 0;
    let mut report = |ok: bool, what: &str, detail: String| {
        problems += usize::from(!ok);
        println!("{} {what:<14} {detail}", if ok { "ok  " } else { "FAIL" });
    };
    match runtime::load() {
        Ok(rt) => report(
            true,
            "onnxruntime",
            format!(
                "{} ({})",
                runtime::version_from_file_name(&rt.library_path).unwrap_or_else(|| "version unknown".into()),
                rt.library_path.display()
            ),
        ),
        Err(e) => report(false, "onnxruntime", e.to_string()),
    }
    match ModelStore::open(args.models.as_deref()) {
        Ok(store) => {
            for entry in store.entries() {
                match store.read_verified(&entry.name) {
                    Ok((path, _)) => report(true, "model", format!("{} sha256 ok ({})", entry.name, path.display())),
                    Err(e) => report(false, "model", e.to_string()),
                }
            }
        }
        Err(e) => report(false, "models", e.to_string()),
    }
    match liftcheck::video::opencv_description() {
        Ok(desc) => report(true, "opencv", desc),
        Err(e) => report(false, "opencv", e.to_string()),
    }
    for tool in ["ffmpeg", "ffprobe"] {
        let found = std::process::Command::new(tool)
            .arg("-version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().next().map(str::to_string));
        match found {
            Some(version) => report(true, tool, version),
            None => report(
                false,
                tool,
                "not found (needed for tests and annotated clips); fix: run scripts/setup.sh or apt-get install ffmpeg"
                    .into(),
            ),
        }
    }
    if problems == 0 {
        println!("all checks passed");
        0
    } else {
        println!("{problems} problem(s) found");
        EXIT_ERROR
    }
}
