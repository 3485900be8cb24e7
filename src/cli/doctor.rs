//! `liftcheck doctor`: is everything liftcheck needs in place?

use std::path::PathBuf;

use clap::Args;

use liftcheck::models::ModelStore;
use liftcheck::runtime;

use crate::EXIT_ERROR;

#[derive(Args)]
pub struct DoctorArgs {
    /// Folder with the model files and manifest.json [default: the installed or checkout models/]
    #[arg(long, value_name = "DIR", env = "LIFTCHECK_MODELS")]
    models: Option<PathBuf>,
}

/// Prints one line per component, with the fix for anything missing. Exit 0 when all is well.
pub fn doctor(args: DoctorArgs) -> anyhow::Result<u8> {
    let mut problems = 0;
    let mut text = String::new();
    let mut report = |ok: bool, what: &str, detail: String| {
        problems += usize::from(!ok);
        text.push_str(&format!("{} {what:<14} {detail}\n", if ok { "ok  " } else { "FAIL" }));
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
        text.push_str("all checks passed\n");
    } else {
        text.push_str(&format!(
            "{} found\n",
            liftcheck::report::plural(problems, "problem", "problems")
        ));
    }
    super::common::say(&text)?;
    Ok(if problems == 0 { 0 } else { EXIT_ERROR })
}
