//! Golden files: output compared with a file under `tests/golden/`. Shared by the report unit
//! tests (`src/report/tests.rs`) and the integration tests. Set `LIFTCHECK_BLESS=1` to rewrite
//! the files that differ, after reviewing the diff.

use std::path::PathBuf;

/// Compares `got` with the golden file, or rewrites it when blessing.
pub fn golden(name: &str, got: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name].iter().collect();
    // Blessing rewrites a file that differs and fails the test, so a run with it left on never
    // passes while anything changed.
    let same = std::fs::read_to_string(&path).is_ok_and(|want| want == got);
    if !same && std::env::var_os("LIFTCHECK_BLESS").is_some_and(|v| v == "1") {
        if let Err(e) = std::fs::write(&path, got) {
            panic!("{}: {e}", path.display());
        }
        panic!("{} rewritten; run again without LIFTCHECK_BLESS", path.display());
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with LIFTCHECK_BLESS=1 to create)", path.display()));
    if want != got {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  want: {a}\n  got:  {b}", i + 1))
            .collect();
        panic!(
            "{} differs ({} vs {} lines):\n{}",
            path.display(),
            want.lines().count(),
            got.lines().count(),
            diff.join("\n")
        );
    }
}
