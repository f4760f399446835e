#!/usr/bin/env bash
# hakit's full test suite: what CI runs (.ci/run) and what the README shows.
#
#   tools/test.sh                   all configurations below (CI)
#   tools/test.sh --quick           clang-debug only, for developers
#   tools/test.sh --preset NAME     the named configuration(s) only (repeatable)
#
# Installs missing packages (tools/install-deps.sh), checks formatting (clang-format 14) and that
# single_include/ is in sync with include/, then for each configuration (a preset of
# CMakePresets.json, built in build/<preset>): configure, build with -j2 (warnings are errors),
# and run every CTest test (unit, header, single-include, consumer and ZooKeeper tests).
#   gcc-release     GCC 12, Release
#   clang-debug     Clang 14, Debug
#   gcc-asan        GCC 12, Debug, ASan + UBSan
#   single-include  Clang 14, the unit tests compiled against single_include/hakit/hakit.hpp
# The last line is "N passed, M failed": CTest tests summed over configurations plus the two
# checks; a configuration that fails to configure or build counts as one failure. Exit status is
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

all_presets=(gcc-release clang-debug gcc-asan single-include)
presets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) presets=(clang-debug) ;;
        --preset)
            [ $# -ge 2 ] || { echo "test.sh: --preset needs a name" >&2; exit 2; }
            presets+=("$2")
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "test.sh: unknown argument '$1' (try --help)" >&2
            exit 2
            ;;
    esac
    shift
done
[ ${#presets[@]} -gt 0 ] || presets=("${all_presets[@]}")

started=$SECONDS
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
banner() { printf '\n==== %s ====\n' "$*"; }

banner "dependencies"
bash tools/install-deps.sh || exit 1

passed=0
failed=0
report=()  # the closing summary, one entry per check / configuration

banner "clang-format check"
mapfile -d '' sources < <(
    find include tests benchmarks examples tools -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0 2>/dev/null |
        sort -z
)
if [ ${#sources[@]} -gt 0 ] && clang-format-14 --dry-run --Werror "${sources[@]}"; then
    passed=$((passed + 1))
    report+=("clang-format: ${#sources[@]} files formatted")
else
    failed=$((failed + 1))
    report+=("clang-format: FAILED (fix with: clang-format-14 -i <file>)")
fi

banner "single_include in sync"
if python3 tools/amalgamate.py --check; then
    passed=$((passed + 1))
    report+=("single_include: in sync")
else
    failed=$((failed + 1))
    report+=("single_include: FAILED (out of date; run python3 tools/amalgamate.py)")
fi

for preset in "${presets[@]}"; do
    preset_started=$SECONDS
    banner "$preset: configure"
    if ! cmake --preset "$preset"; then
        failed=$((failed + 1))
        report+=("$preset: configure FAILED")
        continue
    fi
    banner "$preset: build"
    if ! cmake --build --preset "$preset"; then
        failed=$((failed + 1))
        report+=("$preset: build FAILED")
        continue
    fi
    banner "$preset: test"
    log="build/$preset/ctest.log"
    ctest --preset "$preset" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}

    # "100% tests passed, 0 tests failed out of 57"
    line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
        f=${BASH_REMATCH[1]}
        total=${BASH_REMATCH[2]}
        passed=$((passed + total - f))
        failed=$((failed + f))
    else
        line="no test summary from ctest (exit status $status)"
    fi
    if [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        failed=$((failed + 1))  # ctest failed without naming a failed test (e.g. no tests found)
    fi
    unset f
    report+=("$preset: $line")
    report+=("$preset: $(grep -E '^Total Test time' "$log" | tail -n 1) (configure+build+test $(elapsed $((SECONDS - preset_started))))")
    while IFS= read -r failed_test; do
        report+=("$preset:   $failed_test")
    done < <(sed -n '/^The following tests FAILED:/,/^Errors while running CTest/p' "$log" | grep -E '^\s+[0-9]+ - ')
done

banner "summary ($(elapsed $((SECONDS - started))))"
printf '%s\n' "${report[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
