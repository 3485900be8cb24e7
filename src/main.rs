//! The `liftcheck` command line. Exit codes: 0 = clean, 1 = faults found, 2 = error.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::analyze::{AnalyzeArgs, AnnotateArgs};
use cli::batch::BatchArgs;
use cli::doctor::DoctorArgs;
use cli::eval::EvalArgs;

/// No fault found.
pub const EXIT_CLEAN: u8 = 0;
/// At least one fault found.
pub const EXIT_FAULTS: u8 = 1;
/// The run failed (bad input, missing model or library, write error).
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "liftcheck",
    version,
    about = "Checks deadlift form from video.",
    long_about = "Checks deadlift form from video: finds the lifter with BlazePose (ONNX Runtime), \
                  measures joint angles per frame, splits the set into reps and checks each rep \
                  against coaching cues for a back-friendly deadlift.\n\n\
                  Coaching feedback, not medical advice: if lifting hurts, see a qualified professional.",
    after_help = "Exit codes: 0 = no faults, 1 = faults found, 2 = error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check one video: reps, phases and faults with coaching cues.
    Analyze(AnalyzeArgs),
    /// Write an annotated copy of a video: skeleton, angles, bar path, reps, faults.
    Annotate(AnnotateArgs),
    /// Check every video under a folder, in parallel, with a report per clip and a summary.
    Batch(BatchArgs),
    /// Score liftcheck against labelled synthetic clips (clip.mp4 + clip.json, see scripts/synth).
    Eval(EvalArgs),
    /// Print the default thresholds as a TOML file to edit and pass with `--config`.
    Config,
    /// Check the set-up: ONNX Runtime, model files and hashes, OpenCV, ffmpeg.
    Doctor(DoctorArgs),
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
    // Analysing a lifter's video sends nothing anywhere: ONNX Runtime's usage telemetry is off
    // unless the user asks for it (see `runtime::TELEMETRY_OPT_OUT`).
    if std::env::var_os(liftcheck::runtime::TELEMETRY_OPT_OUT).is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var(liftcheck::runtime::TELEMETRY_OPT_OUT, "1") };
    }
    // An empty LIFTCHECK_MODELS (`LIFTCHECK_MODELS= liftcheck ...`) means unset, as an empty
    // ORT_DYLIB_PATH or LIFTCHECK_CACHE does; clap would refuse it as a missing `--models` value.
    if std::env::var_os("LIFTCHECK_MODELS").is_some_and(|v| v.is_empty()) {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::remove_var("LIFTCHECK_MODELS") };
    }
    let cli = Cli::parse();
    liftcheck::cancel::install_handler();
    let result = match cli.command {
        Command::Analyze(args) => cli::analyze::analyze(args),
        Command::Annotate(args) => cli::analyze::annotate(args),
        Command::Batch(args) => cli::batch::batch(args),
        Command::Eval(args) => cli::eval::eval(args),
        Command::Config => cli::common::print_default_config(),
        Command::Doctor(args) => cli::doctor::doctor(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("liftcheck: error: {}", cli::common::error_line(&err));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::common::error_line;

    #[derive(Debug, thiserror::Error)]
    #[error("clip.mp4: cannot read: {source}")]
    struct Quoting {
        source: std::io::Error,
    }

    #[test]
    fn error_line_shows_each_cause_once() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        // (error, line)
        let cases = [
            (
                anyhow::Error::new(Quoting { source: io() }),
                "clip.mp4: cannot read: no such file",
            ),
            (
                anyhow::Error::new(io()).context("clip.mp4: cannot open"),
                "clip.mp4: cannot open: no such file",
            ),
            (anyhow::anyhow!("two\nlines"), "two lines"),
        ];
        for (err, want) in cases {
            assert_eq!(error_line(&err), want);
        }
    }
}
