#!/usr/bin/env bash
# Builds the browser booth: the engine compiled to WebAssembly with its
# wasm-bindgen glue, into web/static/pkg/ (which `valurna serve` serves at
# /static/pkg/). Everything is built here from crates.io sources: the
# wasm32 target from rustup and wasm-bindgen-cli (the version Cargo.lock
# pins for the wasm-bindgen crate) from `cargo install`; no binary is
# downloaded. Honours CARGO_TARGET_DIR (relative to the caller's directory).
set -euo pipefail
SECONDS=0
target=${CARGO_TARGET_DIR:-}
if [ -n "$target" ]; then
    case "$target" in
        /*) ;;
        *) target="$PWD/$target" ;;
    esac
    export CARGO_TARGET_DIR="$target"
fi
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
echo "building the booth (a first build takes a few minutes)"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[" ]/, "", $0); sub("version=", "", $0); print; exit }' Cargo.lock)
if ! command -v wasm-bindgen >/dev/null 2>&1 || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$version" ]; then
    echo "installing wasm-bindgen-cli $version (built from source, takes a few minutes)"
    cargo install wasm-bindgen-cli --version "$version"
fi
cargo build -p valurna-booth --target wasm32-unknown-unknown --release --locked
wasm-bindgen --target web --no-typescript --out-dir web/static/pkg \
    "$target/wasm32-unknown-unknown/release/valurna_booth.wasm"
ls -l web/static/pkg
echo "booth built in $SECONDS s"
