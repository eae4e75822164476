#!/bin/sh
# The Debian tools the test suite runs for real, installed when missing. Shared by `npm test` (pretest) and .ci/run.
# - tshark and sngrep: the capture-file tests read our pcapng back with them (test/pcap/);
# - redis-server: the replica tests start their own on a free loopback port (test/redis/, test/ops/);
#   SIP_CHECK_TEST_REDIS_SERVER names another binary instead.
# apt-get needs root, or sudo without a password prompt. Without either, it says what to install and exits 1,
# before jest starts, rather than letting those tests fail one by one.
# SIP_CHECK_SKIP_TOOL_CHECK=1 skips this (e.g. to run one test file that needs none of them).
set -u

[ "${SIP_CHECK_SKIP_TOOL_CHECK:-}" = "1" ] && exit 0

missing=""
command -v tshark >/dev/null 2>&1 || missing="$missing tshark"
command -v sngrep >/dev/null 2>&1 || missing="$missing sngrep"
command -v "${SIP_CHECK_TEST_REDIS_SERVER:-redis-server}" >/dev/null 2>&1 || missing="$missing redis-server"
[ -z "$missing" ] && exit 0

say() { printf 'install-test-tools: %s\n' "$*" >&2; }

if ! command -v apt-get >/dev/null 2>&1; then
  say "missing:$missing, and this machine has no apt-get."
  say "Install them with your package manager (Debian/Ubuntu names: tshark sngrep redis-server), then run the tests again."
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  say "missing:$missing. Installing needs root or password-less sudo; run:"
  say "  sudo apt-get install -y --no-install-recommends$missing"
  say "then run the tests again."
  exit 1
fi

say "installing$missing with apt-get (once; about a minute)"
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq || exit 1
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
