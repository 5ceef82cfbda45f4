#!/bin/bash
# The whole test suite: installs missing packages, builds vpnd, runs every
# meson suite (unit, interop, ...), then rebuilds with ASan + UBSan and runs
# the unit, redirect and resume suites again. Run as root: the interop cases need network
# namespaces (without root they are skipped, unless CI=true).
# Build directories: build/ and build-asan/ (override with BUILD=dir).
set -euo pipefail
cd "$(dirname "$0")/.."

tests/interop/deps.sh

BUILD=${BUILD:-build}
# Sanitizer reports must fail the test, with a stack trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_summary=1:print_stacktrace=1}

# Both runs happen even if the first fails; the exit status is the worst
# of the two, and the output ends with meson's own summary.
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
# The demo (tests/demo.sh) may have set up build/ without the tests.
meson configure "$BUILD" | grep -Eq '^ *tests +true' ||
	meson configure "$BUILD" -Dtests=true
rc=0
meson test -C "$BUILD" --print-errorlogs || rc=$?

[ -f "$BUILD-asan/build.ninja" ] ||
	meson setup "$BUILD-asan" -Db_sanitize=address,undefined
asan_rc=0
meson test -C "$BUILD-asan" --suite unit --suite redirect --suite resume \
	--print-errorlogs || asan_rc=$?
exit $((rc > asan_rc ? rc : asan_rc))
