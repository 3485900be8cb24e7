#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), builds liftcheck in release mode and runs it with
# the given arguments, e.g.  scripts/run.sh analyze samples/deadlift_side.mp4
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
"$root/scripts/setup.sh"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
exec "$root/target/release/liftcheck" "$@"
