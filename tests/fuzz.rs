//! Property tests of what liftcheck parses itself: the thresholds file (TOML), the keypoint cache
//! and the model manifest. None may panic on any input; a bad thresholds file or manifest is an
//! error naming what is wrong, a bad cache file is ignored. Case counts are bounded so the whole
//! file runs in seconds (`PROPTEST_CASES` overrides them for a longer local run).

use std::path::Path;

use proptest::prelude::*;

use liftcheck::analysis::{Config, LiftVariant};
use liftcheck::models::ModelStore;
use liftcheck::plate::Plate;
use liftcheck::pose::blazepose::LandmarkModel;
use liftcheck::pose::geometry::Point;
use liftcheck::pose::{Keypoint, NUM_KEYPOINTS, Pose, PoseFrame};
use liftcheck::track::{self, CacheKey, PoseTrack};
use liftcheck::video::VideoInfo;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        // Failing inputs are printed; no regression files are written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(cases),
        )
    }
}

/// The thresholds file's keys, from the serialised defaults.
fn config_fields() -> Vec<String> {
    match serde_json::to_value(Config::default()).expect("serialises") {
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        _ => unreachable!("Config is a struct"),
    }
}

/// A TOML value as text, of any type, in or out of range.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-200.0f64..400.0).prop_map(|v| format!("{v:?}")),
        2 => any::<f64>().prop_map(|v| format!("{v:?}")),
        1 => prop::sample::select(vec!["nan", "inf", "-inf", "-0.0", "1e308", "5e-324"]).prop_map(str::to_string),
        2 => any::<i64>().prop_map(|v| v.to_string()),
        1 => any::<bool>().prop_map(|v| v.to_string()),
        1 => "[a-z ]{0,8}".prop_map(|s| format!("{s:?}")),
        1 => prop::sample::select(vec!["[1.0, 2.0]", "{ x = 1 }", "1979-05-27", "\"\"\"\"\"\""]).prop_map(str::to_string),
    ]
}

/// A thresholds file: some of the real keys (each once), maybe an unknown one, random values.
fn toml_document() -> impl Strategy<Value = (Vec<String>, String)> {
    let fields = config_fields();
    let n = fields.len();
    (
        prop::sample::subsequence(fields, 0..=n).prop_shuffle(),
        prop::option::weighted(0.2, "[a-z][a-z_]{0,15}"),
    )
        .prop_flat_map(|(mut keys, unknown)| {
            if let Some(k) = unknown.filter(|k| !config_fields().contains(k)) {
                keys.push(k);
            }
            let values = prop::collection::vec(toml_value(), keys.len());
            (Just(keys), values)
        })
        .prop_map(|(keys, values)| {
            let text: String = keys.iter().zip(&values).map(|(k, v)| format!("{k} = {v}\n")).collect();
            (keys, text)
        })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn config_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = Config::from_toml_str(&text);
    }

    #[test]
    fn config_never_panics_on_toml_like_text(text in "([a-z_]{1,12} *= *[-+0-9.eE\"a-z\\[\\]{}, ]{0,12}\n){0,6}") {
        let _ = Config::from_toml_str(&text);
    }

    /// Structured documents: a result that validates, or an error naming one of the keys written.
    #[test]
    fn config_errors_name_the_field((keys, text) in toml_document()) {
        match Config::from_toml_str(&text) {
            Ok(config) => {
                prop_assert!(config.validate().is_ok(), "accepted but invalid: {text}");
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(
                    keys.iter().any(|k| message.contains(k.as_str())),
                    "error names none of {keys:?}: {message}\n{text}"
                );
            }
        }
    }
}

/// The labelled fixture's ground-truth keypoints as a track (two reps, so mutated files reach
/// deep into the analysis); the stick figure below if the labels can't be read.
fn fixture_track() -> PoseTrack {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/side_good_2reps.json");
    let labels: Option<serde_json::Value> = std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let frames: Option<Vec<PoseFrame>> = labels.as_ref().and_then(|l| l["frames"].as_array()).and_then(|frames| {
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let points = f["blazepose33"].as_array().filter(|p| p.len() == NUM_KEYPOINTS)?;
                let mut keypoints = [Keypoint::default(); NUM_KEYPOINTS];
                for (kp, p) in keypoints.iter_mut().zip(points) {
                    kp.x = p[0].as_f64()? as f32;
                    kp.y = p[1].as_f64()? as f32;
                    kp.visibility = if p[2].as_i64() == Some(2) { 0.95 } else { 0.4 };
                    kp.presence = 0.98;
                }
                Some(PoseFrame {
                    index: i,
                    time_s: f["t"].as_f64()?,
                    pose: Some(Pose { keypoints, score: 0.95 }),
                })
            })
            .collect()
    });
    let mut track = sample_track(90);
    if let Some(frames) = frames.filter(|f| f.len() > 30) {
        let n = frames.len();
        track.video.frame_count = n;
        // No plate (its fixed position would read as a bar that never moves), no back outline.
        track.back = vec![None; n];
        track.plates = vec![None; n];
        track.frames = frames;
    }
    track
}

/// A plausible clip's track: a figure whose hips and hands go down and up twice.
fn sample_track(frames: usize) -> PoseTrack {
    let fps = 30.0;
    let frames: Vec<PoseFrame> = (0..frames)
        .map(|i| {
            let t = i as f64 / fps;
            let dip = (60.0 * (1.0 - (t * std::f64::consts::TAU / 2.0).cos())) as f32;
            let mut keypoints = [Keypoint {
                x: 0.0,
                y: 0.0,
                z: 0.0,
                visibility: 0.9,
                presence: 0.95,
            }; NUM_KEYPOINTS];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                let height = k as f32 / NUM_KEYPOINTS as f32;
                kp.x = 300.0 + 40.0 * height + if k % 2 == 0 { 3.0 } else { -3.0 };
                kp.y = 60.0 + 260.0 * height + dip * (1.0 - height);
                kp.z = -5.0 * height;
            }
            PoseFrame {
                index: i,
                time_s: t,
                pose: (i % 17 != 5).then_some(Pose { keypoints, score: 0.9 }),
            }
        })
        .collect();
    let n = frames.len();
    PoseTrack {
        video: VideoInfo {
            path: "clip.mp4".into(),
            width: 640,
            height: 360,
            fps,
            frame_count: n,
            rotation_applied: 0,
            codec: "h264".into(),
        },
        back: (0..n)
            .map(|i| (i % 3 == 0).then(|| vec![Point::new(310.0, 80.0), Point::new(318.0, 150.0)]))
            .collect(),
        plates: (0..n)
            .map(|i| {
                (i % 2 == 0).then_some(Plate {
                    center: Point::new(320.0, 300.0),
                    radius: 45.0,
                })
            })
            .collect(),
        lines: Vec::new(),
        switched_to_lifter_at: None,
        frames,
    }
}

fn cache_key() -> CacheKey {
    CacheKey {
        video_sha256: "ab".repeat(32),
        model: LandmarkModel::Full,
        models_sha256: "cd".repeat(32),
        lifter: "auto".into(),
        format: 0,
        liftcheck_version: "fuzz".into(),
    }
}

/// A valid cache file's bytes, once.
fn valid_cache_file() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("dir");
        track::store_cached(dir.path(), &cache_key(), &fixture_track()).expect("store");
        std::fs::read(dir.path().join(cache_key().file_name())).expect("read")
    })
}

/// Loads `bytes` as the cache file for [`cache_key`]; a track it returns must be consistent and
/// must go through the analysis without a panic.
fn load(bytes: &[u8]) -> Option<PoseTrack> {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(cache_key().file_name()), bytes).expect("write");
    let track = track::load_cached(dir.path(), &cache_key())?;
    assert_eq!(track.frames.len(), track.back.len());
    assert_eq!(track.frames.len(), track.plates.len());
    let _ = track.analyze(LiftVariant::Auto, &Config::default());
    Some(track)
}

/// Numbers a mutation may put in place of one in the file.
const ODD_NUMBERS: [&str; 12] = [
    "0",
    "-0",
    "-1",
    "1e39",
    "-1e39",
    "1e309",
    "5e-324",
    "18446744073709551616",
    "4294967296",
    "0.5",
    "1e10",
    "null",
];

#[test]
fn the_valid_cache_file_loads() {
    let track = load(valid_cache_file()).expect("a valid file loads");
    assert!(track.frames.len() > 30);
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn cache_ignores_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(load(&bytes).is_none());
    }

    #[test]
    fn cache_ignores_truncated_files(fraction in 0.0f64..1.0) {
        let bytes = valid_cache_file();
        let cut = (bytes.len() as f64 * fraction) as usize;
        prop_assert!(load(&bytes[..cut]).is_none());
    }

    /// Flipped bytes: ignored, or (where the file is still valid JSON of the same key) a
    /// consistent track the analysis takes without a panic.
    #[test]
    fn cache_survives_flipped_bytes(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid_cache_file().to_vec();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = load(&bytes);
    }

    /// One number replaced by an extreme or mistyped one: same property.
    #[test]
    fn cache_survives_odd_numbers(at in any::<prop::sample::Index>(), odd in prop::sample::select(ODD_NUMBERS.to_vec())) {
        let text = String::from_utf8(valid_cache_file().to_vec()).expect("utf-8 JSON");
        let starts: Vec<usize> = text
            .char_indices()
            .filter(|&(i, c)| {
                (c.is_ascii_digit() || c == '-') && !text[..i].ends_with(|p: char| p.is_ascii_alphanumeric() || p == '.' || p == '-')
            })
            .map(|(i, _)| i)
            .collect();
        let start = starts[at.index(starts.len())];
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+'))
            .map_or(text.len(), |n| start + n);
        let mutated = format!("{}{}{}", &text[..start], odd, &text[end..]);
        let _ = load(mutated.as_bytes());
    }
}

fn open_manifest(text: &str) -> (tempfile::TempDir, Result<ModelStore, String>) {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("manifest.json"), text).expect("write");
    let store = ModelStore::open(Some(dir.path())).map_err(|e| e.to_string());
    (dir, store)
}

/// A JSON value of any type.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|v| json!(v)),
        any::<f64>().prop_map(|v| json!(v)),
        "[a-z0-9./_-]{0,12}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
    ]
}

/// Manifests shaped like the real one, with random names, files, hashes and mistyped fields.
fn manifest() -> impl Strategy<Value = String> {
    use serde_json::json;
    let entry = (
        prop_oneof!["[a-z_]{0,12}".prop_map(serde_json::Value::String), json_value()],
        prop_oneof![
            "[a-z_]{1,10}\\.onnx".prop_map(serde_json::Value::String),
            "\\.\\./[a-z]{1,8}".prop_map(serde_json::Value::String),
            Just(json!("")),
            json_value(),
        ],
        prop_oneof!["[0-9a-f]{0,64}".prop_map(serde_json::Value::String), json_value()],
        prop::option::of(json_value()),
    )
        .prop_map(|(name, file, sha256, extra)| {
            let mut e = json!({"name": name, "file": file, "sha256": sha256});
            if let Some(v) = extra {
                e["inputs"] = v;
            }
            e
        });
    (
        prop_oneof![Just(json!(1)), json_value()],
        prop_oneof![
            prop::collection::vec(entry, 0..4).prop_map(serde_json::Value::from),
            json_value()
        ],
    )
        .prop_map(|(version, models)| json!({"schema_version": version, "models": models}).to_string())
}

fn check_store(dir: &Path, store: Result<ModelStore, String>) -> Result<(), TestCaseError> {
    match store {
        Ok(store) => {
            for entry in store.entries() {
                // A file missing, unreadable or with another hash: an error, never a panic.
                let _ = store.read_verified(&entry.name);
            }
        }
        Err(message) => {
            let path = dir.join("manifest.json");
            prop_assert!(
                message.contains(&*path.to_string_lossy()),
                "names the manifest: {message}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn manifest_never_panics_on_arbitrary_text(text in any::<String>()) {
        let (dir, store) = open_manifest(&text);
        check_store(dir.path(), store)?;
    }

    #[test]
    fn manifest_never_panics_on_shaped_json(text in manifest()) {
        let (dir, store) = open_manifest(&text);
        check_store(dir.path(), store)?;
    }
}

/// Box headers of MP4 type `kind` and `size`, as bytes (a 64-bit size when it does not fit).
fn mp4_box(kind: &[u8; 4], size: u64) -> Vec<u8> {
    match u32::try_from(size) {
        Ok(small) if small != 1 => [&small.to_be_bytes()[..], kind].concat(),
        _ => [&1u32.to_be_bytes()[..], kind, &size.to_be_bytes()].concat(),
    }
}

/// The movie-header reader (`video::mp4_duration_s`) on a file of `bytes`: never a panic, and a
/// duration only when positive and finite.
fn check_mp4_duration(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, bytes).expect("write");
    if let Some(d) = liftcheck::video::mp4_duration_s(&path) {
        prop_assert!(d.is_finite() && d > 0.0, "{d}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mp4_header_reader_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_mp4_duration(&bytes)?;
    }

    #[test]
    fn mp4_header_reader_never_panics_on_box_like_bytes(
        sizes in prop::collection::vec(any::<u64>(), 1..4),
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = Vec::new();
        for (size, kind) in sizes.iter().zip([b"moov", b"mvhd", b"mdat", b"ftyp"]) {
            bytes.extend(mp4_box(kind, *size));
        }
        bytes.extend(tail);
        check_mp4_duration(&bytes)?;
    }
}
