//! Robustness: broken and unusual inputs, failures mid-run, interrupts. Every input is made here
//! (ffmpeg and plain file writes), from lavfi sources or the rendered fixture clip.
//!
//! The contract, case by case: exit 2 with one line naming the file and the problem, or, where
//! usable frames exist, a report (exit 0/1) and a warning naming the file that says what was
//! skipped. Never "panicked", inputs byte-for-byte unchanged, no temporary (`.part`) file left
//! and no half-written output under its final name.
//!
//! Cases already covered elsewhere: zero-byte, text renamed `.mp4`, audio-only, missing file and
//! directory (`bad_input.rs`); missing/corrupt model, missing ONNX Runtime, nobody in frame
//! (`bad_input.rs`); a batch with a broken file (`cli.rs`).

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use common::*;

const CLIP: &str = "tests/fixtures/side_good_2reps.mp4";
const X264: [&str; 6] = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `dir/name` made by ffmpeg with `args` (inputs and filters), encoded as H.264.
fn make_clip(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut all = args.to_vec();
    all.extend(X264);
    all.push(utf8(&out));
    ffmpeg(&all);
    out
}

fn analyze(path: &Path, extra: &[&dyn AsRef<OsStr>]) -> Output {
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"analyze", &"--quiet", &path];
    args.extend_from_slice(extra);
    run(&args)
}

fn assert_no_panic(out: &Output) {
    assert!(!stderr(out).contains("panicked"), "panic: {}", stderr(out));
}

/// A report was produced (exit 0 = clean or 1 = faults).
fn assert_report(out: &Output) {
    assert_no_panic(out);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "exit {:?}: {}",
        out.status.code(),
        stderr(out)
    );
    assert!(stdout(out).contains("liftcheck report"), "{}", stdout(out));
}

/// A partial analysis: a report, and one warning line naming the file and what was skipped.
fn assert_partial(out: &Output, names: &str, says: &str) {
    assert_report(out);
    let err = stderr(out);
    let warning = err
        .lines()
        .find(|l| l.contains("warning") && l.contains(says))
        .unwrap_or_else(|| panic!("a warning saying {says:?} expected: {err}"));
    assert!(warning.contains(names), "the warning names {names}: {warning}");
}

/// [`assert_clean_error`] for cases run on the fixture: its own warnings (frames without the
/// lifter, say) may come before the one error line under test.
fn assert_error_after_warnings(out: &Output, names: &str, says: &str) {
    let errors: String = stderr(out)
        .lines()
        .filter(|l| !l.starts_with("liftcheck: warning:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let out = Output {
        status: out.status,
        stdout: out.stdout.clone(),
        stderr: errors.into_bytes(),
    };
    assert_clean_error(&out, names, says);
}

/// Runs `f` and checks that `input` has the same bytes afterwards.
fn unchanged<T>(input: &Path, f: impl FnOnce() -> T) -> T {
    let before = file_hash(input);
    let result = f();
    assert_eq!(file_hash(input), before, "{} was modified", input.display());
    result
}

/// Temporary files (`.liftcheck-*`, `*.part`) under `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            found.extend(leftovers(&path));
        } else if name.starts_with(".liftcheck-") || name.ends_with(".part") {
            found.push(path);
        }
    }
    found
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The fixture's keypoints in this test process's cache (see `common::liftcheck`), computed once,
/// so the tests about outputs and interrupts skip the pose stage.
fn cached_fixture() -> PathBuf {
    static ONCE: Once = Once::new();
    let clip = repo_path(CLIP);
    ONCE.call_once(|| assert_report(&analyze(&clip, &[])));
    clip
}

fn find(bytes: &[u8], tag: &[u8]) -> usize {
    bytes.windows(tag.len()).position(|w| w == tag).expect("box present")
}

#[test]
fn truncated_and_damaged_mp4s() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path(CLIP);

    // Written without faststart, the index (moov) follows the media data: cut in half, it is
    // gone and nothing can be decoded. Exit 2.
    let index_last = dir.path().join("index last.mp4");
    ffmpeg(&["-i", utf8(&clip), "-c", "copy", utf8(&index_last)]);
    let bytes = std::fs::read(&index_last).expect("read");
    assert!(find(&bytes, b"moov") > find(&bytes, b"mdat"), "moov after mdat");
    let no_index = dir.path().join("no index.mp4");
    std::fs::write(&no_index, &bytes[..bytes.len() / 2]).expect("write");
    let out = unchanged(&no_index, || analyze(&no_index, &[]));
    assert_clean_error(&out, "no index.mp4", "not a video");

    // The fixture has its index first (faststart): cut in the middle of the media data, the
    // first half of the frames decode. Partial analysis, with a warning saying where decoding
    // stopped (it used to end there silently, as if the clip were that short).
    let bytes = std::fs::read(&clip).expect("read");
    let (moov, mdat) = (find(&bytes, b"moov"), find(&bytes, b"mdat"));
    assert!(moov < mdat, "moov before mdat");
    let cut = dir.path().join("cut short.mp4");
    std::fs::write(&cut, &bytes[..mdat + (bytes.len() - mdat) / 2]).expect("write");
    let out = unchanged(&cut, || analyze(&cut, &[]));
    assert_partial(&out, "cut short.mp4", "decoding stopped at frame");
    assert!(
        stdout(&out).contains("decoding stopped at frame"),
        "the report says it too: {}",
        stdout(&out)
    );

    // Cut just after the first frames: they hold no rep, so nothing can be judged, and a damaged
    // file is then an error (exit 2, one line), not a clean clip.
    let stub = dir.path().join("stub.mp4");
    std::fs::write(&stub, &bytes[..mdat + (bytes.len() - mdat) / 5]).expect("write");
    let out = unchanged(&stub, || analyze(&stub, &[]));
    assert_clean_error(&out, "stub.mp4", "the frames before it hold no complete rep");

    // Garbage over 3 kB in the middle of the media data. FFmpeg's H.264 decoder rejects the
    // damaged packets and OpenCV stops there: a partial analysis with the same warning (or, if
    // a decoder conceals the damage instead, a full one).
    let mut damaged = bytes.clone();
    let middle = mdat + (bytes.len() - mdat) / 2;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for b in &mut damaged[middle..middle + 3000] {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *b = seed as u8;
    }
    let corrupt = dir.path().join("corrupt frames.mp4");
    std::fs::write(&corrupt, &damaged).expect("write");
    let out = unchanged(&corrupt, || analyze(&corrupt, &[&"--verbose"]));
    assert_report(&out);
    if !stdout(&out).contains(" 227 frames") {
        assert_partial(&out, "corrupt frames.mp4", "decoding stopped at frame");
    }
}

/// A clip trimmed without re-encoding (`ffmpeg -ss 1.5 -c copy`, the phone's quick trim) keeps
/// the frames before its start in the stream behind an edit list, so the container's frame count
/// is higher than what plays: that is not a damaged file. The same clip cut off is.
#[test]
fn a_clip_trimmed_without_re_encoding_is_not_called_damaged() {
    let dir = tempfile::tempdir().expect("dir");
    let trimmed = dir.path().join("trimmed.mp4");
    // The movie header first, as phones write it, so that the clip cut off below still opens.
    ffmpeg(&[
        "-ss",
        "1.5",
        "-i",
        utf8(&repo_path(CLIP)),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        utf8(&trimmed),
    ]);
    let played = liftcheck::video::mp4_duration_s(&trimmed).expect("movie header");
    assert!((played - 6.07).abs() < 0.05, "{played} s");
    let out = analyze(&trimmed, &[]);
    assert_report(&out);
    assert!(!stderr(&out).contains("cut short"), "{}", stderr(&out));
    let mut bytes = std::fs::read(&trimmed).expect("read");
    bytes.truncate(bytes.len() * 6 / 10);
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, bytes).expect("write");
    let out = analyze(&cut, &[]);
    assert_partial(&out, "cut.mp4", "cut short");
}

#[test]
fn clips_of_unusual_shape() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path(CLIP);
    let src = utf8(&clip);

    // One frame (with the lifter in it): too short for any analysis (the engine needs three
    // frames with a pose). Exit 2, one line that says so, not that nobody was found.
    let one = make_clip(dir.path(), "one frame.mp4", &["-ss", "1", "-i", src, "-frames:v", "1"]);
    let out = unchanged(&one, || analyze(&one, &[]));
    assert_clean_error(&out, "one frame.mp4", "too short: 1 frame,");
    assert!(!stderr(&out).contains("no lifter"), "{}", stderr(&out));

    // 8K (7680x4320), three frames: decodes (about 100 MB per frame) and the lifter is found;
    // too short for a rep, so the report says none. Exit 0.
    let huge = make_clip(
        dir.path(),
        "8k.mp4",
        &["-ss", "1", "-i", src, "-frames:v", "3", "-vf", "scale=7680:4320"],
    );
    let out = unchanged(&huge, || analyze(&huge, &[]));
    assert_report(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Reps: 0"), "{}", stdout(&out));

    // Variable frame rate: every third frame dropped, timestamps kept. Both reps are found, judged
    // as in the whole clip (a good lift: no finding), and nothing is reported missing.
    let vfr = make_clip(
        dir.path(),
        "vfr.mp4",
        &["-i", src, "-vf", "select='not(eq(mod(n\\,3)\\,2))'", "-fps_mode", "vfr"],
    );
    let out = unchanged(&vfr, || analyze(&vfr, &[]));
    assert_report(&out);
    assert!(stdout(&out).contains("Reps: 2 (0 with faults)"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("decoding stopped"), "{}", stderr(&out));

    // A long static clip: one frame of the lifter held for 2.5 minutes (320x180 at 2 fps to keep
    // the test short). Nobody moves, so no reps: a report saying so, exit 0.
    let still = dir.path().join("still.png");
    ffmpeg(&[
        "-ss",
        "1",
        "-i",
        src,
        "-frames:v",
        "1",
        "-vf",
        "scale=320:180",
        utf8(&still),
    ]);
    let long = make_clip(
        dir.path(),
        "long static.mp4",
        &["-loop", "1", "-framerate", "2", "-i", utf8(&still), "-t", "150"],
    );
    let out = unchanged(&long, || analyze(&long, &[]));
    assert_report(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Reps: 0"), "{}", stdout(&out));
}

#[test]
fn people_in_and_out_of_frame() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path(CLIP);
    let src = utf8(&clip);

    // Two people: the lifter's half of the frame twice, side by side (640x360, people at the
    // fixture's scale: BlazePose's detector misses people this small in wider frames).
    // liftcheck follows one of them: a full report, with the good lift's verdict.
    let two = make_clip(
        dir.path(),
        "two people.mp4",
        &[
            "-i",
            src,
            "-filter_complex",
            "[0]split[a][b];[a]crop=320:360:160:0[l];[b]crop=320:360:160:0[r];[l][r]hstack",
        ],
    );
    let out = unchanged(&two, || analyze(&two, &[]));
    assert_report(&out);
    assert!(stdout(&out).contains("Reps: 2 (0 with faults)"), "{}", stdout(&out));

    // The lifter leaves the frame after the first rep (the view slides away): the first rep is
    // analysed as in the whole clip (a good one: no finding), and a warning says when the lifter
    // was missing. The few frames that show the legs whole as the lifter slides out must not set
    // the leg length the offsets are measured in.
    let leaving = make_clip(
        dir.path(),
        "leaving.mp4",
        &[
            "-i",
            src,
            "-vf",
            "pad=1280:360:0:0,crop=640:360:'min(640,max(0,(t-3.8)*400))':0",
        ],
    );
    let out = unchanged(&leaving, || analyze(&leaving, &[]));
    assert_partial(&out, "leaving.mp4", "no lifter found on");
    assert!(stdout(&out).contains("Reps: 1 (0 with faults)"), "{}", stdout(&out));

    // Half out of frame: the bottom half of the picture (legs, bar, feet) cut off. What the
    // pose stage makes of half a person varies with the clip, and each outcome is handled: nobody
    // found (exit 2, one line); found on part of the clip (a report and the same warning); or
    // found with the legs placed outside the picture, where the analysis ignores them, cannot
    // measure a rep and says so under "Not assessed" (exit 0: nothing was found wrong).
    let half = make_clip(dir.path(), "half out.mp4", &["-i", src, "-vf", "crop=640:180:0:0"]);
    let out = unchanged(&half, || analyze(&half, &[]));
    if out.status.code() == Some(2) {
        assert_clean_error(&out, "half out.mp4", "no person found");
    } else if stderr(&out).contains("no lifter found on") {
        assert_partial(&out, "half out.mp4", "no lifter found on");
    } else {
        assert_report(&out);
        assert!(stdout(&out).contains("no reps found"), "{}", stdout(&out));
    }
}

#[test]
fn unreadable_file() {
    let dir = tempfile::tempdir().expect("dir");
    let locked = make_clip(
        dir.path(),
        "locked.mp4",
        &["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1"],
    );
    let mut cmd = liftcheck();
    cmd.args(["analyze", "--quiet"]).arg(&locked);
    if is_root() {
        // Mode bits don't stop root: run liftcheck as `nobody`, who can reach the file but not
        // read it.
        use std::os::unix::fs::PermissionsExt;
        use std::os::unix::process::CommandExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        cmd.uid(65534).gid(65534);
    }
    let before = file_hash(&locked);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            println!("note: unreadable-file case skipped: cannot run liftcheck as another user ({e})");
            return;
        }
    };
    assert_clean_error(&out, "locked.mp4", "permission denied");
    assert_eq!(
        stderr(&out).matches("ermission denied").count(),
        1,
        "the reason once: {}",
        stderr(&out)
    );
    assert_eq!(file_hash(&locked), before);
}

#[test]
fn names_with_spaces_and_non_utf8_bytes() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = cached_fixture();
    // "set \xff\xfe 1.mp4": not UTF-8, with spaces. The same bytes as the fixture, so the pose
    // stage comes from the cache; the annotated clip decodes every frame of it again.
    let input = dir.path().join(OsStr::from_bytes(b"set \xff\xfe 1.mp4"));
    std::fs::copy(&clip, &input).expect("copy");
    let annotated = dir.path().join(OsStr::from_bytes(b"annotated \xff.mp4"));
    let json = dir.path().join(OsStr::from_bytes(b"report \xfe.json"));
    let out = unchanged(&input, || {
        analyze(&input, &[&"--annotate", &annotated, &"--json", &json])
    });
    assert_report(&out);
    assert!(stdout(&out).contains("set \u{fffd}\u{fffd} 1.mp4"), "{}", stdout(&out));
    assert!(annotated.is_file() && json.is_file(), "outputs under their raw names");
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));

    // Errors name such a file too (lossily).
    let missing = dir.path().join(OsStr::from_bytes(b"gone \xff.mp4"));
    assert_clean_error(&analyze(&missing, &[]), "gone \u{fffd}.mp4", "no such file");
}

#[test]
fn bad_config_values() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = make_clip(
        dir.path(),
        "pattern.mp4",
        &["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1"],
    );
    // (file contents, what the one-line error must say besides the file name)
    let files: [(&str, &str, &str); 6] = [
        ("negative.toml", "cutoff_hz = -1.0\n", "cutoff_hz"),
        ("unknown.toml", "strictness = 1.0\nno_such_key = 3\n", "no_such_key"),
        ("typo.toml", "cutof_hz = 5.0\n", "did you mean `cutoff_hz`?"),
        (
            "wrong type.toml",
            "# thresholds\n\nstrictness = \"high\"\n",
            "line 3 `strictness",
        ),
        ("syntax.toml", "strictness = [1\n", "line 1"),
        ("binary.toml", "\u{0}\u{1}\u{2}", "line 1"),
    ];
    for (name, text, says) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let out = unchanged(&clip, || analyze(&clip, &[&"--config", &path]));
        assert_clean_error(&out, name, says);
    }
    let out = analyze(&clip, &[&"--config", &dir.path().join("none.toml")]);
    assert_clean_error(&out, "none.toml", "no such file");

    // Out-of-range options are usage errors (clap's: the line naming the option and the allowed
    // values, then a pointer to --help); `--strictness -1` is not taken for an unknown flag.
    for value in ["-1", "0", "nan", "9"] {
        let out = analyze(&clip, &[&"--strictness", &value]);
        assert_eq!(out.status.code(), Some(2), "--strictness {value}: {}", stderr(&out));
        assert_no_panic(&out);
        let first = stderr(&out).lines().next().unwrap_or("").to_string();
        assert!(first.contains("--strictness") && first.contains("0.25 to 4"), "{first}");
    }
    let out = run(&[&"batch", &dir.path(), &"--jobs", &"0"]);
    assert_eq!(out.status.code(), Some(2), "--jobs 0: {}", stderr(&out));
    assert!(
        stderr(&out).lines().next().unwrap_or("").contains("--jobs"),
        "{}",
        stderr(&out)
    );
    // `--threads 0` is rejected as the arguments are read: before, a clip whose keypoints were
    // cached never started ONNX Runtime and the option passed silently. Usage errors are clap's
    // (the line naming the option, then a pointer to --help).
    let cached = cached_fixture();
    // Thousands of threads are refused too: ONNX Runtime would start them all.
    for value in ["0", "-1", "many", "5000"] {
        let out = analyze(&cached, &[&"--threads", &value]);
        assert_eq!(out.status.code(), Some(2), "--threads {value}: {}", stderr(&out));
        assert_no_panic(&out);
        let first = stderr(&out).lines().next().unwrap_or("").to_string();
        assert!(
            first.contains("--threads") && first.contains("from 1 to 256"),
            "{first}"
        );
    }
}

#[test]
fn corrupt_model_manifest() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = make_clip(
        dir.path(),
        "pattern.mp4",
        &["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1"],
    );
    let models = dir.path().join("models");
    std::fs::create_dir(&models).expect("mkdir");
    std::fs::write(
        models.join("manifest.json"),
        b"{\"schema_version\": 1, \"models\": [{\"na",
    )
    .expect("write");
    let out = analyze(&clip, &[&"--no-cache", &"--models", &models]);
    assert_clean_error(&out, "manifest.json", "invalid model manifest");
}

#[test]
fn unwritable_output_paths() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = cached_fixture();
    let file = dir.path().join("a file");
    std::fs::write(&file, b"not a folder").expect("write");
    // (option, output path, what the error says). Paths in a missing folder, under /proc (no new
    // files there, even for root) and under a file where a folder is expected.
    let cases: [(&str, PathBuf, &str); 5] = [
        (
            "--json",
            PathBuf::from("/nonexistent-liftcheck-dir/report.json"),
            "no such file",
        ),
        ("--csv", PathBuf::from("/proc/frames.csv"), "cannot write"),
        ("--keypoints", file.join("keypoints.json"), "not a directory"),
        ("--annotate", file.join("annotated.mp4"), "not a directory"),
        ("--annotate", PathBuf::from("/proc/annotated.mp4"), "cannot write"),
    ];
    for (option, path, says) in cases {
        let out = unchanged(&clip, || analyze(&clip, &[&option, &path]));
        assert_error_after_warnings(&out, &path.display().to_string(), says);
        // The reason once, and no temporary file name in it.
        let err = stderr(&out);
        assert!(!err.contains(".part") && !err.contains(".liftcheck-"), "{err}");
        assert_eq!(err.matches("os error").count(), 1, "{err}");
    }
    assert_eq!(std::fs::read(&file).expect("read"), b"not a folder");

    // Output paths are checked before any work: a bad one among good ones fails at once, and
    // nothing is written (before, the run went through the whole clip first).
    let good = dir.path().join("frames.csv");
    let missing = PathBuf::from("/nonexistent-liftcheck-dir/report.json");
    let out = analyze(&clip, &[&"--no-cache", &"--csv", &good, &"--json", &missing]);
    assert_clean_error(&out, &missing.display().to_string(), "no such file");
    assert!(!good.exists(), "nothing written when an output path is bad");
    // So is a folder where no file can be made (read-only; /proc even for root), and a
    // descriptor that is not open for writing: the keypoints, written right after the pose stage,
    // are not written.
    let keypoints = dir.path().join("keypoints.json");
    for (bad, says) in [
        ("/proc/report.json", "cannot write"),
        ("/dev/fd/9", "not an open descriptor"),
    ] {
        let out = analyze(&clip, &[&"--no-cache", &"--keypoints", &keypoints, &"--json", &bad]);
        assert_clean_error(&out, bad, says);
        assert!(
            !keypoints.exists(),
            "{bad}: the pose stage ran before the output was refused"
        );
    }
    // A keypoints file of no known format, and a folder given as a file, fail as early.
    let out = analyze(
        &clip,
        &[
            &"--no-cache",
            &"--csv",
            &good,
            &"--keypoints",
            &dir.path().join("kp.txt"),
        ],
    );
    assert_clean_error(&out, "kp.txt", "unknown output format");
    let out = analyze(&clip, &[&"--no-cache", &"--csv", &good, &"--json", &dir.path()]);
    assert_clean_error(&out, &dir.path().display().to_string(), "is a directory");
    assert!(!good.exists(), "nothing written when an output path is bad");
    // Two outputs to the same file would overwrite each other.
    let same = dir.path().join("out.x");
    let out = analyze(&clip, &[&"--json", &same, &"--csv", &same]);
    assert_error_after_warnings(&out, "out.x", "given for two outputs");
    assert!(!same.exists());
}

/// Outputs to devices: written into, never renamed over (as root, a rename replaced the device
/// node with a regular file). A copy of /dev/full fails mid-write: exit 2, one line.
#[test]
fn outputs_to_devices() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("dir");
    let clip = cached_fixture();
    let (full, null) = (dir.path().join("full"), dir.path().join("null"));
    let mknod = |path: &Path, minor: u32| -> bool {
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
        // SAFETY: a valid C string; makes a character device node (1, minor) like /dev/null.
        unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, minor)) == 0 }
    };
    let (full, null) = if mknod(&full, 7) && mknod(&null, 3) {
        (full, null)
    } else if !is_root() {
        // Not root: renaming over /dev's nodes is refused anyway, so the real ones are safe.
        (PathBuf::from("/dev/full"), PathBuf::from("/dev/null"))
    } else {
        println!("note: device outputs skipped: cannot make device nodes");
        return;
    };
    let out = analyze(&clip, &[&"--json", &full]);
    assert_error_after_warnings(&out, &full.display().to_string(), "no space left on device");
    let out = analyze(
        &clip,
        &[
            &"--json",
            &null,
            &"--keypoints",
            &dir.path().join("kp.csv"),
            &"--annotate",
            &null,
        ],
    );
    assert_report(&out);
    for device in [&full, &null] {
        let meta = std::fs::metadata(device).expect("still there");
        assert!(meta.file_type().is_char_device(), "{} was replaced", device.display());
    }
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}

/// An output named by one of liftcheck's own descriptors, redirected to a file: `--json
/// /dev/stdout` prints the JSON alone, as `--json -` does (before, the JSON was renamed over the
/// file the terminal report had gone to), and `--csv /dev/stderr` is added to what stderr holds.
#[test]
fn outputs_to_own_descriptors_redirected_to_files() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = cached_fixture();
    let (out_file, err_file) = (dir.path().join("out.txt"), dir.path().join("err.txt"));
    std::fs::write(&err_file, "before\n").expect("write");
    let stdout = std::fs::File::create(&out_file).expect("create");
    let stderr = std::fs::OpenOptions::new().append(true).open(&err_file).expect("open");
    let status = liftcheck()
        .args([OsStr::new("analyze"), OsStr::new("--quiet")])
        .arg(&clip)
        .args(["--json", "/dev/stdout", "--csv", "/dev/stderr"])
        .stdout(stdout)
        .stderr(stderr)
        .status()
        .expect("runs");
    assert_eq!(status.code(), Some(0));
    let printed = std::fs::read_to_string(&out_file).expect("read");
    let json: serde_json::Value = serde_json::from_str(&printed).expect("stdout is the JSON alone");
    assert_eq!(json["reps"].as_array().map(Vec::len), Some(2));
    let logged = std::fs::read_to_string(&err_file).expect("read");
    assert!(logged.starts_with("before\nframe,"), "{logged}");
    assert!(std::path::Path::new("/dev/stdout").exists() && std::path::Path::new("/dev/stderr").exists());

    // The HTML report by its descriptor is printed alone too (before, after the terminal report;
    // with -v the video facts go to stderr), and only one output can have standard output.
    let page_file = dir.path().join("page.html");
    let out = liftcheck()
        .args([OsStr::new("analyze"), OsStr::new("--quiet"), OsStr::new("-v")])
        .arg(&clip)
        .args(["--html", "/dev/stdout"])
        .stdout(std::fs::File::create(&page_file).expect("create"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let logged = String::from_utf8_lossy(&out.stderr);
    assert!(logged.contains("key-joint visibility"), "{logged}");
    let page = std::fs::read_to_string(&page_file).expect("read");
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..page.len().min(200)]);
    let both = liftcheck()
        .args([OsStr::new("analyze"), OsStr::new("--quiet")])
        .arg(&clip)
        .args(["--json", "-", "--html", "/dev/stdout"])
        .output()
        .expect("runs");
    assert_clean_error(&both, "--json - and --html /dev/stdout", "both ask for standard output");
    let all = liftcheck()
        .args([OsStr::new("analyze"), OsStr::new("--quiet")])
        .arg(&clip)
        .args(["--json", "-", "--csv", "/dev/stdout", "--html", "-"])
        .output()
        .expect("runs");
    assert_clean_error(
        &all,
        "--json -, --csv /dev/stdout and --html -",
        "all ask for standard output",
    );
}

/// Unmounts a tmpfs mounted for a test, whatever happens.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A disk that fills up mid-write: a 16 kB tmpfs (root only; skipped otherwise). The old file
/// stays, nothing half-written appears, no temporary file is left, exit 2 with one line. For the
/// annotated clip, ffmpeg fails: before, writing to it raised SIGPIPE, which killed liftcheck
/// silently (exit 141) and left ffmpeg's temporary file behind.
#[test]
fn write_fails_midway_on_a_full_disk() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = cached_fixture();
    let mount = dir.path().join("tiny");
    std::fs::create_dir(&mount).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("note: full-disk case skipped: cannot mount a tmpfs (needs root)");
        return;
    }
    let _guard = Mounted(mount.clone());
    let keypoints = mount.join("keypoints.json");
    std::fs::write(&keypoints, b"old keypoints").expect("write");
    let out = analyze(&clip, &[&"--keypoints", &keypoints]);
    assert_error_after_warnings(&out, "keypoints.json", "no space left on device");
    assert_eq!(
        std::fs::read(&keypoints).expect("read"),
        b"old keypoints",
        "old file kept"
    );

    let annotated = mount.join("annotated.mp4");
    let out = analyze(&clip, &[&"--annotate", &annotated]);
    assert_error_after_warnings(&out, "annotated.mp4", "no space left on device");
    assert!(!annotated.exists());
    assert!(leftovers(&mount).is_empty(), "{:?}", leftovers(&mount));
}

/// Spawns `cmd`, waits until `ready` (at most a minute), then sends `signal`.
fn interrupt(cmd: &mut Command, ready: impl Fn() -> bool, signal: i32) -> Output {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        // Its own process group, signalled as a whole, as a terminal's Ctrl-C signals the
        // foreground group: children liftcheck starts get the signal too unless it keeps them out.
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("liftcheck starts");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) && !ready() {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: signalling the process group our own child leads.
    unsafe { libc::kill(-(child.id() as libc::pid_t), signal) };
    child.wait_with_output().expect("liftcheck exits")
}

/// Ctrl-C or SIGTERM while the annotated clip is being written: exit 2 naming the clip and
/// saying it was interrupted, no annotated clip, no temporary file. Before, ffmpeg outlived
/// liftcheck and, when interrupted before the first frame reached it, created its temporary
/// output after liftcheck had removed it, leaving a `.part` file; and once frames were flowing,
/// a Ctrl-C reached ffmpeg too (one process group), which died first and made the interrupt
/// read "video encoding failed".
#[test]
fn interrupted_annotation_leaves_nothing() {
    let clip = cached_fixture();
    // (signal, interrupt once ffmpeg has written encoded frames, else as soon as the temporary
    // file exists)
    let cases = [(libc::SIGINT, false), (libc::SIGTERM, false), (libc::SIGINT, true)];
    for (signal, encoding) in cases {
        let dir = tempfile::tempdir().expect("dir");
        let annotated = dir.path().join("annotated.mp4");
        let mut cmd = liftcheck();
        cmd.args(["analyze", "--quiet"])
            .arg(&clip)
            .arg("--annotate")
            .arg(&annotated);
        let ready = || {
            let temp = leftovers(dir.path());
            !temp.is_empty() && (!encoding || temp.iter().any(|t| t.metadata().is_ok_and(|m| m.len() > 0)))
        };
        let out = unchanged(&clip, || interrupt(&mut cmd, ready, signal));
        assert_error_after_warnings(&out, "annotated.mp4", "interrupted");
        // ffmpeg must be gone with liftcheck: give a straggler time to write.
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            !annotated.exists(),
            "signal {signal} ({encoding}): annotated clip written"
        );
        assert!(
            leftovers(dir.path()).is_empty(),
            "signal {signal} ({encoding}): {:?}",
            leftovers(dir.path())
        );
    }
}

#[test]
fn interrupted_batch_keeps_only_finished_reports() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path(CLIP);
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).expect("mkdir");
    for (name, crop) in [("a.mp4", "crop=600:360:20:0"), ("b.mp4", "crop=600:360:0:0")] {
        make_clip(&videos, name, &["-i", utf8(&clip), "-vf", crop]);
    }
    let reports = dir.path().join("reports");
    let mut cmd = liftcheck();
    cmd.args(["batch", "--quiet", "--no-cache", "--annotate"])
        .arg(&videos)
        .arg("-o")
        .arg(&reports);
    // In the pose stage of the first clips: the report folder exists (the signal handler is in
    // place by then), and the models have had time to load.
    let since: std::cell::Cell<Option<Instant>> = std::cell::Cell::new(None);
    let ready = || {
        if since.get().is_none() && reports.is_dir() {
            since.set(Some(Instant::now()));
        }
        since.get().is_some_and(|t| t.elapsed() > Duration::from_millis(800))
    };
    let out = interrupt(&mut cmd, ready, libc::SIGTERM);
    assert_error_after_warnings(&out, "videos", "interrupted");
    assert!(
        !reports.join("summary.json").exists(),
        "no summary of an interrupted run"
    );
    assert!(leftovers(&reports).is_empty(), "{:?}", leftovers(&reports));
    for entry in walkdir::WalkDir::new(&reports).into_iter().flatten() {
        if entry.path().extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(entry.path()).expect("read");
            serde_json::from_slice::<serde_json::Value>(&bytes).expect("only complete reports");
        }
    }
}

#[test]
fn batch_carries_on_and_lists_every_failure() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = cached_fixture();
    let videos = dir.path().join("videos");
    std::fs::create_dir_all(videos.join("week 1")).expect("mkdir");
    std::fs::copy(&clip, videos.join("week 1/good set.mp4")).expect("copy");
    // Two names that differ only in non-UTF-8 bytes: shown alike, but their reports must not
    // overwrite each other (they did: report names were made from the lossy name).
    let odd: Vec<PathBuf> = [&b"odd \xff.mp4"[..], b"odd \xfe.mp4"]
        .iter()
        .map(|n| videos.join(OsString::from_vec(n.to_vec())))
        .collect();
    for path in &odd {
        std::fs::copy(&clip, path).expect("copy");
    }
    std::fs::write(videos.join("empty.mp4"), b"").expect("write");
    std::fs::write(videos.join("notes.mov"), b"text, not a video\n").expect("write");
    let bytes = std::fs::read(&clip).expect("read");
    // Two thirds of the bytes: the first rep decodes (a third ends before its lift-off, which
    // makes the clip an error: nothing in it could be judged).
    std::fs::write(videos.join("week 1/cut.mp4"), &bytes[..bytes.len() * 2 / 3]).expect("write");
    ffmpeg(&["-i", utf8(&clip), "-c", "copy", utf8(&videos.join("index last.mp4"))]);
    let last = std::fs::read(videos.join("index last.mp4")).expect("read");
    std::fs::write(videos.join("index last.mp4"), &last[..last.len() / 2]).expect("write");
    let broken = ["empty.mp4", "notes.mov", "index last.mp4"];

    let inputs: Vec<PathBuf> = walkdir::WalkDir::new(&videos)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let hashes: Vec<String> = inputs.iter().map(|p| file_hash(p)).collect();
    let reports = dir.path().join("reports");
    let out = run(&[&"batch", &"--quiet", &videos, &"-o", &reports]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_no_panic(&out);
    for name in broken {
        assert!(
            err.lines().any(|l| l.contains(name) && l.contains(':')),
            "{name} listed: {err}"
        );
    }
    // The cut clip still has its first part: a report, with a warning.
    assert!(reports.join("week 1/cut.report.json").is_file(), "{err}");
    assert!(err.contains("decoding stopped at frame"), "{err}");
    let summary: serde_json::Value = read_json(&reports.join("summary.json"));
    let clips = summary["clips"].as_array().expect("clips");
    let cut = clips
        .iter()
        .find(|c| c["file"].as_str().is_some_and(|f| f.ends_with("cut.mp4")))
        .expect("cut clip in the summary");
    assert!(
        cut["warnings"].to_string().contains("decoding stopped at frame"),
        "the summary says the clip was cut: {cut}"
    );
    assert_eq!(clips.len(), inputs.len(), "{clips:?}");
    let errors = clips.iter().filter(|c| c["status"] == "error").count();
    assert_eq!(errors, broken.len(), "{clips:?}");
    assert!(reports.join("week 1/good set.report.json").is_file());
    for name in [&b"odd \xff.report.json"[..], b"odd \xfe.report.json"] {
        assert!(
            reports.join(OsStr::from_bytes(name)).is_file(),
            "reports of both odd names"
        );
    }
    assert!(leftovers(&reports).is_empty(), "{:?}", leftovers(&reports));
    let after: Vec<String> = inputs.iter().map(|p| file_hash(p)).collect();
    assert_eq!(hashes, after, "inputs unchanged");
}

#[test]
fn doctor_checks_the_setup() {
    let out = run(&[&"doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("all checks passed"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("FAIL"));

    let dir = tempfile::tempdir().expect("dir");
    let out = liftcheck()
        .env("ORT_DYLIB_PATH", dir.path().join("libonnxruntime.so.missing"))
        .arg("doctor")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("onnxruntime")),
        "{}",
        stdout(&out)
    );
    assert_no_panic(&out);

    let out = run(&[&"doctor", &"--models", &dir.path().join("no models")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("models") && l.contains("no models")),
        "{}",
        stdout(&out)
    );
    assert_no_panic(&out);
}
