#!/usr/bin/env bash
# Builds every fuzz target (the fuzz crate is its own workspace) and runs
# each once over its committed seeds (fuzz/seeds/<target>; the verifier's
# differential targets over the seeds of the engine targets they mirror).
# libFuzzer given files runs each of them and exits: a panic or an abort
# fails the run and names the input. CI runs this on every change; it is
# the fuzzers' regression test, not fuzzing (for that: fuzz/run.sh).
#
#   fuzz/replay.sh
#
# Needs a C++ compiler (libfuzzer-sys builds libFuzzer). Built without the
# sanitizers and coverage cargo-fuzz adds, in the dev profile: debug
# assertions on, and quick to build.
set -euo pipefail
cd "$(dirname "$0")"

seeds_of() {
    case $1 in
        verifier_ballot) echo ballot cast_body ;;
        verifier_record) echo record_json record_lines manifest ceremony ;;
        verifier_shuffle) echo shuffle_proof ;;
        *) echo "$1" ;;
    esac
}

if ! command -v c++ >/dev/null 2>&1; then
    echo "installing a C++ compiler for libFuzzer"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get install -y -q g++ >/dev/null 2>&1 ||
        { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q g++ >/dev/null; }
fi
echo "building the fuzz targets"
cargo build --locked --bins --quiet
bin=target/debug
failed=()
for src in fuzz_targets/*.rs; do
    t=$(basename "$src" .rs)
    files=()
    for d in $(seeds_of "$t"); do
        [ -d "seeds/$d" ] || { echo "$t: no seeds in fuzz/seeds/$d" >&2; exit 1; }
        files+=(seeds/"$d"/*)
    done
    [ ${#files[@]} -gt 0 ] || { echo "$t: no seed files" >&2; exit 1; }
    if "$bin/$t" -rss_limit_mb=2048 -timeout=60 "${files[@]}" >"target/replay-$t.log" 2>&1 &&
        [ "$(grep -c '^Executed ' "target/replay-$t.log")" -eq ${#files[@]} ]; then
        printf '%-18s %4d seeds  ok\n' "$t" "${#files[@]}"
    else
        printf '%-18s %4d seeds  FAILED (target/replay-%s.log)\n' "$t" "${#files[@]}" "$t"
        tail -n 30 "target/replay-$t.log" >&2
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
