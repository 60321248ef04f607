#!/usr/bin/env bash
# Renders flame graphs of several kinds with the built tool and drives each in headless Chromium
# (Debian's /usr/bin/chromium through Playwright): hover, zoom, search, reset, URL state.
# Usage: Tests/Browser/run_all.sh PATH/TO/flame-graph [OUT_DIR]
# Without Chromium or Playwright the checks are skipped (exit 0, saying what to install); under
# FLAME_GRAPH_REQUIRE_TOOLS=1 (ci/test) they fail instead. The check uses shell builtins only.
set -euo pipefail
tool="$1"
out="${2:-out/browser}"
chromium=/usr/bin/chromium
missing=""
if ! command -v python3 > /dev/null 2>&1; then
  missing="python3 is not installed (apt-get install python3)"
elif ! python3 -c "import playwright" > /dev/null 2>&1; then
  missing="playwright is not installed (pip install playwright)"
elif [ ! -x "$chromium" ]; then
  missing="$chromium is not installed (apt-get install chromium)"
fi
if [ -n "$missing" ]; then
  if [ "${FLAME_GRAPH_REQUIRE_TOOLS:-}" = 1 ]; then
    echo "browser checks: required by CI: $missing" >&2
    exit 1
  fi
  echo "browser checks: skipped: $missing"
  exit 0
fi
case "$0" in */*) here="${0%/*}" ;; *) here=. ;; esac
here="$(cd "$here" && pwd)"
peers="$here/../Fixtures/peers"
mkdir -p "$out"
vertx="$peers/FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt"
diffin="$peers/inferno/tests/data/flamegraph/differential/perf-cycles-instructions-01-collapsed-all-diff.txt"
"$tool" file -i "$vertx" -o "$out/flame.svg" --quiet
"$tool" file -i "$vertx" -o "$out/icicle.svg" --inverted --colors java --width 1000 --quiet  # fixed width
"$tool" hotcold -i "$vertx" -o "$out/hotcold.svg" --quiet
"$tool" file -i "$diffin" -o "$out/differential.svg" --quiet
status=0
passed=0
failed=0
for kind in flame icicle hotcold differential; do
  echo "== browser: $kind.svg"
  if python3 "$here/test_svg.py" "$out/$kind.svg" "$out/$kind" > "$out/$kind.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    status=1
    cat "$out/$kind.log"
  fi
  tail -n 1 "$out/$kind.log"
done
echo "browser suites: $passed passed, $failed failed"
exit $status
