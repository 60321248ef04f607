#!/usr/bin/env bash
# Renders flame graphs of several kinds with the built tool and drives each in headless Chromium
# (Debian's /usr/bin/chromium through Playwright): hover, zoom, search, reset, URL state.
# Usage: Tests/Browser/run_all.sh PATH/TO/flame-graph [OUT_DIR]
set -euo pipefail
tool="$1"
out="${2:-out/browser}"
here="$(cd "$(dirname "$0")" && pwd)"
peers="${FLAME_GRAPH_PEERS:-$here/../../../shared/testdata/peers}"
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
