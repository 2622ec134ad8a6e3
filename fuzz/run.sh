#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), one after the
# other, each on one core (-workers=1 -jobs=1, RAYON_NUM_THREADS=1), from
# its corpus (fuzz/corpus/<target>, kept between runs) and the committed
# seeds (fuzz/seeds/<target>). Prints per target the executions and the CPU
# seconds used; exits 1 if any target crashed, leaving the input in
# fuzz/artifacts/<target>/ and the log in fuzz/logs/<target>/.
#
#   fuzz/run.sh [SECONDS] [TARGET ...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a C++
# compiler; on a stable toolchain RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass
# its nightly-only flags (-Zsanitizer=address and friends).
set -uo pipefail

cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
export RUSTC_BOOTSTRAP=1 RAYON_NUM_THREADS=1

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

# Longest input per target: room above its largest seed.
max_len() {
    case $1 in
        shuffle_proof | verifier_shuffle) echo 4096 ;;
        roll_csv) echo 4096 ;;
        *) echo 12288 ;;
    esac
}

mkdir -p logs && echo "building the targets (address sanitizer, debug assertions)"
cargo fuzz build >logs/build.log 2>&1 || { echo "build failed" >&2; exit 2; }
bin=$PWD/target/$(rustc -vV | sed -n 's/^host: //p')/release

# JSON targets get a dictionary of JSON tokens and field names.
dict() {
    case $1 in
        manifest | ceremony | record_json | record_lines | cast_body | verifier_record)
            echo "-dict=$root/json.dict" ;;
    esac
}

run_one() {
    local t=$1
    (
        cd "logs/$t" &&
            "$bin/$t" "$root/corpus/$t" "$root/seeds/$t" \
                -max_total_time="$seconds" -workers=1 -jobs=1 \
                -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
                -print_final_stats=1 -artifact_prefix="$root/artifacts/$t/" $(dict "$t")
    )
}

root=$PWD
failed=()
total_cpu=0
total_execs=0
printf '%-18s %12s %9s %8s %8s  %s\n' target executions cpu_s wall_s corpus result
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t" "logs/$t"
    rm -f "logs/$t"/fuzz-*.log
    TIMEFORMAT='%R %U %S'
    { time run_one "$t" >"logs/$t/driver.log" 2>&1; } 2>"logs/$t/time"
    rc=$?
    read -r wall user sys <"logs/$t/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
    log=$(ls "logs/$t"/fuzz-*.log 2>/dev/null | head -n 1)
    log=${log:-logs/$t/driver.log}
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ -z "$execs" ]; then
        # A crash ends the run before the final stats: the last status line.
        execs=$(grep -Eo '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    fi
    execs=${execs:-0}
    corpus=$(find "corpus/$t" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        result="CRASH (rc $rc): $(ls "artifacts/$t" | tr '\n' ' ')"
        failed+=("$t")
    fi
    printf '%-18s %12s %9s %8.0f %8s  %s\n' "$t" "$execs" "$cpu" "$wall" "$corpus" "$result"
    total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { printf "%.1f", a + b }')
    total_execs=$((total_execs + execs))
done
printf '%-18s %12s %9s\n' total "$total_execs" "$total_cpu"

if [ ${#failed[@]} -gt 0 ]; then
    echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/logs/)" >&2
    exit 1
fi
