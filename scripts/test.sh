#!/usr/bin/env bash
# Sets everything up (once) and runs every test: unit, corpus, CLI, window (egui_kittest and a real
# window under Xvfb), and the benchmarks in test mode. Needs ../shared/corpus (or FORMCHECK_CORPUS).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
command -v cargo >/dev/null || source "$HOME/.cargo/env"
export CARGO_TERM_COLOR=never
# Release mode: the corpus tests run the real model on real clips, and the window test drives the
# release binary.
cargo fmt --check
cargo clippy --release --all-targets --quiet -- -D warnings
cargo test --release --all-targets --no-fail-fast "$@"
