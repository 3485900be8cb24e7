//! Bad input gets one clear line naming the file, exit code 2, no panic, and the input untouched.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::*;

fn analyze(path: &Path) -> std::process::Output {
    run(&[
        OsStr::new("analyze"),
        OsStr::new("--quiet"),
        path.as_os_str(),
    ])
}

#[test]
fn files_that_are_not_videos() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, b"this is not a video, just text renamed to .mp4\n").expect("write");
    let audio = dir.path().join("audio only.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "aac",
        audio.to_str().expect("utf-8"),
    ]);
    let missing = dir.path().join("missing.mp4");

    // (input, what the message must say)
    let cases: [(&Path, &str); 5] = [
        (&empty, "empty"),
        (&text, "not a video"),
        (&audio, "not a video"),
        (&missing, "no such file"),
        (dir.path(), "directory"),
    ];
    for (path, says) in cases {
        let before = path.is_file().then(|| file_hash(path));
        let out = analyze(path);
        let name = path.file_name().expect("name").to_string_lossy();
        assert_clean_error(&out, &name, says);
        if let Some(hash) = before {
            assert_eq!(file_hash(path), hash, "{} was modified", path.display());
        }
    }
}

#[test]
fn bad_lifter_hint_is_a_usage_error() {
    let out = run(&[
        OsStr::new("analyze"),
        OsStr::new("x.mp4"),
        OsStr::new("--lifter"),
        OsStr::new("2,5"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fractions between 0 and 1"));
}
