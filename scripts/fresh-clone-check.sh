#!/bin/sh
# The README's two commands on a bare machine: a clean copy of this commit (git archive HEAD) in a bare Debian
# bookworm with only Node and npm (the stand-in base image scripts/container-check.sh builds: no tshark, sngrep,
# redis-server, git or compilers), as root. Runs `npm ci && npm start` (the terminal demo: one check, then quit)
# and `npm ci && npm test` (which must install the Debian tools it needs by itself).
#   sh scripts/fresh-clone-check.sh [jest arguments]     e.g. test/pcap test/redis, to run part of the suite
# Needs root, podman and buildah, and the base image (run npm run container:check once first). About 6 minutes.
set -eu
cd "$(dirname "$0")/.."
BASE=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u)
BASE_REF="docker.io/library/$BASE"
say() { printf 'fresh-clone-check: %s\n' "$*"; }
podman --cgroup-manager=cgroupfs image exists "$BASE_REF" || { say "no $BASE_REF: run npm run container:check first"; exit 1; }

c=$(buildah from --pull-never "$BASE_REF")
trap 'buildah rm "$c" >/dev/null 2>&1 || true' EXIT
git archive --format=tar --prefix=sip-check/ HEAD | buildah run --isolation chroot "$c" -- tar -x -C /root
run() { buildah run --isolation chroot --workingdir /root/sip-check "$c" -- sh -c "$1"; }
for tool in tshark sngrep redis-server git; do
  if run "command -v $tool" >/dev/null 2>&1; then say "$tool is already in the base image: not a bare machine"; exit 1; fi
done
say "npm ci && npm start (the demo: one check, then quit)"
run 'npm ci --no-audit --no-fund >/dev/null && printf "/sip-check fw-demo seconds=2\nquit\n" | npm start' >/tmp/fresh-clone-start.log 2>&1 \
  || { cat /tmp/fresh-clone-start.log; exit 1; }
grep -q 'fw-demo: sip-alg' /tmp/fresh-clone-start.log || { cat /tmp/fresh-clone-start.log; say "the demo check gave no verdict"; exit 1; }
say "npm ci && npm test $*"
run "npm ci --no-audit --no-fund >/dev/null && npm test -- $*"
say "passed"
