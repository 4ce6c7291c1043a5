#!/usr/bin/env bash
# Regenerates the expected outputs of the end-to-end cases in fixtures/e2e/ from the current
# debug build. Review `git diff fixtures/e2e` before committing: the goldens are the spec.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build >/dev/null
binary=.build/debug/attio-pipe
for args_file in fixtures/e2e/*.args; do
  name=${args_file%.args}
  mapfile -t arguments < "$args_file"
  stdin=/dev/null
  [ -f "$name.stdin" ] && stdin="$name.stdin"
  set +e
  "$binary" "${arguments[@]}" < "$stdin" > "$name.stdout" 2> "$name.stderr"
  echo $? > "$name.status"
  set -e
  echo "$name: exit $(cat "$name.status")"
done
