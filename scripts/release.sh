#!/usr/bin/env bash
# Builds the release archive dist/attio-pipe-<version>-linux-<arch>.tar.gz: a stripped binary
# with the Swift runtime and Foundation linked in (it needs only libc, libstdc++ and the usual
# system libraries on the host, and libcurl, loaded at run time, to reach Attio), README.md, CHANGELOG.md, Documentation/, LICENSE
# (if any) and examples/.
#
# Then it proves the binary runs where Swift is not installed: in a private mount namespace
# (unshare -m) with the toolchain directory covered by an empty tmpfs, the binary must print
# its version and turn fixtures/seed-signup.ndjson into the bodies of
# fixtures/e2e/seed-signup.stdout. That check needs root (or CAP_SYS_ADMIN); without it the
# script says so and fails, unless ATTIO_PIPE_SKIP_ISOLATION_CHECK=1.
#
# Usage: scripts/release.sh            build, package, check
#        scripts/release.sh --check-only  check the binary of an earlier build again
#
# The version is the one the binary prints (`Invocation.version`): there is no other copy.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "release.sh: $*" >&2
  exit 1
}

check_only=false
case "${1:-}" in
  "") ;;
  --check-only) check_only=true ;;
  -h | --help)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown argument '$1' (try --help)" ;;
esac

command -v swift >/dev/null || die "the Swift toolchain (swift) is not on PATH"
# Where the toolchain lives: /opt/swift for /opt/swift/usr/bin/swift.
toolchain_bin="$(dirname "$(readlink -f "$(command -v swift)")")"
toolchain="$(dirname "$(dirname "$toolchain_bin")")"

scratch=.build-release
binary="$scratch/release/attio-pipe"

if ! $check_only; then
  echo "release.sh: swift build -c release --static-swift-stdlib (this takes a few minutes)" >&2
  swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product attio-pipe >&2
fi
[ -x "$binary" ] || die "no binary at $binary: run without --check-only first"

version_line="$("$binary" --version)"
version="${version_line#attio-pipe }"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$ ]] \
  || die "unexpected --version output: '$version_line'"
arch="$(uname -m)"
name="attio-pipe-$version-linux-$arch"
stage="dist/$name"
archive="dist/$name.tar.gz"

if ! $check_only; then
  rm -rf "$stage" "$archive"
  mkdir -p "$stage"
  cp "$binary" "$stage/attio-pipe"
  strip "$stage/attio-pipe"
  cp README.md CHANGELOG.md "$stage/"
  cp -R Documentation "$stage/Documentation"
  for license in LICENSE LICENSE.md LICENSE.txt COPYING; do
    [ -f "$license" ] && cp "$license" "$stage/"
  done
  cp -R examples "$stage/examples"
fi
[ -x "$stage/attio-pipe" ] || die "no staged binary at $stage/attio-pipe"

# --- Checks -------------------------------------------------------------------------------

staged="$(readlink -f "$stage/attio-pipe")"

# 1. Nothing is loaded from the toolchain.
if ldd "$staged" | grep -q "$toolchain"; then
  ldd "$staged" >&2
  die "the binary still loads libraries from the toolchain ($toolchain)"
fi
if ldd "$staged" | grep -q "not found"; then
  ldd "$staged" >&2
  die "the binary needs libraries this host does not have"
fi

# 2. It runs with the toolchain hidden.
expected_bodies="$(readlink -f fixtures/e2e/seed-signup.stdout)"
seed="$(readlink -f fixtures/seed-signup.ndjson)"
mock_server="$(readlink -f Tests/MockAttio/mock_attio.py)"
isolation_check() {
  # Runs inside the private mount namespace: the tmpfs hides the toolchain from this shell
  # and its children only.
  mount -t tmpfs -o size=1m,mode=0755 attio-pipe-release-check "$toolchain"
  if [ -n "$(ls -A "$toolchain")" ]; then
    echo "the toolchain directory is still visible" >&2
    return 1
  fi
  if command -v swift >/dev/null 2>&1 && swift --version >/dev/null 2>&1; then
    echo "swift still runs inside the check" >&2
    return 1
  fi
  local printed
  printed="$("$staged" --version)"
  [ "$printed" = "attio-pipe $version" ] || {
    echo "--version printed '$printed', expected 'attio-pipe $version'" >&2
    return 1
  }
  "$staged" --quiet "$seed" | cmp - "$expected_bodies" || {
    echo "the bodies differ from fixtures/e2e/seed-signup.stdout" >&2
    return 1
  }
  # libcurl is loaded at run time by deliver: deliver the seed to the mock Attio (python3 is
  # not part of the toolchain).
  if command -v python3 >/dev/null 2>&1; then
    local port_file results mock status
    port_file="$(mktemp)"
    results="$(mktemp)"
    python3 "$mock_server" --port 0 --token release-check >"$port_file" 2>/dev/null &
    mock=$!
    for _ in $(seq 100); do
      grep -q LISTENING "$port_file" && break
      sleep 0.1
    done
    status=0
    ATTIO_API_KEY=release-check ATTIO_BASE_URL="http://127.0.0.1:$(cut -d' ' -f2 "$port_file")" \
      "$staged" deliver --quiet "$seed" >"$results" || status=$?
    kill "$mock" 2>/dev/null
    wait "$mock" 2>/dev/null || true
    if [ "$status" != 0 ] || [ "$(grep -c '"status":"\(upserted\|unchanged\)"' "$results")" != 2 ]; then
      echo "deliver to the mock Attio failed (exit $status):" >&2
      cat "$results" >&2
      return 1
    fi
    rm -f "$port_file" "$results"
  else
    echo "release.sh: python3 not found: the deliver check against the mock was skipped" >&2
  fi
}

if [ "${ATTIO_PIPE_SKIP_ISOLATION_CHECK:-0}" = 1 ]; then
  echo "release.sh: WARNING: the no-toolchain check was skipped (ATTIO_PIPE_SKIP_ISOLATION_CHECK=1)" >&2
elif ! unshare -m true 2>/dev/null; then
  die "cannot create a private mount namespace (unshare -m needs root or CAP_SYS_ADMIN) \
to run the binary with $toolchain hidden; run as root, or set \
ATTIO_PIPE_SKIP_ISOLATION_CHECK=1 to package without that check"
else
  export staged seed expected_bodies toolchain version mock_server
  export -f isolation_check
  unshare -m --propagation private bash -c isolation_check \
    || die "the binary does not run without the toolchain (see above)"
  echo "release.sh: checked with $toolchain hidden: --version, the seed's bodies, deliver to the mock" >&2
fi

if ! $check_only; then
  tar -C dist -czf "$archive" --owner=0 --group=0 --numeric-owner "$name"
  size="$(du -h "$archive" | cut -f1)"
  binary_size="$(du -h "$stage/attio-pipe" | cut -f1)"
  echo "release.sh: $archive ($size; binary $binary_size stripped)" >&2
  echo "$archive"
fi
