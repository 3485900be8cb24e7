#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh) and runs every test: unit tests, and integration
# tests that run the real models on real video. Extra arguments go to `cargo test`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
"$root/scripts/setup.sh"
cd "$root"
cargo test --release "$@"
