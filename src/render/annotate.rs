//! The annotated clip: every input frame, upright, with the skeleton, joint angles, the bar
//! path, a rep counter and phase, each fault while it happens with its cue, and a summary card
//! over the closing seconds. Same frame count and rate as the input, and the input's sound.
//!
//! The frame rate written is the clip's average (frames over duration), so variable-rate phone
//! clips keep their duration; their frame timing becomes uniform.
//!
//! Encoding is done by an `ffmpeg` child process (libx264 `veryfast`, `+faststart` for web
//! playback): OpenCV 4.6's own writer is stuck at x264's `medium` preset, about 2.6x the CPU,
//! and puts the index at the end of the file. The child encodes on its own threads while this
//! process decodes and draws the next frames. Frames go to it already in YUV 4:2:0 (converted
//! here by OpenCV): with BGR input, ffmpeg's own conversion made encoding a 1080p frame cost
//! 30.4 instead of 24.6 CPU ms (`scripts/bench/README.md`).
//!
//! By default the clip is written at 720p (short side 720, never enlarged): see
//! [`DEFAULT_MAX_SHORT_SIDE`].

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use opencv::core::{Mat, Point as CvPoint, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::overlay::{self, Style};
use crate::analysis::{Analysis, FrameMetrics, Phase, kinematics};
use crate::pose::geometry::Point;
use crate::pose::{Pose, landmark};
use crate::track::PoseTrack;
use crate::video::{Frame, VideoError, VideoReader};

/// x264 speed preset: `veryfast` costs about a third of `medium`'s CPU for a small size increase.
pub const X264_PRESET: &str = "veryfast";
/// x264 constant-quality factor: 23 is x264's default, visually clean for overlays.
pub const X264_CRF: &str = "23";
/// The clip's sound (the input's first audio track, if any) is re-encoded to AAC at this rate:
/// MP4 takes AAC from any source, where copying the phone's track as it is fails for codecs MP4
/// cannot hold (PCM from a `.mov`, say). Speech and gym sound need no more.
const AAC_BITRATE: &str = "128k";
/// Short side of the annotated clip unless asked otherwise, pixels (larger clips are scaled
/// down, smaller ones kept). The overlay's sizes are defined against a 720-px short side (see
/// [`Style::for_frame`]; they scale with the frame), and x264 `veryfast` costs about a third of the CPU at 720p that it
/// does at 1080p (200 frames of the 1080p benchmark clip: 8.5 vs 24.6 CPU ms per frame; the
/// command is in `scripts/bench/README.md`), which takes `annotate` on a 1080p clip from 0.76x
/// to 0.92x real time on two cores; `--resolution source` keeps the input's size.
pub const DEFAULT_MAX_SHORT_SIDE: u32 = 720;
/// A fault's banner stays up this long after its time range ends, so it can be read.
const FAULT_LINGER_S: f64 = 1.0;
/// The summary card covers the last this-many seconds (at most a quarter of the clip).
const SUMMARY_CARD_S: f64 = 2.5;

/// Checks that the `ffmpeg` command runs, so a run that will write annotated clips fails before
/// the pose stage rather than after it.
pub fn check_ffmpeg() -> Result<(), RenderError> {
    let status = Command::new("ffmpeg")
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(RenderError::FfmpegMissing)?;
    if status.success() {
        Ok(())
    } else {
        Err(RenderError::FfmpegMissing(std::io::Error::other(format!(
            "`ffmpeg -version` failed: {status}"
        ))))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Video(#[from] VideoError),
    #[error("drawing failed: {0}")]
    Draw(#[from] opencv::Error),
    #[error("annotated clips need the ffmpeg command ({0}); fix: run scripts/setup.sh or apt-get install ffmpeg")]
    FfmpegMissing(std::io::Error),
    #[error("{}: video encoding failed: {message}", path.display())]
    Encoder { path: PathBuf, message: String },
    #[error("{}: the clip changed since it was analysed ({decoded} frames now, {analysed} analysed)", path.display())]
    FrameMismatch {
        path: PathBuf,
        decoded: usize,
        analysed: usize,
    },
    // The cause is part of the message, not a `source`: error chains would print it twice.
    #[error("{}: cannot write: {error}", path.display())]
    Write { path: PathBuf, error: std::io::Error },
    #[error("interrupted")]
    Interrupted,
}

/// Where the time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnnotateStats {
    pub frames: usize,
    pub decode: Duration,
    pub draw: Duration,
    /// Time blocked writing frames to the encoder (encoding slower than drawing).
    pub encode_wait: Duration,
    pub wall: Duration,
}

/// An ffmpeg process taking raw YUV 4:2:0 frames (even sizes) on stdin and writing an H.264 MP4.
struct Encoder {
    /// `None` once finished. An unfinished encoder (interrupt, error) is killed when dropped, so
    /// it cannot create its output file after the temporary file has been removed.
    child: Option<Child>,
    /// The output named in errors (ffmpeg writes a temporary file).
    path: PathBuf,
    temp: PathBuf,
    /// ffmpeg's error output, read when it is done: a file, not a pipe, which a long run of
    /// errors could fill, blocking ffmpeg while liftcheck waits on it to take frames.
    errors: std::fs::File,
    _sigpipe: SigpipeBlocked,
}

/// Blocks SIGPIPE on this thread while frames are written to ffmpeg: when ffmpeg dies (a full
/// disk, say) the write then fails with EPIPE and ffmpeg's error is reported, instead of the
/// signal's default action (restored by `main` for `| head`) killing liftcheck silently and
/// leaving the temporary file behind.
struct SigpipeBlocked {
    previous: libc::sigset_t,
}

fn sigpipe_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset uses it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        set
    }
}

impl SigpipeBlocked {
    fn new() -> Self {
        let set = sigpipe_set();
        // SAFETY: changes only this thread's signal mask; `previous` is restored on drop.
        unsafe {
            let mut previous: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut previous);
            Self { previous }
        }
    }
}

impl Drop for SigpipeBlocked {
    fn drop(&mut self) {
        let set = sigpipe_set();
        let no_wait = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: takes this thread's pending SIGPIPEs (from writes to a dead encoder) before
        // restoring the previous mask, so they are not delivered then.
        unsafe {
            while libc::sigtimedwait(&set, std::ptr::null_mut(), &no_wait) == libc::SIGPIPE {}
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous, std::ptr::null_mut());
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Encoder {
    /// Starts ffmpeg writing to `temp`; errors name `output`. The sound of `sound_from` (its
    /// first audio stream, if it has one; at most `duration_s` of it) goes into the clip too.
    fn start(
        temp: &Path,
        output: &Path,
        (width, height, fps): (i32, i32, f64),
        sound_from: &Path,
        duration_s: f64,
    ) -> Result<Self, RenderError> {
        use std::os::unix::process::CommandExt;
        let encoder_err = |e: std::io::Error| RenderError::Encoder {
            path: output.to_path_buf(),
            message: e.to_string(),
        };
        let errors = tempfile::tempfile().map_err(encoder_err)?;
        let errors_out = errors.try_clone().map_err(encoder_err)?;
        let sigpipe = SigpipeBlocked::new();
        // `file:` so that a name such as `pipe:1` or `http:x.mp4` is not taken for a protocol.
        let mut sound = std::ffi::OsString::from("file:");
        sound.push(std::path::absolute(sound_from).map_err(encoder_err)?);
        let child = Command::new("ffmpeg")
            // A process group of its own: Ctrl-C in the terminal reaches the whole foreground
            // group, and an ffmpeg that died of it first made an interrupt look like an encoding
            // failure. liftcheck stops it itself (`Drop`).
            .process_group(0)
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "yuv420p",
            ])
            .args([
                "-s",
                &format!("{width}x{height}"),
                "-r",
                &format!("{fps:.6}"),
                "-i",
                "-",
            ])
            // The sound, cut to the video's length: `-shortest` would instead cut the video
            // where a shorter sound track ends.
            .args(["-t", &format!("{:.3}", duration_s.max(0.001)), "-i"])
            .arg(&sound)
            .args(["-map", "0:v:0", "-map", "1:a:0?", "-c:a", "aac", "-b:a", AAC_BITRATE])
            .args(["-c:v", "libx264", "-preset", X264_PRESET])
            .args([
                "-crf",
                X264_CRF,
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
            ])
            .arg(temp)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::from(errors_out))
            .spawn()
            .map_err(RenderError::FfmpegMissing)?;
        Ok(Self {
            child: Some(child),
            path: output.to_path_buf(),
            temp: temp.to_path_buf(),
            errors,
            _sigpipe: sigpipe,
        })
    }

    fn write(&mut self, frame: &Mat) -> Result<(), RenderError> {
        let bytes = frame.data_bytes()?;
        let written = match self.child.as_mut().and_then(|c| c.stdin.as_mut()) {
            Some(stdin) => stdin.write_all(bytes),
            None => Err(std::io::Error::other("encoder input closed")),
        };
        match written {
            Ok(()) => Ok(()),
            // ffmpeg stopped reading: its own error says why.
            Err(e) => match self.finish() {
                Err(failed) => Err(failed),
                Ok(()) => Err(RenderError::Encoder {
                    path: self.path.clone(),
                    message: e.to_string(),
                }),
            },
        }
    }

    fn finish(&mut self) -> Result<(), RenderError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        drop(child.stdin.take());
        let encoder_err = |e: std::io::Error| RenderError::Encoder {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let status = child.wait().map_err(encoder_err)?;
        let mut errors = Vec::new();
        self.errors.seek(std::io::SeekFrom::Start(0)).map_err(encoder_err)?;
        self.errors.read_to_end(&mut errors).map_err(encoder_err)?;
        // At `-loglevel error` ffmpeg prints only errors, and 5.1 exits with 0 after some (e.g.
        // "Error writing trailer of ...: No space left on device", the file cut short).
        let errors = String::from_utf8_lossy(&errors);
        if !status.success() || !errors.trim().is_empty() {
            return Err(RenderError::Encoder {
                path: self.path.clone(),
                message: errors
                    .trim()
                    .lines()
                    .last()
                    .unwrap_or("ffmpeg failed")
                    .replace(&*self.temp.to_string_lossy(), &self.path.to_string_lossy()),
            });
        }
        Ok(())
    }
}

/// Per-clip drawing state.
struct Painter<'a> {
    analysis: &'a Analysis,
    /// Output pixels per input pixel (x, y): the analysis is in the input's pixels.
    scale: (f32, f32),
    style: Style,
    scratch: Mat,
    summary_from_s: f64,
}

/// The still ankle the knee angle stands on, in output pixels, where the knee (output pixels)
/// stands over it: judged in the input's pixels, as the analysis does
/// ([`kinematics::stands_over_still_ankle`]).
fn still_ankle_for(analysis: &Analysis, knee: Point, (sx, sy): (f32, f32)) -> Option<Point> {
    let ([x, y], leg) = (analysis.still_ankle_px?, analysis.leg_length_px?);
    let knee_in = (f64::from(knee.x / sx), f64::from(knee.y / sy));
    kinematics::stands_over_still_ankle(knee_in, (f64::from(x), f64::from(y)), f64::from(leg))
        .then(|| Point::new(x * sx, y * sy))
}

fn near_side_points(pose: &Pose) -> (Point, Point, Point) {
    use landmark::*;
    let k = &pose.keypoints;
    let left = k[LEFT_HIP].visibility + k[LEFT_KNEE].visibility + k[LEFT_SHOULDER].visibility;
    let right = k[RIGHT_HIP].visibility + k[RIGHT_KNEE].visibility + k[RIGHT_SHOULDER].visibility;
    let (s, h, kn) = if left >= right {
        (LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE)
    } else {
        (RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE)
    };
    let p = |i: usize| Point::new(k[i].x, k[i].y);
    (p(s), p(h), p(kn))
}

/// The counter's line: the rep under way and its phase ("rep 2/3  pull"), else how many reps are
/// done ("reps 1/3  set-up" between reps, "3/3 reps done" once the last rep is over, `all_over`).
fn counter_label(m: &FrameMetrics, done: usize, total: usize, all_over: bool) -> String {
    let phase = match m.phase {
        Some(Phase::Pull) => "pull",
        Some(Phase::Lockout) => "lockout",
        Some(Phase::Lower) => "lowering",
        None => "set-up",
    };
    match m.rep {
        Some(rep) if m.phase.is_some() => format!("rep {rep}/{total}  {phase}"),
        _ if total > 0 && all_over => format!("{total}/{total} reps done"),
        _ => format!("reps {done}/{total}  {phase}"),
    }
}

impl Painter<'_> {
    fn draw(
        &mut self,
        frame: &mut Mat,
        pose: Option<&Pose>,
        metrics: &FrameMetrics,
        bar_history: &[Point],
    ) -> Result<(), RenderError> {
        let style = self.style;
        let t = metrics.time_s;
        let near = pose.map(near_side_points);
        if let (Some(pose), Some((_, _, knee))) = (pose, near) {
            overlay::draw_skeleton(frame, pose, &style)?;
            // The knee angle uses the still ankle where the knee stands over it: the shin it
            // measures is drawn, thin and white, over the model's own (which may be a guess
            // behind the plate).
            if let (Some(ankle), Some(_)) = (still_ankle_for(self.analysis, knee, self.scale), metrics.knee_deg) {
                overlay::path(frame, &[knee, ankle], overlay::WHITE, (style.line / 2).max(1))?;
                overlay::dot(frame, ankle, style.radius, overlay::WHITE)?;
            }
        }
        overlay::path(frame, bar_history, overlay::CYAN, style.line)?;
        if let Some(last) = bar_history.last() {
            overlay::dot(frame, *last, style.radius + 2, overlay::CYAN)?;
        }
        // The angle labels over the bar path, which crosses the trunk.
        if let Some((shoulder, hip, knee)) = near {
            if let Some(a) = metrics.hip_deg {
                overlay::label_at(frame, &format!("hip {a:.0}"), hip, overlay::WHITE, &style)?;
            }
            if let Some(a) = metrics.knee_deg {
                overlay::label_at(frame, &format!("knee {a:.0}"), knee, overlay::WHITE, &style)?;
            }
            if let Some(a) = metrics.trunk_deg {
                overlay::label_at(frame, &format!("trunk {a:.0}"), shoulder, overlay::WHITE, &style)?;
            }
        }

        // Rep counter and phase, top left.
        let total = self.analysis.reps.len();
        let done = self
            .analysis
            .reps
            .iter()
            .filter(|r| r.lockout.is_some_and(|e| e.time_s <= t))
            .count();
        // Over once the last rep ended, with or without a lockout (a clip may end mid-rep).
        let all_over = self.analysis.reps.last().is_some_and(|r| r.end_s <= t);
        let mut lines = vec![(counter_label(metrics, done, total, all_over), overlay::WHITE)];
        if let Some(speed) = metrics.bar_speed_mps.filter(|s| s.abs() > 0.05) {
            lines.push((format!("bar {speed:+.2} m/s"), overlay::WHITE));
        }
        let top = overlay::panel(
            frame,
            &lines,
            CvPoint::new(style.margin, style.margin),
            &style,
            &mut self.scratch,
        )?;

        // Faults while they happen, below the counter, cues wrapped to the frame.
        let max_width = frame.cols() - 4 * style.margin;
        let mut active: Vec<(String, opencv::core::Scalar)> = Vec::new();
        for f in self
            .analysis
            .findings
            .iter()
            .filter(|f| f.start_s <= t && t <= f.end_s + FAULT_LINGER_S)
        {
            active.push((format!("rep {}: {}", f.rep, f.check.title()), overlay::RED));
            active.extend(
                overlay::wrap(&f.cue, max_width, &style)
                    .into_iter()
                    .map(|l| (l, overlay::WHITE)),
            );
        }
        if !active.is_empty() {
            overlay::panel(
                frame,
                &active,
                CvPoint::new(style.margin, top.y + top.height + style.margin),
                &style,
                &mut self.scratch,
            )?;
        }

        if t >= self.summary_from_s {
            self.summary_card(frame)?;
        }
        Ok(())
    }

    fn summary_card(&mut self, frame: &mut Mat) -> Result<(), RenderError> {
        let a = self.analysis;
        let mut lines = vec![(
            format!(
                "{}, {}",
                crate::report::plural(a.reps.len(), "rep", "reps"),
                crate::report::plural(a.findings.len(), "finding", "findings")
            ),
            overlay::WHITE,
        )];
        for f in a.findings.iter().take(6) {
            lines.push((format!("rep {}: {}", f.rep, f.check.title()), overlay::RED));
        }
        if a.findings.len() > 6 {
            lines.push((format!("... and {} more", a.findings.len() - 6), overlay::RED));
        }
        if a.findings.is_empty() && !a.reps.is_empty() {
            lines.push(("no faults found".into(), overlay::GREEN));
        }
        if a.reps.is_empty() {
            lines.push(("no rep found: nothing was judged".into(), overlay::GREY));
        }
        lines.push(("coaching feedback, not medical advice".into(), overlay::GREY));
        let height = lines.len() as i32 * self.style.text_height() + self.style.margin;
        let y = (frame.rows() - height - self.style.margin).max(0);
        overlay::panel(
            frame,
            &lines,
            CvPoint::new(self.style.margin, y),
            &self.style,
            &mut self.scratch,
        )?;
        Ok(())
    }
}

/// Size of the annotated clip for an upright input of `width` x `height`: scaled down (aspect
/// kept) so the short side is at most `max_short_side` (`None`: the input's size), and rounded
/// down to even numbers, which YUV 4:2:0 needs.
pub fn output_size(width: i32, height: i32, max_short_side: Option<u32>) -> (i32, i32) {
    let short = width.min(height).max(1);
    let scale = match max_short_side {
        Some(limit) if (limit as i32) < short => f64::from(limit) / f64::from(short),
        _ => 1.0,
    };
    let even = |v: i32| (((f64::from(v) * scale).round() as i32) / 2 * 2).max(2);
    (even(width), even(height))
}

/// A pose moved into the annotated clip's pixels.
fn scaled_pose(pose: &Pose, sx: f32, sy: f32) -> Pose {
    let mut out = pose.clone();
    for k in &mut out.keypoints {
        k.x *= sx;
        k.y *= sy;
    }
    out
}

/// Writes the annotated clip for `input` to `output` (atomically: a temporary file beside it,
/// renamed when complete), its short side at most `max_short_side` pixels (`None`: the input's
/// size). `on_progress(done, total)` is called after every frame.
pub fn annotate(
    input: &Path,
    track: &PoseTrack,
    analysis: &Analysis,
    output: &Path,
    max_short_side: Option<u32>,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<AnnotateStats, RenderError> {
    let started = Instant::now();
    let mut stats = AnnotateStats::default();
    let mut reader = VideoReader::open(input)?;
    let info = reader.info().clone();
    let (in_width, in_height) = (info.width as i32, info.height as i32);
    let (width, height) = output_size(in_width, in_height, max_short_side);
    let resize = (width, height) != (in_width, in_height);
    let (sx, sy) = (
        width as f32 / in_width.max(1) as f32,
        height as f32 / in_height.max(1) as f32,
    );
    let duration = track.frames.last().map_or(0.0, |f| f.time_s);
    // Average rate over the clip, so variable-rate clips keep their duration.
    let fps = if track.frames.len() > 1 && duration > 0.0 {
        (track.frames.len() - 1) as f64 / duration
    } else if info.fps > 0.0 {
        info.fps
    } else {
        30.0
    };

    let destination = crate::output::Destination::of(output);
    let write_err = |error| RenderError::Write {
        path: output.to_path_buf(),
        error: crate::output::plain_io_error(error),
    };
    let temp = tempfile::Builder::new()
        .prefix(".liftcheck-")
        .suffix(".mp4.part")
        .tempfile_in(destination.temp_dir())
        .map_err(write_err)?;
    // The clip lasts one frame interval past the last frame's time.
    let clip_s = duration + 1.0 / fps;
    let mut encoder = Encoder::start(temp.path(), output, (width, height, fps), input, clip_s)?;

    let mut painter = Painter {
        analysis,
        scale: (sx, sy),
        style: Style::for_frame(width, height),
        scratch: Mat::default(),
        summary_from_s: duration - SUMMARY_CARD_S.min(duration / 4.0),
    };
    let mut frame = Frame::default();
    // Reused across frames: the frame at the output size, and its YUV 4:2:0 copy for ffmpeg.
    let mut resized = Mat::default();
    let mut yuv = Mat::default();
    let mut bar_history: Vec<Point> = Vec::new();
    let mut current_rep = None;
    let total = track.frames.len();
    loop {
        let t = Instant::now();
        let more = reader.read_into(&mut frame)?;
        stats.decode += t.elapsed();
        if !more {
            break;
        }
        if crate::cancel::requested() {
            return Err(RenderError::Interrupted);
        }
        let i = stats.frames;
        let (Some(pose_frame), Some(metrics)) = (track.frames.get(i), analysis.frames.get(i)) else {
            return Err(RenderError::FrameMismatch {
                path: input.to_path_buf(),
                decoded: i + 1,
                analysed: total,
            });
        };
        let t = Instant::now();
        if metrics.rep != current_rep {
            current_rep = metrics.rep;
            bar_history.clear();
        }
        if let (Some(x), Some(y)) = (metrics.bar_x_px, metrics.bar_y_px) {
            bar_history.push(Point::new(x * sx, y * sy));
        }
        let canvas = if resize {
            // Bilinear: area averaging at 1080p -> 720p (a 1.5 ratio) cost about 9 CPU ms per
            // frame more (render pass of the benchmark clip: 23.1 vs 17.0 CPU s).
            imgproc::resize(
                &frame.image,
                &mut resized,
                Size::new(width, height),
                0.0,
                0.0,
                imgproc::INTER_LINEAR,
            )?;
            &mut resized
        } else {
            &mut frame.image
        };
        let pose = pose_frame.pose.as_ref().map(|p| scaled_pose(p, sx, sy));
        painter.draw(canvas, pose.as_ref(), metrics, &bar_history)?;
        imgproc::cvt_color_def(canvas, &mut yuv, imgproc::COLOR_BGR2YUV_I420)?;
        stats.draw += t.elapsed();
        let t = Instant::now();
        encoder.write(&yuv)?;
        stats.encode_wait += t.elapsed();
        stats.frames += 1;
        on_progress(stats.frames, total);
    }
    if stats.frames != total {
        return Err(RenderError::FrameMismatch {
            path: input.to_path_buf(),
            decoded: stats.frames,
            analysed: total,
        });
    }
    let t = Instant::now();
    encoder.finish()?;
    stats.encode_wait += t.elapsed();
    // On disk before it takes the final name, as the other outputs (`write_atomically`).
    temp.as_file().sync_all().map_err(write_err)?;
    destination.place(temp).map_err(write_err)?;
    stats.wall = started.elapsed();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The white shin reaches the still ankle at any output size: the knee comes in output
    /// pixels, the analysis is in the input's (at 720p from 1080p, with the ankle compared in
    /// output pixels, a knee right above it was "too far" and the shin never drawn).
    #[test]
    fn still_ankle_found_and_placed_at_the_output_size() {
        let mut a = crate::render::plots::tests::sample();
        let (ankle, leg) = ((400.0_f32, 300.0_f32), 200.0_f32);
        a.still_ankle_px = Some([ankle.0, ankle.1]);
        a.leg_length_px = Some(leg);
        // (output scale, knee in input pixels, ankle drawn in output pixels)
        let cases = [
            (1.0, (420.0, 200.0), Some((400.0, 300.0))),
            (2.0 / 3.0, (420.0, 200.0), Some((266.7, 200.0))),
            (0.5, (420.0, 200.0), Some((200.0, 150.0))),
            // A knee 0.9 leg lengths away stands on other feet, at any size.
            (1.0, (400.0, 120.0), None),
            (2.0 / 3.0, (400.0, 120.0), None),
        ];
        for (scale, (kx, ky), want) in cases {
            let knee = Point::new(kx * scale, ky * scale);
            let got = still_ankle_for(&a, knee, (scale, scale)).map(|p| (p.x, p.y));
            match (got, want) {
                (Some(g), Some(w)) => assert!(
                    (g.0 - w.0).abs() < 0.1 && (g.1 - w.1).abs() < 0.1,
                    "scale {scale}: {g:?} vs {w:?}"
                ),
                (g, w) => assert_eq!(g.is_some(), w.is_some(), "scale {scale}, knee ({kx}, {ky})"),
            }
        }
    }

    #[test]
    fn counter_cases() {
        let at = |rep: Option<usize>, phase: Option<Phase>| FrameMetrics {
            rep,
            phase,
            ..FrameMetrics::default()
        };
        // (frame, reps done, reps in the clip, last rep over, label)
        let cases = [
            (at(None, None), 0, 2, false, "reps 0/2  set-up"),
            (at(Some(1), Some(Phase::Pull)), 0, 2, false, "rep 1/2  pull"),
            (at(Some(1), Some(Phase::Lower)), 1, 2, false, "rep 1/2  lowering"),
            (at(None, None), 1, 2, false, "reps 1/2  set-up"),
            (at(Some(2), Some(Phase::Lockout)), 2, 2, false, "rep 2/2  lockout"),
            (at(None, None), 2, 2, true, "2/2 reps done"),
            // The last rep never locked out: over all the same.
            (at(None, None), 1, 2, true, "2/2 reps done"),
            (at(None, None), 0, 0, false, "reps 0/0  set-up"),
        ];
        for (frame, done, total, over, want) in cases {
            assert_eq!(counter_label(&frame, done, total, over), want);
        }
    }

    #[test]
    fn output_size_cases() {
        // (input, largest short side, output): scaled down keeping the aspect, never enlarged,
        // always even (YUV 4:2:0).
        let cases = [
            ((1920, 1080), Some(720), (1280, 720)),
            ((1080, 1920), Some(720), (720, 1280)),
            ((3840, 2160), Some(1080), (1920, 1080)),
            ((1920, 1080), Some(1080), (1920, 1080)),
            ((640, 360), Some(720), (640, 360)),
            ((1920, 1080), None, (1920, 1080)),
            ((641, 361), None, (640, 360)),
            ((1440, 1080), Some(720), (960, 720)),
            ((1, 1), Some(720), (2, 2)),
        ];
        for ((w, h), limit, expected) in cases {
            assert_eq!(output_size(w, h, limit), expected, "{w}x{h} at {limit:?}");
        }
    }
}
