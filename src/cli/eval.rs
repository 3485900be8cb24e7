//! `liftcheck eval`: score liftcheck against labelled synthetic clips (see scripts/synth).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use liftcheck::eval::{self, GroundTruth, Summary};
use liftcheck::output;

use super::common::{CheckArgs, PoseArgs, cached_track, clip_warnings, error_line, print_warnings, say};
use crate::{EXIT_CLEAN, EXIT_ERROR};

#[derive(Args)]
pub struct EvalArgs {
    /// Folder of clips, each with its ground truth beside it (`clip.mp4` + `clip.json`).
    pub dir: PathBuf,
    /// Also write the summary as JSON (schema_version 1) to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Don't show progress.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub pose: PoseArgs,
    #[command(flatten)]
    pub check: CheckArgs,
}

pub fn eval(args: EvalArgs) -> anyhow::Result<u8> {
    let config = args.check.config()?;
    let clips = eval::find_clips(&args.dir)?;
    if clips.is_empty() {
        anyhow::bail!(
            "{}: no clip with ground truth (clip.mp4 + clip.json) found",
            args.dir.display()
        );
    }
    // The JSON path is checked before the clips are scored (which can take hours on a fresh
    // suite); it must not be any clip or ground-truth file.
    if let Some(out) = &args.json {
        output::check_destinations(&[out], &args.dir)?;
        for clip in &clips {
            output::ensure_not_input(out, &clip.video)?;
            output::ensure_not_input(out, &clip.truth)?;
        }
    }
    let mut estimator = None;
    let mut scores = Vec::with_capacity(clips.len());
    for (n, clip) in clips.iter().enumerate() {
        let truth = GroundTruth::load(&clip.truth)?;
        if !args.quiet {
            eprintln!("[{}/{}] {}", n + 1, clips.len(), clip.video.display());
        }
        let tracked = cached_track(&clip.video, None, None, &args.pose, &mut estimator, |_, _| {});
        let score = match tracked {
            Err(e) => eval::score_failed_clip(&truth, None, &error_line(&e)),
            Ok((track, _)) => match track.analyze(args.check.variant.into(), &config) {
                Ok(analysis) => {
                    if !args.quiet {
                        print_warnings(&clip.video, &clip_warnings(&track, &config));
                    }
                    eval::score_clip(&truth, &track, &analysis)
                }
                Err(e) => eval::score_failed_clip(&truth, Some(&track), &e.to_string()),
            },
        };
        scores.push(score);
    }
    let summary = Summary::new(&scores);
    say(&summary.table())?;
    if let Some(out) = &args.json {
        output::write_atomically(out, |w| {
            serde_json::to_writer_pretty(w, &summary).map_err(std::io::Error::other)
        })
        .context("writing the evaluation JSON")?;
    }
    // A clip that could not be analysed is scored as a miss, but the run is still an error: the
    // figures above then measure the failure (a missing model, a broken clip), not the judgement.
    // (A refusal such as "no lifter found" counts too: every labelled clip holds a lifter.)
    let failed: Vec<(&Path, &str)> = clips
        .iter()
        .zip(&scores)
        .filter_map(|(clip, score)| Some((clip.video.as_path(), score.error.as_deref()?)))
        .collect();
    if !failed.is_empty() {
        eprintln!("{} of {} clips failed:", failed.len(), scores.len());
        for (video, error) in &failed {
            eprintln!("  {}: {error}", video.display());
        }
        return Ok(EXIT_ERROR);
    }
    Ok(EXIT_CLEAN)
}
