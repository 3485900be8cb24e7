//! Finding and loading the ONNX Runtime shared library (`ort` with `load-dynamic`).
//!
//! Search order: `ORT_DYLIB_PATH`; `libonnxruntime.so.1` beside the executable or in `../lib`;
//! the project-local copy that `scripts/setup.sh` unpacks into `.deps/onnxruntime/`.

use std::path::{Path, PathBuf};

use ort::environment::Environment;

/// The command that installs a compatible library.
pub const SETUP_FIX: &str = "run scripts/setup.sh, or set ORT_DYLIB_PATH to libonnxruntime.so (1.17 or newer)";
/// ONNX Runtime's telemetry opt-out. Its builds since 1.29 (the PyPI wheel `scripts/setup.sh`
/// unpacks among them) record usage events on Linux from the moment the environment is created:
/// a persistent device id and an event database under `~/.cache/Microsoft/DeveloperTools`,
/// uploaded when online. `with_telemetry(false)` comes too late to stop that; this variable,
/// read when the environment is created, stops all of it. The `liftcheck` binary sets it at
/// start-up unless the user has set it; programs using this library should do the same.
pub const TELEMETRY_OPT_OUT: &str = "ORT_DISABLE_TELEMETRY";
/// The library file name `scripts/setup.sh` installs (SONAME `libonnxruntime.so.1`).
const LIBRARY_NAME: &str = "libonnxruntime.so.1";

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("ONNX Runtime library not found (looked for {searched}); fix: {SETUP_FIX}")]
    NotFound { searched: String },
    #[error("cannot use ONNX Runtime library {path}: {reason}; fix: {SETUP_FIX}")]
    Load { path: PathBuf, reason: String },
    #[error("ONNX Runtime failed to start: {0}")]
    Environment(#[from] ort::Error),
}

/// A loaded ONNX Runtime and where it came from.
pub struct Runtime {
    pub environment: Environment,
    pub library_path: PathBuf,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("library_path", &self.library_path)
            .finish()
    }
}

/// Places the library is looked for, best first.
pub fn candidate_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    // Set but empty counts as unset, as for PATH-like variables.
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        paths.push(PathBuf::from(p));
        return paths; // an explicit choice is never second-guessed
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        paths.push(exe_dir.join(LIBRARY_NAME));
        paths.push(exe_dir.join("../lib").join(LIBRARY_NAME));
        // target/{debug,release}/ -> the checkout's .deps folder
        paths.push(exe_dir.join("../../.deps/onnxruntime").join(LIBRARY_NAME));
        paths.push(exe_dir.join("../../../.deps/onnxruntime").join(LIBRARY_NAME));
    }
    paths.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(".deps/onnxruntime")
            .join(LIBRARY_NAME),
    );
    paths
}

/// The process's ONNX Runtime: ONNX Runtime allows one environment per process, so every caller
/// (e.g. each batch worker) shares the first one created.
static RUNTIME: std::sync::Mutex<Option<(Environment, PathBuf)>> = std::sync::Mutex::new(None);

/// Loads ONNX Runtime once per process and returns the environment sessions are built from.
pub fn load() -> Result<Runtime, RuntimeError> {
    let mut shared = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((environment, library_path)) = shared.as_ref() {
        return Ok(Runtime {
            environment: environment.clone(),
            library_path: library_path.clone(),
        });
    }
    let candidates = candidate_paths();
    let path = candidates
        .iter()
        .find(|p| p.is_file())
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .ok_or_else(|| RuntimeError::NotFound {
            searched: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let builder = ort::init_from(&path).map_err(|e| RuntimeError::Load {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let environment = builder.with_name("liftcheck").with_telemetry(false).build()?;
    *shared = Some((environment.clone(), path.clone()));
    Ok(Runtime {
        environment,
        library_path: path,
    })
}

/// ONNX Runtime's version as the library file names it (`libonnxruntime.so.1.32.0` -> `1.32.0`),
/// after following symbolic links.
pub fn version_from_file_name(path: &Path) -> Option<String> {
    let real = path.canonicalize().ok()?;
    let name = real.file_name()?.to_str()?;
    let version = name.strip_prefix("libonnxruntime.so.")?;
    (version.split('.').count() == 3).then(|| version.to_string())
}
