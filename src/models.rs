//! The model files in `models/`: where they are, checking them against the manifest's sha256,
//! and creating ONNX Runtime sessions from them.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::runtime::Runtime;

/// File listing every model with its hash and tensor names.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Manifest layout this build understands.
const MANIFEST_SCHEMA_VERSION: u32 = 1;
/// How a user restores the committed models.
const MODELS_FIX: &str =
    "restore models/ from the repository (git checkout -- models) or regenerate with scripts/convert_models.sh";

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{}: model folder not found (set --models or LIFTCHECK_MODELS); fix: {MODELS_FIX}", .0.display())]
    FolderNotFound(PathBuf),
    #[error("{}: cannot read model manifest: {source}; fix: {MODELS_FIX}", path.display())]
    ManifestUnreadable { path: PathBuf, source: std::io::Error },
    #[error("{}: invalid model manifest: {reason}; fix: {MODELS_FIX}", path.display())]
    ManifestInvalid { path: PathBuf, reason: String },
    #[error("model `{0}` is not listed in the manifest")]
    UnknownModel(String),
    #[error("{}: model file missing; fix: {MODELS_FIX}", .0.display())]
    FileMissing(PathBuf),
    #[error("{}: cannot read model file: {source}", path.display())]
    FileUnreadable { path: PathBuf, source: std::io::Error },
    #[error("{}: model file is corrupt (sha256 {actual}, manifest says {expected}); fix: {MODELS_FIX}", path.display())]
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{}: ONNX Runtime rejected the model: {source}", path.display())]
    Session { path: PathBuf, source: ort::Error },
}

#[derive(Clone, Debug, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<i64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ModelSource {
    pub registry: String,
    pub package: String,
    pub version: String,
    #[serde(default)]
    pub file: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ModelEntry {
    pub name: String,
    pub file: String,
    pub sha256: String,
    #[serde(default)]
    pub source: Option<ModelSource>,
    #[serde(default)]
    pub inputs: Vec<TensorSpec>,
    #[serde(default)]
    pub outputs: Vec<TensorSpec>,
}

#[derive(Clone, Debug, Deserialize)]
struct Manifest {
    schema_version: u32,
    models: Vec<ModelEntry>,
}

/// Inference settings shared by every session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// Threads ONNX Runtime uses inside one operator.
    pub intra_threads: usize,
    /// Whether idle ONNX Runtime threads spin. Spinning steals the core that decoding needs on
    /// small machines, so it is off by default.
    pub spinning: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            intra_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            spinning: false,
        }
    }
}

/// The model folder and its manifest.
#[derive(Clone, Debug)]
pub struct ModelStore {
    dir: PathBuf,
    manifest: Manifest,
}

/// Where models are looked for when no folder is given: `LIFTCHECK_MODELS`, `models/` beside the
/// executable or in `../share/liftcheck`, then the source checkout's `models/`.
pub fn default_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(p) = std::env::var_os("LIFTCHECK_MODELS").filter(|p| !p.is_empty()) {
        dirs.push(PathBuf::from(p));
        return dirs;
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("models"));
        dirs.push(exe_dir.join("../share/liftcheck/models"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    dirs
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The sha256 of a file's bytes, in hex, read in pieces (videos can be large).
pub fn file_sha256_hex(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl ModelStore {
    /// Opens `dir`, or the first default folder holding a manifest.
    pub fn open(dir: Option<&Path>) -> Result<Self, ModelError> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => {
                let dirs = default_dirs();
                dirs.iter()
                    .find(|d| d.join(MANIFEST_FILE).is_file())
                    .or_else(|| dirs.last())
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("models"))
            }
        };
        if !dir.is_dir() {
            return Err(ModelError::FolderNotFound(dir));
        }
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ModelError::ManifestUnreadable {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| ModelError::ManifestInvalid {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if manifest.schema_version != MANIFEST_SCHEMA_VERSION {
            return Err(ModelError::ManifestInvalid {
                path,
                reason: format!(
                    "schema_version {} (this build reads {MANIFEST_SCHEMA_VERSION})",
                    manifest.schema_version
                ),
            });
        }
        Ok(Self { dir, manifest })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn entries(&self) -> &[ModelEntry] {
        &self.manifest.models
    }

    /// One digest of the listed sha256 of the models named (those missing from the manifest
    /// left out): what keypoints from these models depend on.
    pub fn digest(&self, names: &[&str]) -> String {
        let listed: Vec<&str> = names
            .iter()
            .filter_map(|name| self.entry(name).ok())
            .map(|m| m.sha256.as_str())
            .collect();
        sha256_hex(listed.join(",").as_bytes())
    }

    pub fn entry(&self, name: &str) -> Result<&ModelEntry, ModelError> {
        self.manifest
            .models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| ModelError::UnknownModel(name.to_string()))
    }

    /// Reads a model file and checks it against the manifest's sha256.
    pub fn read_verified(&self, name: &str) -> Result<(PathBuf, Vec<u8>), ModelError> {
        let entry = self.entry(name)?;
        let path = self.dir.join(&entry.file);
        let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ModelError::FileMissing(path.clone()),
            _ => ModelError::FileUnreadable {
                path: path.clone(),
                source,
            },
        })?;
        let actual = sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(&entry.sha256) {
            return Err(ModelError::HashMismatch {
                path,
                expected: entry.sha256.clone(),
                actual,
            });
        }
        Ok((path, bytes))
    }

    /// A verified model as a ready ONNX Runtime session.
    pub fn session(&self, runtime: &Runtime, name: &str, options: SessionOptions) -> Result<Session, ModelError> {
        let (path, bytes) = self.read_verified(name)?;
        let session_err = |source: ort::Error| ModelError::Session {
            path: path.clone(),
            source,
        };
        Session::builder(&runtime.environment)
            .and_then(|b| Ok(b.with_optimization_level(GraphOptimizationLevel::All)?))
            .and_then(|b| Ok(b.with_intra_threads(options.intra_threads.max(1))?))
            .and_then(|b| Ok(b.with_intra_op_spinning(options.spinning)?))
            .and_then(|b| Ok(b.with_inter_op_spinning(false)?))
            .and_then(|mut b| b.commit_from_memory(&bytes))
            .map_err(session_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn store_with(files: &[(&str, &[u8])], manifest: &str) -> (tempfile::TempDir, Result<ModelStore, ModelError>) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("write");
        }
        std::fs::write(dir.path().join(MANIFEST_FILE), manifest).expect("write");
        let store = ModelStore::open(Some(dir.path()));
        (dir, store)
    }

    #[test]
    fn verified_read_detects_missing_and_corrupt_files() {
        let manifest = format!(
            r#"{{"schema_version": 1, "models": [
                {{"name": "good", "file": "good.onnx", "sha256": "{}"}},
                {{"name": "bad", "file": "bad.onnx", "sha256": "{}"}},
                {{"name": "gone", "file": "gone.onnx", "sha256": "00"}}]}}"#,
            sha256_hex(b"model"),
            sha256_hex(b"model")
        );
        let (_dir, store) = store_with(&[("good.onnx", b"model"), ("bad.onnx", b"modem")], &manifest);
        let store = store.expect("manifest parses");
        assert!(store.read_verified("good").is_ok());
        assert!(matches!(
            store.read_verified("bad"),
            Err(ModelError::HashMismatch { .. })
        ));
        assert!(matches!(store.read_verified("gone"), Err(ModelError::FileMissing(_))));
        assert!(matches!(store.read_verified("other"), Err(ModelError::UnknownModel(_))));
    }

    #[test]
    fn bad_manifests_are_reported() {
        for text in ["", "{", r#"{"schema_version": 2, "models": []}"#, r#"{"models": 3}"#] {
            let (_dir, store) = store_with(&[], text);
            assert!(matches!(store, Err(ModelError::ManifestInvalid { .. })), "{text:?}");
        }
        assert!(matches!(
            ModelStore::open(Some(Path::new("/nonexistent/models"))),
            Err(ModelError::FolderNotFound(_))
        ));
    }
}
