//! Writing results: atomically (temporary file in the destination folder, then rename), so an
//! interrupted run never leaves a half-written file under the final name.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::pose::{KEYPOINT_NAMES, PoseFrame};
use crate::video::VideoInfo;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    // The cause is part of the message, not a `source`: error chains would print it twice.
    #[error("{}: cannot write: {error}", path.display())]
    Write { path: PathBuf, error: std::io::Error },
    #[error("{}: unknown output format (use .json or .csv)", .0.display())]
    UnknownFormat(PathBuf),
    #[error("{}: refusing to overwrite an input file", .0.display())]
    WouldOverwriteInput(PathBuf),
    #[error("{}: given for two outputs (each needs its own file)", .0.display())]
    SameOutputTwice(PathBuf),
}

/// Writes `path` atomically with the bytes `fill` produces.
pub fn write_atomically<F>(path: &Path, fill: F) -> Result<(), OutputError>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let err = |error| OutputError::Write {
        path: path.to_path_buf(),
        error: plain_io_error(error),
    };
    let destination = Destination::of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".liftcheck-")
        .suffix(".part")
        .tempfile_in(destination.temp_dir())
        .map_err(err)?;
    {
        let mut writer = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut writer).map_err(err)?;
        writer.flush().map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    destination.place(tmp).map_err(err)?;
    Ok(())
}

/// The permission bits a file created the usual way gets: 0666 less the process's umask (read
/// from `/proc/self/status`, which unlike `umask(2)` does not change it; 022 where unreadable).
fn created_file_mode() -> u32 {
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    0o666 & !umask
}

/// Where the finished temporary file for an output path goes.
pub struct Destination {
    target: PathBuf,
    /// A device or pipe (/dev/null, /dev/full, /dev/stdout on a terminal or pipe, a FIFO): the
    /// bytes are copied into it, since renaming a file over it would replace the device node (as
    /// root) instead of writing to it.
    stream: bool,
    /// The path names one of this process's descriptors (`/dev/stderr`, `/dev/fd/N`,
    /// `/proc/self/fd/N`) redirected to a regular file: the bytes go to that descriptor where it
    /// stands. Renaming over the file (`2> log.txt`) would drop what was written to it before,
    /// and opening it afresh would write over its start. A pipe or terminal is opened afresh, as
    /// any device: a duplicate would share the pipe's non-blocking mode, if the reader set it.
    descriptor: Option<i32>,
}

/// Whether this process has descriptor `fd` open with write access.
fn open_for_writing(fd: i32) -> bool {
    // SAFETY: F_GETFL only reads the descriptor's flags; an fd that is not open gives -1.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags >= 0 && matches!(flags & libc::O_ACCMODE, libc::O_WRONLY | libc::O_RDWR)
}

/// Whether descriptor `fd` is a regular file (a redirection to a file, not a pipe or terminal).
fn is_regular_file(fd: i32) -> bool {
    // SAFETY: fstat writes into the zeroed struct it is given; a bad fd gives -1.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    unsafe { libc::fstat(fd, &mut stat) == 0 && (stat.st_mode & libc::S_IFMT) == libc::S_IFREG }
}

/// The descriptor a path like `/dev/stdout` or `/proc/self/fd/2` names.
pub fn own_descriptor(path: &Path) -> Option<i32> {
    let text = path.to_str()?;
    match text {
        "/dev/stdin" => return Some(0),
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => {}
    }
    ["/dev/fd/", "/proc/self/fd/"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .and_then(|n| n.parse().ok())
}

impl Destination {
    /// A symlink is followed, so the link stays and its target is replaced.
    pub fn of(path: &Path) -> Self {
        let named = own_descriptor(path);
        let descriptor = named.filter(|&fd| is_regular_file(fd));
        let stream = named.is_some() || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let target = match (link && !stream).then(|| std::fs::canonicalize(path)) {
            Some(Ok(target)) => target,
            _ => path.to_path_buf(),
        };
        Self {
            target,
            stream,
            descriptor,
        }
    }

    /// Folder for the temporary file: beside the target, so the rename is atomic, or the
    /// system's temporary folder for a device or pipe.
    pub fn temp_dir(&self) -> PathBuf {
        if self.stream {
            return std::env::temp_dir();
        }
        match self.target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Puts the finished temporary file in place. Temporary files are created private (0600);
    /// the output gets the mode of the file it replaces, or a new file's usual mode (the umask
    /// decides who may read reports, which hold frames of the lifter).
    pub fn place(&self, tmp: tempfile::NamedTempFile) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        if self.stream {
            // The temporary file is deleted before the copy (the open handle still reads it): a
            // reader that closes the pipe early ends liftcheck by SIGPIPE mid-copy, which would
            // otherwise leave the file behind.
            let mut from = tmp.reopen()?;
            tmp.close()?;
            let mut to = match self.descriptor {
                Some(fd) => {
                    // SAFETY: `dup` returns a new descriptor (or -1, checked), which the File owns
                    // and closes; the original stays open.
                    let copy = unsafe { libc::dup(fd) };
                    if copy < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(copy) }
                }
                None => std::fs::OpenOptions::new().write(true).open(&self.target)?,
            };
            std::io::copy(&mut from, &mut to)?;
            return to.flush();
        }
        let mode = match std::fs::metadata(&self.target) {
            Ok(m) if m.is_file() => m.permissions().mode() & 0o7777,
            _ => created_file_mode(),
        };
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
        tmp.persist(&self.target).map(drop).map_err(|e| e.error)
    }
}

/// The operating-system error under `e`: tempfile's errors name the random temporary path, and
/// writers wrap I/O errors in their own; the user named the final path and needs the reason.
pub fn plain_io_error(e: std::io::Error) -> std::io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|c| c as _);
    while let Some(c) = cause {
        if let Some(code) = c
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
        {
            return std::io::Error::from_raw_os_error(code);
        }
        cause = c.source();
    }
    // tempfile's own wrapper hides the OS error and ends its message with the temporary path.
    let text = e.to_string();
    match text.find(" at path \"") {
        Some(end) => std::io::Error::new(e.kind(), &text[..end]),
        None => e,
    }
}

/// Checks a command's output paths before any work starts: none is the input or an existing
/// folder, each one's folder exists, no two are the same file (devices such as `/dev/null` may
/// take several), and a file can be made in each folder (a read-only folder fails here, not
/// after a long pose stage).
pub fn check_destinations(outputs: &[&Path], input: &Path) -> Result<(), OutputError> {
    let mut seen: Vec<PathBuf> = Vec::new();
    for &out in outputs {
        // A folder first: when the input is a folder (`eval DIR --json DIR`) that is the reason.
        if out.is_dir() {
            return Err(OutputError::Write {
                path: out.to_path_buf(),
                error: std::io::Error::from_raw_os_error(libc::EISDIR),
            });
        }
        ensure_not_input(out, input)?;
        let folder = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // `folder/.` fails as the write would: no such folder, or not a folder.
        std::fs::metadata(folder.join(".")).map_err(|error| OutputError::Write {
            path: out.to_path_buf(),
            error: plain_io_error(error),
        })?;
        if let Some(fd) = own_descriptor(out)
            && !open_for_writing(fd)
        {
            return Err(OutputError::Write {
                path: out.to_path_buf(),
                error: std::io::Error::other("not an open descriptor this process can write to"),
            });
        }
        let is_device =
            own_descriptor(out).is_some() || std::fs::metadata(out).is_ok_and(|m| !m.is_file() && !m.is_dir());
        // The temporary file the write will go through (beside a link's target; in the temporary
        // folder for a device or pipe), made and removed at once.
        tempfile::Builder::new()
            .prefix(".liftcheck-check-")
            .suffix(".part")
            .tempfile_in(Destination::of(out).temp_dir())
            .map_err(|error| OutputError::Write {
                path: out.to_path_buf(),
                error: plain_io_error(error),
            })?;
        // An existing file by its real path (two links to one file are one output).
        let full = out.canonicalize().unwrap_or_else(|_| {
            folder
                .canonicalize()
                .unwrap_or_else(|_| folder.to_path_buf())
                .join(out.file_name().unwrap_or_default())
        });
        if seen.contains(&full) && !is_device {
            return Err(OutputError::SameOutputTwice(out.to_path_buf()));
        }
        seen.push(full);
    }
    Ok(())
}

/// Refuses an output path that is the input file itself.
pub fn ensure_not_input(output: &Path, input: &Path) -> Result<(), OutputError> {
    let same = match (output.canonicalize(), input.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(OutputError::WouldOverwriteInput(output.to_path_buf()));
    }
    Ok(())
}

/// The `tool` header of the JSON files meant for users (report, batch summary, keypoints): which
/// program and version wrote it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// This build of liftcheck.
pub const TOOL: Tool = Tool {
    name: "liftcheck",
    version: env!("CARGO_PKG_VERSION"),
};

/// Version of the keypoints JSON layout.
pub const KEYPOINTS_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct KeypointsFile<'a> {
    schema_version: u32,
    tool: Tool,
    video: &'a VideoInfo,
    keypoint_names: &'a [&'a str],
    /// Per frame: `keypoints` is a list of `[x, y, z, visibility, presence]` in frame pixels, or
    /// null when no person was found.
    frames: Vec<FrameRecord>,
}

#[derive(Serialize)]
struct FrameRecord {
    index: usize,
    time_s: f64,
    score: Option<f32>,
    keypoints: Option<Vec<[f32; 5]>>,
}

/// Writes per-frame keypoints as JSON or CSV, chosen by the file extension.
/// Refuses a keypoints path whose format [`write_keypoints`] cannot tell (`.json` or `.csv`), so
/// the mistake shows before the work rather than after it.
pub fn check_keypoints_format(path: &Path) -> Result<(), OutputError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json" | "csv") => Ok(()),
        _ => Err(OutputError::UnknownFormat(path.to_path_buf())),
    }
}

pub fn write_keypoints(path: &Path, info: &VideoInfo, frames: &[PoseFrame]) -> Result<(), OutputError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => write_atomically(path, |w| {
            let file = KeypointsFile {
                schema_version: KEYPOINTS_SCHEMA_VERSION,
                tool: TOOL,
                video: info,
                keypoint_names: &KEYPOINT_NAMES,
                frames: frames
                    .iter()
                    .map(|f| FrameRecord {
                        index: f.index,
                        time_s: f.time_s,
                        score: f.pose.as_ref().map(|p| p.score),
                        keypoints: f.pose.as_ref().map(|p| {
                            p.keypoints
                                .iter()
                                .map(|k| [k.x, k.y, k.z, k.visibility, k.presence])
                                .collect()
                        }),
                    })
                    .collect(),
            };
            serde_json::to_writer(&mut *w, &file).map_err(std::io::Error::other)
        }),
        Some("csv") => write_atomically(path, |w| write_keypoints_csv(w, frames)),
        _ => Err(OutputError::UnknownFormat(path.to_path_buf())),
    }
}

fn write_keypoints_csv(w: &mut dyn Write, frames: &[PoseFrame]) -> std::io::Result<()> {
    write!(w, "frame,time_s,score")?;
    for name in KEYPOINT_NAMES {
        write!(w, ",{name}_x,{name}_y,{name}_z,{name}_visibility,{name}_presence")?;
    }
    writeln!(w)?;
    for f in frames {
        write!(w, "{},{:.6}", f.index, f.time_s)?;
        match &f.pose {
            Some(p) => {
                write!(w, ",{:.4}", p.score)?;
                for k in &p.keypoints {
                    write!(
                        w,
                        ",{:.2},{:.2},{:.2},{:.4},{:.4}",
                        k.x, k.y, k.z, k.visibility, k.presence
                    )?;
                }
            }
            None => {
                write!(w, ",")?;
                for _ in 0..KEYPOINT_NAMES.len() * 5 {
                    write!(w, ",")?;
                }
            }
        }
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new output gets the mode any new file gets here (the umask decides, not a fixed 0644); a
    /// replaced one keeps its own.
    #[test]
    fn outputs_get_the_usual_mode_or_keep_the_replaced_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o7777;
        let plain = dir.path().join("plain.txt");
        std::fs::File::create(&plain).expect("create");
        let new = dir.path().join("new.json");
        write_atomically(&new, |w| w.write_all(b"{}")).expect("write");
        assert_eq!(mode(&new), mode(&plain));
        let private = dir.path().join("private.json");
        std::fs::write(&private, b"old").expect("write");
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        write_atomically(&private, |w| w.write_all(b"new")).expect("write");
        assert_eq!(mode(&private), 0o600);
        assert_eq!(std::fs::read(&private).expect("read"), b"new");
    }

    #[test]
    fn atomic_write_leaves_no_temp_files_and_replaces_content() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("out.txt");
        write_atomically(&path, |w| w.write_all(b"first")).expect("write");
        write_atomically(&path, |w| w.write_all(b"second")).expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("out.txt");
        write_atomically(&path, |w| w.write_all(b"good")).expect("write");
        let result = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"good");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }
}
