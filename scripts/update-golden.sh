#!/usr/bin/env bash
# Regenerates the expected outputs of the end-to-end cases in fixtures/e2e/ with the tests'
# record mode. Review `git diff fixtures/e2e` before committing: the goldens are the spec.
set -euo pipefail
cd "$(dirname "$0")/.."
ATTIO_PIPE_RECORD_GOLDENS=1 swift test --filter GoldenFixture
