//! `liftcheck batch`: every video under a folder, checked in parallel, with per-clip reports in
//! an output folder that mirrors the input tree and a summary table, CSV and JSON.

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use liftcheck::analysis::{CheckId, Config};
use liftcheck::output;
use liftcheck::pose::blazepose::BlazePose;
use liftcheck::render::html;
use liftcheck::report;
use liftcheck::video::VideoReader;

use super::analyze::{report_meta, write_annotated};
use super::common::{CheckArgs, PoseArgs, RenderArgs, analyse_track, cached_track, error_line, models_digest, say};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FAULTS};

/// File extensions taken as video even when their first bytes are not recognised, so a broken
/// clip is reported rather than silently skipped.
const VIDEO_EXTENSIONS: [&str; 9] = ["mp4", "mov", "m4v", "mkv", "webm", "avi", "3gp", "mts", "m2ts"];
/// The files `batch` writes per clip, `NAME.<suffix>`.
const REPORT_TXT: &str = "report.txt";
const REPORT_JSON: &str = "report.json";
const REPORT_HTML: &str = "report.html";
const FRAMES_CSV: &str = "frames.csv";
const ANNOTATED_MP4: &str = "annotated.mp4";
const STAMP_JSON: &str = "stamp.json";
/// All of them, the stamp last.
const OUTPUT_SUFFIXES: [&str; 6] = [
    REPORT_TXT,
    REPORT_JSON,
    REPORT_HTML,
    FRAMES_CSV,
    ANNOTATED_MP4,
    STAMP_JSON,
];
/// Bytes read from each file to recognise its type.
const SNIFF_BYTES: usize = 8192;
/// Version of the per-clip stamp that lets a rerun skip finished clips. Bump when the reports'
/// content changes for the same settings (2: partly analysed clips' warnings in the notes; 3: how
/// the clip was read moved from the notes to the details; 4: readings held for
/// `finding_min_hold_s`, and the summary row pointing at the HTML report; 5: set-up values
/// needing most of their window, the knee seen at lockout, lean-backs not held and bounded; 6:
/// knee and ankle angles on the still ankle; 7: the annotated clip's size recorded apart from the
/// analysis settings; bar speed within one source of the bar's height; the leg length from the hip
/// over the still ankle where the legs read short).
const STAMP_VERSION: u32 = 7;

#[derive(Args, Clone)]
pub struct BatchArgs {
    /// Folder to search for videos (recursively, following links).
    pub dir: PathBuf,
    /// Where reports go, mirroring the input tree [default: DIR/liftcheck-reports]. Not DIR itself
    /// nor a folder holding it; videos inside it are not checked.
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Clips analysed at once [default: number of cores]. Each gets cores/jobs inference threads,
    /// split between the keypoint model and the mask head as in `analyze` (at least 1 per model;
    /// `--threads` sets it).
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Analyse clips again even when their reports are up to date.
    #[arg(long)]
    pub force: bool,
    /// Also write an annotated clip per video.
    #[arg(long)]
    pub annotate: bool,
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

/// One line of the batch summary.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Path relative to the input folder.
    pub file: String,
    /// `clean`, `faults`, `no reps` (nothing could be judged) or `error`.
    pub status: String,
    /// The reports are from an earlier run (same video bytes, same settings) and were kept.
    #[serde(default)]
    pub up_to_date: bool,
    pub reps: Option<usize>,
    pub faults: Option<usize>,
    /// Distinct checks that flagged a fault.
    pub fault_checks: Vec<String>,
    pub error: Option<String>,
    /// Why no rep was found (status `no reps`).
    #[serde(default)]
    pub no_reps_reason: Option<String>,
    /// What was left out of a clip only partly analysed (decoding stopped early, stretches
    /// without the lifter).
    #[serde(default)]
    pub warnings: Vec<String>,
    pub seconds: f64,
    /// The clip's HTML report, relative to the output folder.
    pub report: Option<String>,
}

impl SummaryRow {
    /// The row of a clip (or folder) that could not be checked.
    fn error(rel: &Path, message: String) -> Self {
        SummaryRow {
            file: rel.display().to_string(),
            status: "error".into(),
            up_to_date: false,
            reps: None,
            faults: None,
            fault_checks: Vec::new(),
            error: Some(message),
            no_reps_reason: None,
            warnings: Vec::new(),
            seconds: 0.0,
            report: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Stamp {
    version: u32,
    video_sha256: String,
    /// The analysis settings ([`settings_digest`]).
    settings: String,
    /// The size of the annotated clip written with the reports, if one was.
    annotated: Option<String>,
    row: SummaryRow,
}

/// Whether the file looks like a video: by its first bytes, or by its extension.
fn is_video(path: &Path) -> bool {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let sniffed = std::fs::File::open(path)
        .and_then(|f| f.take(SNIFF_BYTES as u64).read_to_end(&mut head))
        .is_ok();
    if sniffed
        && (infer::get(&head).is_some_and(|t| t.matcher_type() == infer::MatcherType::Video)
            || is_transport_stream(&head))
    {
        return true;
    }
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether `head` starts an MPEG transport stream (a `.ts` recording; `infer` knows no magic
/// number for it): a sync byte at the start of each of the first three 188-byte packets, or of
/// 192-byte ones behind a 4-byte time code (`.m2ts`). A TypeScript file named `.ts` is not one.
fn is_transport_stream(head: &[u8]) -> bool {
    const SYNC: u8 = 0x47;
    let synced = |first: usize, packet: usize| (0..3).all(|i| head.get(first + i * packet) == Some(&SYNC));
    synced(0, 188) || synced(4, 192)
}

/// What the walk of the input folder found.
struct Found {
    /// Videos, in file-name order.
    videos: Vec<PathBuf>,
    /// What the walk could not read (a folder without permission, a link loop), and why: these
    /// become error rows, the other clips are still checked.
    unreadable: Vec<(PathBuf, String)>,
    /// Folders left out (the output folder, earlier runs' report folders) that hold videos other
    /// than liftcheck's own outputs: the folder, how many videos, and whether it is the output.
    left_out: Vec<(PathBuf, usize, bool)>,
}

/// Whether the file is one liftcheck writes: a temporary output (`.liftcheck-*.part`), or a
/// batch run's annotated clip (`NAME.annotated.mp4` beside its `NAME.stamp.json`).
fn is_own_output(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(OsStr::to_str) else {
        return false;
    };
    if name.starts_with(".liftcheck-") && name.ends_with(".part") {
        return true;
    }
    name.strip_suffix(ANNOTATED_MP4)
        .is_some_and(|base| path.with_file_name(format!("{base}{STAMP_JSON}")).is_file())
}

/// Whether `dir` is an earlier batch run's output folder (with its summary files), whose
/// annotated clips are not inputs.
fn holds_batch_reports(dir: &Path) -> bool {
    ["summary.json", "summary.csv", "index.html"]
        .iter()
        .all(|name| dir.join(name).is_file())
}

/// Videos under `dir`, sorted. Symbolic links are followed. The output folder and earlier
/// batch runs' output folders are skipped, and so are liftcheck's own files; an output folder
/// that is the input folder or holds it is refused, since every video would be under it.
fn find_videos(dir: &Path, output_given: &Path) -> anyhow::Result<Found> {
    let output = output_given
        .canonicalize()
        .unwrap_or_else(|_| output_given.to_path_buf());
    let input = dir
        .canonicalize()
        .with_context(|| format!("{}: cannot read", dir.display()))?;
    if input.starts_with(&output) {
        anyhow::bail!(
            "{}: the output folder is the input folder or holds it; choose an output folder beside or inside it",
            output_given.display()
        );
    }
    // Folders skipped by the walk, and whether each is the output folder.
    let mut skipped_dirs: Vec<(PathBuf, bool)> = Vec::new();
    let mut skipped = |entry: &walkdir::DirEntry| {
        if entry.depth() == 0 || !entry.file_type().is_dir() {
            return false;
        }
        let is_output = entry.path().canonicalize().is_ok_and(|p| p == output);
        let skip = is_output || holds_batch_reports(entry.path());
        if skip {
            skipped_dirs.push((entry.path().to_path_buf(), is_output));
        }
        skip
    };
    let mut found = Found {
        videos: Vec::new(),
        unreadable: Vec::new(),
        left_out: Vec::new(),
    };
    let walk = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name();
    for entry in walk.into_iter().filter_entry(|e| !skipped(e)) {
        let entry = match entry {
            Ok(entry) => entry,
            // The folder given cannot be listed: nothing to carry on with.
            Err(e) if e.depth() == 0 => {
                let why = e.io_error().map_or_else(|| e.to_string(), |io| io.to_string());
                anyhow::bail!("{}: cannot list: {why}", dir.display());
            }
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let why = match (e.loop_ancestor(), e.io_error()) {
                    (Some(ancestor), _) => format!("a link back to {}", ancestor.display()),
                    (None, Some(io)) => io.to_string(),
                    (None, None) => e.to_string(),
                };
                found.unreadable.push((path, why));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_file() && !is_own_output(path) && is_video(path) {
            found.videos.push(path.to_path_buf());
        }
    }
    for (folder, is_output) in skipped_dirs {
        let videos = walkdir::WalkDir::new(&folder)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && !is_own_output(e.path()) && is_video(e.path()))
            .count();
        if videos > 0 {
            found.left_out.push((folder, videos, is_output));
        }
    }
    Ok(found)
}

/// The settings a report (and an annotated clip) depends on, as one string; the annotated
/// clip's size is recorded apart ([`Stamp::annotated`]), so a run without `--annotate` keeps
/// reports and annotated clips of the same settings.
fn settings_digest(pose: &PoseArgs, models: &str, check: &CheckArgs, config: &Config) -> String {
    let text = format!(
        "html|{}|{:?}|{models}|{:?}|{:?}|{}|{}",
        liftcheck::track::CACHE_FORMAT_VERSION,
        pose.model,
        pose.lifter,
        check.variant,
        serde_json::to_string(config).unwrap_or_default(),
        env!("CARGO_PKG_VERSION")
    );
    liftcheck::models::sha256_hex(text.as_bytes())
}

struct Job<'a> {
    args: &'a BatchArgs,
    config: &'a Config,
    settings: String,
    output: PathBuf,
    /// Clips (relative paths) whose reports are named after the whole file name: another video in
    /// the same folder has the same name without its extension (`lift.mp4`, `lift.mov`).
    named_in_full: HashSet<PathBuf>,
}

/// The clips among `rels` whose reports must be named after the whole file name: their folder
/// and file stem are shared by another clip, or are another clip's whole name (`lift.mp4.mp4`
/// beside `lift.mp4`).
fn stem_collisions(rels: &[PathBuf]) -> HashSet<PathBuf> {
    // Compared without case: on a case-insensitive file system (macOS's default) `Lift.mp4` and
    // `lift.mov` would write the same report files.
    // Names that are not UTF-8 are compared byte for byte (a lossy conversion would make them
    // alike).
    let fold = |name: Option<&OsStr>| {
        name.map(|n| {
            n.to_str()
                .map_or_else(|| n.as_encoded_bytes().to_vec(), |s| s.to_lowercase().into_bytes())
        })
    };
    let key = |rel: &Path, name: Option<&OsStr>| (rel.parent().map(Path::to_path_buf), fold(name));
    let mut stems: HashMap<(Option<PathBuf>, Option<Vec<u8>>), usize> = HashMap::new();
    for rel in rels {
        *stems.entry(key(rel, rel.file_stem())).or_default() += 1;
    }
    let names: HashSet<(Option<PathBuf>, Option<Vec<u8>>)> = rels.iter().map(|r| key(r, r.file_name())).collect();
    rels.iter()
        .filter(|rel| {
            let stem = key(rel, rel.file_stem());
            stems[&stem] > 1 || (rel.file_stem() != rel.file_name() && names.contains(&stem))
        })
        .cloned()
        .collect()
}

impl Job<'_> {
    /// Output paths for a clip: `<output>/<relative dir>/<stem>.<suffix>`.
    /// Built from the raw file name: a lossy (UTF-8) name would give clips whose names differ
    /// only in non-UTF-8 bytes the same reports, each overwriting the other's.
    fn out_path(&self, rel: &Path, suffix: &str) -> PathBuf {
        let base = if self.named_in_full.contains(rel) {
            rel.file_name()
        } else {
            rel.file_stem()
        };
        self.out_path_named(rel, base, suffix)
    }

    /// [`Job::out_path`] with the name's base given.
    fn out_path_named(&self, rel: &Path, base: Option<&OsStr>, suffix: &str) -> PathBuf {
        let mut name = base.map(|s| s.to_os_string()).unwrap_or_default();
        name.push(".");
        name.push(suffix);
        let dir = rel
            .parent()
            .map(|p| self.output.join(p))
            .unwrap_or_else(|| self.output.clone());
        dir.join(name)
    }

    /// Removes the reports a clip got under its short name (`lift.report.txt`) in an earlier run,
    /// before another video in its folder took that name (`lift.mov` added beside `lift.mp4`):
    /// the clip's reports are now named in full, and the old set would linger beside them. Only
    /// files whose stamp names this clip go; others are left alone.
    fn remove_short_named_reports(&self, rel: &Path) {
        if !self.named_in_full.contains(rel) {
            return;
        }
        let short = |suffix| self.out_path_named(rel, rel.file_stem(), suffix);
        let ours = std::fs::read(short(STAMP_JSON))
            .ok()
            .and_then(|b| serde_json::from_slice::<Stamp>(&b).ok())
            .is_some_and(|stamp| stamp.row.file == rel.display().to_string());
        if ours {
            for suffix in OUTPUT_SUFFIXES {
                let _ = std::fs::remove_file(short(suffix));
            }
        }
    }

    /// Whether every file this run would write for the clip is there: a report deleted since
    /// the last run is written again.
    fn outputs_present(&self, rel: &Path) -> bool {
        let annotated = self.args.annotate.then_some(ANNOTATED_MP4);
        [REPORT_TXT, REPORT_JSON, REPORT_HTML, FRAMES_CSV]
            .into_iter()
            .chain(annotated)
            .all(|suffix| self.out_path(rel, suffix).is_file())
    }

    fn run_one(&self, video: &Path, rel: &Path, estimator: &mut Option<BlazePose>, bar: &ProgressBar) -> SummaryRow {
        let started = Instant::now();
        let mut row = match self.check_one(video, rel, estimator, bar) {
            Ok(row) => row,
            Err(e) => {
                // The row names the clip: the message need not name it again.
                let line = error_line(&e);
                let named = format!("{}: ", video.display());
                SummaryRow::error(rel, line.strip_prefix(&named).unwrap_or(&line).to_string())
            }
        };
        if !row.up_to_date {
            row.seconds = started.elapsed().as_secs_f64();
        }
        row
    }

    fn check_one(
        &self,
        video: &Path,
        rel: &Path,
        estimator: &mut Option<BlazePose>,
        bar: &ProgressBar,
    ) -> anyhow::Result<SummaryRow> {
        let opened = VideoReader::open(video)?;
        self.remove_short_named_reports(rel);
        let stamp_path = self.out_path(rel, STAMP_JSON);
        let video_sha256 =
            liftcheck::models::file_sha256_hex(video).with_context(|| format!("{}: cannot read", video.display()))?;
        // The size of the annotated clip this run writes, if it writes one.
        let annotated_size = self
            .args
            .annotate
            .then(|| format!("{:?}", self.args.render.resolution()));
        let old_stamp = std::fs::read(&stamp_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Stamp>(&b).ok())
            .filter(|s| s.version == STAMP_VERSION && s.video_sha256 == video_sha256);
        if !self.args.force
            && let Some(stamp) = &old_stamp
            && stamp.settings == self.settings
            && (annotated_size.is_none() || stamp.annotated == annotated_size)
            && self.outputs_present(rel)
        {
            return Ok(SummaryRow {
                up_to_date: true,
                ..stamp.row.clone()
            });
        }
        // An annotated clip of the same video and analysis settings stays valid beside the new
        // reports when this run writes none.
        let kept_annotated = old_stamp
            .as_ref()
            .filter(|s| s.settings == self.settings && self.out_path(rel, ANNOTATED_MP4).is_file())
            .and_then(|s| s.annotated.clone());
        if let Some(parent) = stamp_path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        let (track, _) = cached_track(
            video,
            Some(opened),
            Some(&video_sha256),
            &self.args.pose,
            estimator,
            |done, total| {
                bar.set_length(total.max(done) as u64);
                bar.set_position(done as u64);
            },
        )?;
        let (analysis, warnings) = analyse_track(video, &track, &self.args.check, self.config)?;
        // From the first rewritten report until the new stamp, the clip's outputs are a mix of
        // two runs: without the old stamp, a run stopped in between (Ctrl-C, a write error)
        // leaves them to be redone rather than called up to date. An annotated clip of other
        // settings that this run does not replace would show the old findings beside the new
        // reports.
        remove_if_present(&stamp_path)?;
        if !self.args.annotate && kept_annotated.is_none() {
            remove_if_present(&self.out_path(rel, ANNOTATED_MP4))?;
        }
        let name = rel.display().to_string();
        output::write_atomically(&self.out_path(rel, REPORT_TXT), |w| {
            w.write_all(report::terminal(&analysis, &name, true).as_bytes())
        })?;
        output::write_atomically(&self.out_path(rel, REPORT_JSON), |mut w| {
            report::write_json(&analysis, &report_meta(&name), &mut w).map_err(std::io::Error::other)
        })?;
        html::write_clip_report(video, &name, &track, &analysis, &self.out_path(rel, REPORT_HTML))?;
        output::write_atomically(&self.out_path(rel, FRAMES_CSV), |mut w| {
            report::frames_csv(&analysis, &mut w).map_err(std::io::Error::other)
        })?;
        if self.args.annotate {
            write_annotated(
                video,
                &track,
                &analysis,
                &self.out_path(rel, ANNOTATED_MP4),
                self.args.render,
                true,
            )?;
        }
        let mut checks: Vec<String> = analysis.findings.iter().map(|f| f.check.name().to_string()).collect();
        checks.sort();
        checks.dedup();
        let row = SummaryRow {
            file: rel.display().to_string(),
            up_to_date: false,
            status: if analysis.has_faults() {
                "faults"
            } else if analysis.no_reps_reason.is_some() {
                "no reps"
            } else {
                "clean"
            }
            .into(),
            reps: Some(analysis.reps.len()),
            faults: Some(analysis.findings.len()),
            fault_checks: checks,
            error: None,
            no_reps_reason: analysis.no_reps_reason.clone(),
            warnings,
            seconds: 0.0,
            report: Some(
                self.out_path(rel, REPORT_HTML)
                    .strip_prefix(&self.output)
                    .unwrap_or(rel)
                    .display()
                    .to_string(),
            ),
        };
        let stamp = Stamp {
            version: STAMP_VERSION,
            video_sha256,
            settings: self.settings.clone(),
            annotated: annotated_size.or(kept_annotated),
            row: row.clone(),
        };
        output::write_atomically(&stamp_path, |w| {
            serde_json::to_writer_pretty(w, &stamp).map_err(std::io::Error::other)
        })?;
        Ok(row)
    }
}

/// Deletes `path` if it exists.
fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("{}: cannot remove", path.display()))
        }
        _ => Ok(()),
    }
}

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

pub fn batch(args: BatchArgs) -> anyhow::Result<u8> {
    args.render.check_used(args.annotate)?;
    if args.annotate {
        liftcheck::render::annotate::check_ffmpeg()?;
    }
    let config = args.check.config()?;
    let meta = std::fs::metadata(&args.dir).with_context(|| format!("{}: cannot read", args.dir.display()))?;
    if !meta.is_dir() {
        anyhow::bail!(
            "{}: not a folder (use `liftcheck analyze` for one file)",
            args.dir.display()
        );
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join("liftcheck-reports"));
    // What can fail before the first clip is checked before the output folder is made.
    let digest = models_digest(&args.pose)?;
    // Created before the search, which compares paths inside it; the folders this run created are
    // removed again (if still empty) when it stops before any clip.
    let created: Vec<PathBuf> = output
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(Path::to_path_buf)
        .collect();
    if output.exists() && !output.is_dir() {
        anyhow::bail!(
            "{}: not a folder (the output of batch is a folder of reports)",
            output.display()
        );
    }
    std::fs::create_dir_all(&output).with_context(|| format!("{}: cannot create", output.display()))?;
    let remove_if_created = || {
        for folder in &created {
            let _ = std::fs::remove_dir(folder);
        }
    };
    let Found {
        videos,
        unreadable,
        left_out,
    } = find_videos(&args.dir, &output).inspect_err(|_| remove_if_created())?;
    for (folder, count, is_output) in &left_out {
        let which = if *is_output {
            "the output folder"
        } else {
            "an earlier run's report folder (it holds summary.json, summary.csv and index.html)"
        };
        eprintln!(
            "liftcheck: warning: {}: {count} video(s) in {which} are not checked",
            folder.display()
        );
    }
    if videos.is_empty() && unreadable.is_empty() {
        remove_if_created();
        anyhow::bail!("{}: no video files found", args.dir.display());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.map_or(cores, usize::from).clamp(1, videos.len().max(1));
    // Split the cores between workers so inference threads never outnumber them.
    let mut pose = args.pose.clone();
    // (`build_estimator` divides each clip's share between the models.)
    pose.cores_per_clip = Some((cores / jobs).max(1));
    let settings = settings_digest(&pose, &digest, &args.check, &config);
    let mut worker_args = args.clone();
    worker_args.pose = pose;
    let rels: Vec<PathBuf> = videos
        .iter()
        .map(|v| v.strip_prefix(&args.dir).unwrap_or(v).to_path_buf())
        .collect();
    let job = Job {
        args: &worker_args,
        config: &config,
        settings,
        output: output.clone(),
        named_in_full: stem_collisions(&rels),
    };

    let progress = if args.quiet {
        MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden())
    } else {
        MultiProgress::new()
    };
    let overall = progress.add(ProgressBar::new(videos.len() as u64));
    overall.set_style(bar_style("clips [{bar:30}] {pos}/{len}, eta {eta}"));
    let queue: Mutex<VecDeque<(PathBuf, PathBuf)>> =
        Mutex::new(videos.iter().cloned().zip(rels.iter().cloned()).collect());
    let rows: Mutex<Vec<SummaryRow>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let bar = progress.add(ProgressBar::new(0));
            bar.set_style(bar_style("  {msg:30!} [{bar:20}] {pos}/{len} frames"));
            let (job, queue, rows, overall) = (&job, &queue, &rows, &overall);
            scope.spawn(move || {
                let mut estimator = None;
                loop {
                    if liftcheck::cancel::requested() {
                        break;
                    }
                    let Some((video, rel)) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                        break;
                    };
                    bar.set_message(rel.display().to_string());
                    bar.set_position(0);
                    let row = job.run_one(&video, &rel, &mut estimator, &bar);
                    if let Ok(mut r) = rows.lock() {
                        r.push(row);
                    }
                    overall.inc(1);
                }
                bar.finish_and_clear();
            });
        }
    });
    overall.finish_and_clear();
    let mut rows = rows.into_inner().unwrap_or_default();
    for (path, why) in &unreadable {
        let rel = path.strip_prefix(&args.dir).unwrap_or(path);
        rows.push(SummaryRow::error(rel, format!("cannot read: {why}")));
    }
    rows.sort_by(|a, b| a.file.cmp(&b.file));
    if liftcheck::cancel::requested() {
        // Clips stopped mid-way are error rows: count only those whose reports were written.
        let finished = rows.iter().filter(|r| r.status != "error").count();
        let earlier = if output.join("summary.json").is_file() {
            " (the summary of an earlier run is left as it was, out of date until a run finishes)"
        } else {
            ""
        };
        anyhow::bail!(
            "{}: interrupted; {finished} of {} clips have finished reports (kept), no summary written{earlier}",
            args.dir.display(),
            videos.len()
        );
    }
    write_summary(&output, &rows)?;
    say(&format!("{}reports in {}\n", summary_table(&rows), output.display()))?;
    let failed: Vec<&SummaryRow> = rows.iter().filter(|r| r.status == "error").collect();
    if !failed.is_empty() {
        eprintln!("{} of {} clips failed:", failed.len(), rows.len());
        for r in &failed {
            eprintln!("  {}: {}", r.file, r.error.as_deref().unwrap_or("error"));
        }
        return Ok(EXIT_ERROR);
    }
    let faulty = rows.iter().any(|r| r.faults.unwrap_or(0) > 0);
    Ok(if faulty { EXIT_FAULTS } else { EXIT_CLEAN })
}

/// The summary as a plain-text table.
pub fn summary_table(rows: &[SummaryRow]) -> String {
    let width = rows
        .iter()
        .map(|r| r.file.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    let mut out = format!(
        "{:<width$}  {:>4}  {:>6}  {:<8}  {}\n",
        "file", "reps", "faults", "status", "what was found"
    );
    for r in rows {
        let mut details = match (&r.error, &r.no_reps_reason, r.fault_checks.is_empty()) {
            (Some(e), _, _) => e.clone(),
            // The rep table's labels; the CSV and JSON keep the machine names.
            (None, _, false) => r
                .fault_checks
                .iter()
                .map(|name| CheckId::from_name(name).map_or(name.as_str(), |c| c.label()))
                .collect::<Vec<_>>()
                .join(", "),
            (None, Some(why), true) => why.clone(),
            (None, None, true) => String::new(),
        };
        if !r.warnings.is_empty() {
            details = format!("{details} (partly analysed: {})", r.warnings.join("; "))
                .trim_start()
                .to_string();
        }
        if r.up_to_date {
            details = format!("(up to date) {details}").trim_end().to_string();
        }
        let opt = |v: Option<usize>| v.map_or("-".to_string(), |v| v.to_string());
        out.push_str(&format!(
            "{:<width$}  {:>4}  {:>6}  {:<8}  {}\n",
            r.file,
            opt(r.reps),
            opt(r.faults),
            r.status,
            details
        ));
    }
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    out.push_str(&format!(
        "{}: {} clean, {} with faults, {} without a rep, {} failed; {} up to date (from an earlier run, \
         not analysed again)\n",
        liftcheck::report::plural(rows.len(), "clip", "clips"),
        count("clean"),
        count("faults"),
        count("no reps"),
        count("error"),
        rows.iter().filter(|r| r.up_to_date).count()
    ));
    out
}

/// Version of `summary.json`'s layout (2: the writer in a `tool` object, as in the reports).
const SUMMARY_SCHEMA_VERSION: u32 = 2;

fn write_summary(output: &Path, rows: &[SummaryRow]) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct SummaryFile<'a> {
        schema_version: u32,
        tool: output::Tool,
        clips: &'a [SummaryRow],
    }
    output::write_atomically(&output.join("summary.json"), |w| {
        serde_json::to_writer_pretty(
            w,
            &SummaryFile {
                schema_version: SUMMARY_SCHEMA_VERSION,
                tool: output::TOOL,
                clips: rows,
            },
        )
        .map_err(std::io::Error::other)
    })?;
    let index: Vec<html::IndexRow> = rows
        .iter()
        .map(|r| html::IndexRow {
            file: r.file.clone(),
            status: r.status.clone(),
            reps: r.reps,
            faults: r.faults,
            fault_checks: r.fault_checks.clone(),
            report: r.report.clone(),
            error: r.error.clone(),
            no_reps_reason: r.no_reps_reason.clone(),
            up_to_date: r.up_to_date,
            warnings: r.warnings.clone(),
        })
        .collect();
    html::write_batch_index(&index, &output.join("index.html"))?;
    output::write_atomically(&output.join("summary.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "file",
            "status",
            "reps",
            "faults",
            "fault_checks",
            "error",
            "seconds",
            "report",
            "no_reps_reason",
            "up_to_date",
            "warnings",
        ])?;
        for r in rows {
            let opt = |v: Option<usize>| v.map_or(String::new(), |v| v.to_string());
            csv.write_record([
                r.file.clone(),
                r.status.clone(),
                opt(r.reps),
                opt(r.faults),
                r.fault_checks.join(";"),
                r.error.clone().unwrap_or_default(),
                format!("{:.2}", r.seconds),
                r.report.clone().unwrap_or_default(),
                r.no_reps_reason.clone().unwrap_or_default(),
                r.up_to_date.to_string(),
                r.warnings.join("; "),
            ])?;
        }
        csv.flush()
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(file: &str, status: &str) -> SummaryRow {
        SummaryRow {
            file: file.into(),
            status: status.into(),
            up_to_date: false,
            reps: Some(0),
            faults: Some(0),
            fault_checks: Vec::new(),
            error: None,
            no_reps_reason: None,
            warnings: Vec::new(),
            seconds: 0.0,
            report: None,
        }
    }

    #[test]
    fn clips_sharing_a_name_but_not_the_extension_are_told_apart() {
        // (clips in the batch, those named in full)
        let cases: [(&[&str], &[&str]); 5] = [
            (
                &["lift.mp4", "lift.mov", "day 2/lift.mp4", "squat.mp4"],
                &["lift.mov", "lift.mp4"],
            ),
            (&["lift.mp4", "lift.mp4.mp4"], &["lift.mp4.mp4"]),
            (&["lift", "lift.mp4"], &["lift", "lift.mp4"]),
            (&["a.mp4", "b.mp4", "day 2/a.mp4"], &[]),
            (&["Lift.mp4", "lift.MOV"], &["Lift.mp4", "lift.MOV"]),
        ];
        for (clips, in_full) in cases {
            let rels: Vec<PathBuf> = clips.iter().map(PathBuf::from).collect();
            let mut got: Vec<PathBuf> = stem_collisions(&rels).into_iter().collect();
            got.sort();
            let want: Vec<PathBuf> = in_full.iter().map(PathBuf::from).collect();
            assert_eq!(got, want, "{clips:?}");
        }
    }

    /// The table names a clip's faults as the rep table does, not by their JSON names.
    #[test]
    fn summary_table_names_faults_in_words() {
        let rows = [SummaryRow {
            faults: Some(2),
            fault_checks: vec!["hips_rise_first".into(), "lean_back_at_lockout".into()],
            ..row("lift.mp4", "faults")
        }];
        let table = summary_table(&rows);
        assert!(table.contains("hips first, leaning back"), "{table}");
        assert!(!table.contains("hips_rise_first"), "{table}");
    }

    #[test]
    fn summary_marks_up_to_date_and_partly_analysed_clips() {
        let rows = [
            SummaryRow {
                up_to_date: true,
                ..row("old.mp4", "clean")
            },
            SummaryRow {
                warnings: vec!["decoding stopped at frame 85 of 259".into()],
                ..row("cut.mp4", "clean")
            },
        ];
        let table = summary_table(&rows);
        let line = |file: &str| {
            table
                .lines()
                .find(|l| l.starts_with(file))
                .unwrap_or_default()
                .to_string()
        };
        assert!(line("old.mp4").contains("(up to date)"), "{table}");
        assert!(
            line("cut.mp4").contains("(partly analysed: decoding stopped at frame 85 of 259)"),
            "{table}"
        );
        assert!(table.contains("1 up to date"), "{table}");
    }

    /// A clip where no rep was found is counted apart from the clean ones, with its reason.
    #[test]
    fn summary_counts_clips_without_a_rep_apart() {
        let rows = [
            SummaryRow {
                reps: Some(2),
                ..row("good.mp4", "clean")
            },
            SummaryRow {
                no_reps_reason: Some("the bar moved only 5% of leg length".into()),
                ..row("warm-up.mp4", "no reps")
            },
        ];
        let table = summary_table(&rows);
        assert!(
            table.contains("2 clips: 1 clean, 0 with faults, 1 without a rep, 0 failed"),
            "{table}"
        );
        assert!(table.contains("the bar moved only 5% of leg length"), "{table}");
    }
}
