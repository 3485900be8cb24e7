//! Helpers shared by the integration tests: running the real binary and making test videos.
#![allow(dead_code)]

mod golden;
#[allow(unused_imports)]
pub use golden::golden;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `liftcheck` binary built for these tests.
/// Tests never read or write the user's keypoint cache, nor one left by an earlier run: each test
/// process has its own cache folder under cargo's target folder, so keypoints from an older pose
/// stage are never served, and two `cargo test` runs at once do not empty each other's.
pub fn liftcheck() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liftcheck"));
    cmd.env("LIFTCHECK_CACHE", test_cache());
    cmd
}

/// Prefix of the test cache folders, followed by the test process's id.
const CACHE_PREFIX: &str = "liftcheck-test-cache-";

fn test_cache() -> &'static Path {
    static CACHE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_caches_of_ended_runs(root);
        let dir = root.join(format!("{CACHE_PREFIX}{}", std::process::id()));
        // A folder of an ended run whose pid this process got again.
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("{}: {e}", dir.display()),
        }
        dir
    })
}

/// Test processes end without a hook to clean up after them: the next one removes the cache
/// folders whose process is gone (`/proc/PID` missing).
fn remove_caches_of_ended_runs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(CACHE_PREFIX)) else {
            continue;
        };
        let ended = pid.parse::<u32>().is_err() || !Path::new("/proc").join(pid).exists();
        if ended {
            // Another test process may be removing it at the same time.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Runs liftcheck with `args` (strings and paths alike: `run(&[&"analyze", &clip])`).
pub fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    liftcheck()
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("liftcheck runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Path of a file under the repository root.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs ffmpeg quietly; panics with its stderr when it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is installed (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// sha256 of a file, to prove inputs are left untouched.
pub fn file_hash(path: &Path) -> String {
    liftcheck::models::sha256_hex(&std::fs::read(path).expect("read input"))
}

/// Asserts the one-line error contract: exit 2, a single line naming the file, no panic.
pub fn assert_clean_error(out: &Output, names: &str, says: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(names), "error should name {names}: {err}");
    assert!(err.to_lowercase().contains(says), "error should say {says:?}: {err}");
}

/// The real pose estimator (the checkout's models), keeping the segmentation mask as `analyze`
/// does where it reads the back outline.
pub fn pose_estimator() -> liftcheck::pose::blazepose::BlazePose {
    use liftcheck::pose::blazepose::{BlazePose, BlazePoseConfig};
    let runtime = liftcheck::runtime::load().expect("ONNX Runtime (scripts/setup.sh)");
    let models = liftcheck::models::ModelStore::open(None).expect("models");
    let config = BlazePoseConfig {
        keep_mask: true,
        ..BlazePoseConfig::default()
    };
    BlazePose::new(&runtime, &models, config).expect("pose models")
}

/// A JSON file liftcheck wrote (a report, a batch summary), parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
