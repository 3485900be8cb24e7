//! `liftcheck analyze` and `liftcheck annotate`: one clip, checked, with optional outputs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use liftcheck::analysis::Analysis;
use liftcheck::output;
use liftcheck::pipeline::RunStats;
use liftcheck::pose::PoseFrame;
use liftcheck::render::{annotate, html};
use liftcheck::report;
use liftcheck::track::PoseTrack;
use liftcheck::video::{VideoInfo, VideoReader};

use super::common::{CheckArgs, PoseArgs, RenderArgs, analyse_track, check_clip, progress_bar, say, track_with_cache};
use crate::{EXIT_CLEAN, EXIT_FAULTS};

#[derive(Args)]
pub struct AnalyzeArgs {
    /// The video file (mp4, mov, ...).
    pub video: PathBuf,
    /// Write the full report as JSON (versioned schema) to this file; `-` prints it instead of
    /// the terminal report.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write cleaned per-frame angles and metrics as CSV to this file; `-` prints it instead of
    /// the terminal report.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write per-frame keypoints to this file (.json or .csv).
    #[arg(long, value_name = "FILE")]
    pub keypoints: Option<PathBuf>,
    /// Also write an annotated clip (H.264 MP4) to this file.
    #[arg(long, value_name = "OUT.mp4")]
    pub annotate: Option<PathBuf>,
    /// Write a self-contained HTML report (tables, plots, key frames) to this file; `-` prints it
    /// instead of the terminal report.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Print the video facts, timings and how the clip was read (keypoints set aside, estimates)
    /// as well as the report.
    #[arg(long, short)]
    pub verbose: bool,
    /// Don't show progress bars.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub pose: PoseArgs,
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub render: RenderArgs,
}

#[derive(Args)]
pub struct AnnotateArgs {
    /// The video file (mp4, mov, ...).
    pub video: PathBuf,
    /// The annotated clip to write (H.264 MP4).
    #[arg(long, short, value_name = "OUT.mp4")]
    pub output: PathBuf,
    /// Don't show progress bars.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub pose: PoseArgs,
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub render: RenderArgs,
}

pub fn analyze(args: AnalyzeArgs) -> anyhow::Result<u8> {
    args.render.check_used(args.annotate.is_some())?;
    let is_dash = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    // For the JSON, the CSV and the HTML report, `/dev/stdout` and the like mean standard output,
    // as `-` does: that output alone is printed there.
    let is_stdout = |p: &Option<PathBuf>| is_dash(p) || p.as_deref().and_then(output::own_descriptor) == Some(1);
    let (json_to_stdout, csv_to_stdout) = (is_stdout(&args.json), is_stdout(&args.csv));
    let html_to_stdout = is_stdout(&args.html);
    let to_stdout: Vec<String> = [
        ("--json", &args.json, json_to_stdout),
        ("--csv", &args.csv, csv_to_stdout),
        ("--html", &args.html, html_to_stdout),
    ]
    .into_iter()
    .filter(|(_, _, printed)| *printed)
    .map(|(option, path, _)| format!("{option} {}", path.as_deref().unwrap_or(Path::new("-")).display()))
    .collect();
    match to_stdout.as_slice() {
        [a, b] => anyhow::bail!("{a} and {b} both ask for standard output: give one of them a file"),
        [a, b, c] => anyhow::bail!("{a}, {b} and {c} all ask for standard output: give two of them a file"),
        _ => {}
    }
    for (option, path) in [("--keypoints", &args.keypoints), ("--annotate", &args.annotate)] {
        if is_dash(path) {
            anyhow::bail!("{option} -: only --json, --csv and --html can print to standard output; give a file");
        }
    }
    // The files to write: every output given, less one printed to standard output.
    let outputs: Vec<&Path> = [
        (&args.json, json_to_stdout),
        (&args.csv, csv_to_stdout),
        (&args.keypoints, false),
        (&args.html, html_to_stdout),
        (&args.annotate, false),
    ]
    .into_iter()
    .filter_map(|(path, printed)| path.as_deref().filter(|_| !printed))
    .collect();
    output::check_destinations(&outputs, &args.video)?;
    if args.annotate.is_some() {
        liftcheck::render::annotate::check_ffmpeg()?;
    }
    if let Some(keypoints) = &args.keypoints {
        output::check_keypoints_format(keypoints)?;
    }
    let config = args.check.config()?;
    // Bad input is reported before the models load.
    let opened = VideoReader::open(&args.video)?;
    let (track, stats) = track_with_cache(opened, &args.pose, args.quiet)?;
    // The keypoints are the pose stage's output: written even when the analysis then refuses the
    // clip, since they show why (a lifter lost, a turned video).
    if let Some(out) = &args.keypoints {
        output::write_keypoints(out, &track.video, &track.frames).context("writing keypoints")?;
    }
    let (analysis, _) = analyse_track(&args.video, &track, &args.check, &config)?;
    let name = args.video.display().to_string();
    if args.verbose {
        // Beside machine output on stdout, the facts go to stderr.
        let summary = pose_summary(&track.video, &track.frames, stats.as_ref());
        if !to_stdout.is_empty() {
            eprint!("{summary}");
        } else {
            say(&summary)?;
        }
    }
    if json_to_stdout || csv_to_stdout {
        // Machine-readable output alone on stdout, for a pipe (`--json - | jq ...`).
        let mut bytes = Vec::new();
        if json_to_stdout {
            report::write_json(&analysis, &report_meta(&name), &mut bytes).context("encoding the JSON report")?;
        } else {
            report::frames_csv(&analysis, &mut bytes).context("encoding the CSV")?;
        }
        say(&String::from_utf8_lossy(&bytes))?;
    } else if !html_to_stdout {
        say(&report::terminal(&analysis, &name, args.verbose))?;
    }
    if let Some(out) = args.json.as_deref().filter(|_| !json_to_stdout) {
        output::write_atomically(out, |mut w| {
            report::write_json(&analysis, &report_meta(&name), &mut w).map_err(std::io::Error::other)
        })
        .context("writing the JSON report")?;
    }
    if let Some(out) = args.csv.as_deref().filter(|_| !csv_to_stdout) {
        output::write_atomically(out, |mut w| {
            report::frames_csv(&analysis, &mut w).map_err(std::io::Error::other)
        })
        .context("writing the CSV")?;
    }
    if let Some(out) = &args.html {
        // `-` is standard output, which the page is written to by its descriptor.
        let out = if html_to_stdout {
            Path::new("/dev/stdout")
        } else {
            out.as_path()
        };
        html::write_clip_report(&args.video, &name, &track, &analysis, out).context("writing the HTML report")?;
    }
    if let Some(out) = &args.annotate {
        write_annotated(&args.video, &track, &analysis, out, args.render, args.quiet)?;
    }
    Ok(exit_code(&analysis))
}

pub fn annotate(args: AnnotateArgs) -> anyhow::Result<u8> {
    output::check_destinations(&[&args.output], &args.video)?;
    liftcheck::render::annotate::check_ffmpeg()?;
    let config = args.check.config()?;
    let opened = VideoReader::open(&args.video)?;
    let (track, _, analysis) = check_clip(opened, &args.pose, &args.check, &config, args.quiet)?;
    write_annotated(&args.video, &track, &analysis, &args.output, args.render, args.quiet)?;
    // The exit code says whether faults were found; say which.
    say(&format!("{}: {}\n", args.video.display(), report::one_line(&analysis)))?;
    Ok(exit_code(&analysis))
}

pub fn exit_code(analysis: &Analysis) -> u8 {
    if analysis.has_faults() { EXIT_FAULTS } else { EXIT_CLEAN }
}

/// Report metadata; per-frame metrics go to the CSV, not the JSON.
pub fn report_meta(video_name: &str) -> report::ReportMeta<'_> {
    report::ReportMeta {
        video: video_name,
        include_frames: false,
    }
}

pub fn write_annotated(
    video: &Path,
    track: &PoseTrack,
    analysis: &Analysis,
    out: &Path,
    render: RenderArgs,
    quiet: bool,
) -> anyhow::Result<()> {
    let bar = progress_bar(quiet, out);
    let max_short_side = render.resolution().max_short_side();
    let stats = annotate::annotate(video, track, analysis, out, max_short_side, |done, total| {
        bar.set_length(total.max(done) as u64);
        bar.set_position(done as u64);
    })
    .map_err(|e| match e {
        annotate::RenderError::Interrupted => {
            anyhow::anyhow!("{}: interrupted; the annotated clip was not written", out.display())
        }
        e => e.into(),
    })?;
    bar.finish_and_clear();
    if !quiet {
        eprintln!(
            "annotated clip written to {} ({} frames in {:.1} s)",
            out.display(),
            stats.frames,
            stats.wall.as_secs_f64()
        );
    }
    Ok(())
}

fn ms_per_frame(d: std::time::Duration, frames: usize) -> f64 {
    if frames == 0 {
        0.0
    } else {
        d.as_secs_f64() * 1000.0 / frames as f64
    }
}

pub fn pose_summary(info: &VideoInfo, frames: &[PoseFrame], stats: Option<&RunStats>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let duration = frames.last().map_or(0.0, |f| f.time_s) + if info.fps > 0.0 { 1.0 / info.fps } else { 0.0 };
    let visibilities: Vec<f32> = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .map(|p| p.key_joint_visibility())
        .collect();
    let mean_visibility = visibilities.iter().sum::<f32>() / visibilities.len().max(1) as f32;
    let _ = writeln!(out, "{}", info.path.display());
    let _ = writeln!(
        out,
        "  video        {}x{} {}, {:.2} fps, {:.2} s, {} frames",
        info.width,
        info.height,
        info.codec,
        info.fps,
        duration,
        frames.len()
    );
    let _ = writeln!(
        out,
        "  orientation  rotated {} degrees to upright",
        info.rotation_applied
    );
    let found = frames.iter().filter(|f| f.pose.is_some()).count();
    let _ = writeln!(
        out,
        "  lifter       found on {} of {} frames ({:.0}%), key-joint visibility {:.2}",
        found,
        frames.len(),
        100.0 * found as f64 / frames.len().max(1) as f64,
        mean_visibility
    );
    let Some(stats) = stats else {
        let _ = writeln!(
            out,
            "  time/frame   keypoints from the cache (no inference; --no-cache to rerun)"
        );
        return out;
    };
    let n = stats.frames;
    let model = ms_per_frame(stats.models.inference, n);
    let wall = ms_per_frame(stats.wall, n);
    let _ = writeln!(
        out,
        "  time/frame   models {model:.1} ms (landmark x {}, {} with the mask; detector x {}; all threads), pose stage {:.1} ms, \
         back outline {:.1} ms, frame worker {:.1} ms (own thread: plate search{}; waited for {:.1} ms), \
         decode {:.1} ms (own thread; waited for {:.1} ms), \
         total {wall:.1} ms = {:.2}x model time, {:.1}x real time",
        stats.models.landmark_runs,
        stats.models.mask_runs,
        stats.models.detector_runs,
        ms_per_frame(stats.pose, n),
        ms_per_frame(stats.per_frame_consumer, n),
        ms_per_frame(stats.frame_worker, n),
        if stats.mask_head_on_worker { ", mask head" } else { "" },
        ms_per_frame(stats.waiting_for_worker, n),
        ms_per_frame(stats.decode, n),
        ms_per_frame(stats.waiting_for_frames, n),
        if model > 0.0 { wall / model } else { 0.0 },
        if stats.wall.as_secs_f64() > 0.0 {
            duration / stats.wall.as_secs_f64()
        } else {
            0.0
        },
    );
    out
}
