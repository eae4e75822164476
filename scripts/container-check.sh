#!/bin/sh
# npm run container:check: build the real Dockerfile and run the image's command, as the image's user, with
# compose.yaml's settings, then check what a deployment relies on:
#   1. without Slack tokens and without a terminal the container refuses to start (non-zero exit, clear message);
#   2. HTTP mode: /healthz answers 200 on PORT, the process is not root, SIGTERM stops it with status 0;
#   3. a check from the container's terminal (TTY) against a simulated FortiGate on loopback, stopped by SIGTERM
#      while it captures: debug is reset on the firewall before the process exits;
#   4. `sip-check sweep` inside the container reads the same firewall (exit 0);
#   5. through all of it the image's filesystem is read-only (compose: read_only) and only /app/var (a volume)
#      and /tmp (a tmpfs) are writable; nothing reports a read-only-filesystem error, and the files written are listed.
#
# Why not `podman run`: on the CI machine podman cannot set rlimits (setrlimit refused) and no image registry is
# reachable. So: the Dockerfile's base image is stood in for locally (mmdebstrap of Debian bookworm, the base of
# node:*-bookworm-slim, plus the same Node major from the npm registry's `node` package and npm, and the `node`
# user, uid 1000), `podman build --isolation chroot` builds the real Dockerfile, and the image is run by a
# chroot of its read-only mount, in a private mount namespace holding the tmpfs and volumes compose gives it.
# Same network namespace as the host: the simulator and /healthz are on loopback.
#
# Needs root on Debian or Ubuntu (apt-get installs podman, buildah, mmdebstrap, uidmap when missing), the npm
# registry and a Debian mirror (MIRROR, default http://deb.debian.org/debian). About 5 minutes the first time; the
# stand-in base image is kept and reused (SIP_CHECK_REBUILD_BASE=1 rebuilds it).
set -eu
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=${SIP_CHECK_CONTAINER_WORK:-/tmp/sip-check-container-check}
IMAGE=localhost/sip-check:container-check
MIRROR=${MIRROR:-http://deb.debian.org/debian}

say() { printf 'container-check: %s\n' "$*"; }
fail() { printf 'container-check: FAILED: %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" = "--inner" ]; then
  shift
  exec sh "$REPO/scripts/container-check-inner.sh" "$@"
fi

[ "$(id -u)" -eq 0 ] || fail "needs root (podman build --isolation chroot, mounts, chroot)"
need=""
for tool in podman buildah mmdebstrap; do command -v "$tool" >/dev/null 2>&1 || need="$need $tool"; done
command -v newuidmap >/dev/null 2>&1 || need="$need uidmap"
if [ -n "$need" ]; then
  say "installing$need"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
PODMAN="podman --cgroup-manager=cgroupfs"

# --- the stand-in for the Dockerfile's base image -------------------------------------------------------------
BASE=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u)
[ "$(printf '%s\n' "$BASE" | wc -l)" -eq 1 ] || fail "the Dockerfile's stages use different base images: $BASE"
case "$BASE" in
  node:*-bookworm-slim) ;;
  *) fail "the stand-in knows node:<major>-bookworm-slim only, the Dockerfile has $BASE" ;;
esac
NODE_MAJOR=$(printf '%s' "$BASE" | sed 's/^node:\([0-9]*\)-.*/\1/')
BASE_REF="docker.io/library/$BASE"
mkdir -p "$WORK"
if [ "${SIP_CHECK_REBUILD_BASE:-}" = "1" ] || ! $PODMAN image exists "$BASE_REF"; then
  say "building a stand-in for $BASE: Debian bookworm (mmdebstrap, $MIRROR) + Node $NODE_MAJOR from the npm registry"
  rm -rf "$WORK/rootfs" "$WORK/node"
  mmdebstrap --quiet --variant=minbase --mode=root bookworm "$WORK/rootfs" "$MIRROR"
  npm install --silent --no-audit --no-fund --prefix "$WORK/node" "node@$NODE_MAJOR" >/dev/null 2>&1 || true
  NODE_BIN="$WORK/node/node_modules/node/bin/node"
  [ -x "$NODE_BIN" ] || fail "npm install node@$NODE_MAJOR gave no binary at $NODE_BIN"
  install -m 0755 "$NODE_BIN" "$WORK/rootfs/usr/local/bin/node"
  # npm as the official image ships it: /usr/local/lib/node_modules/npm, linked from /usr/local/bin.
  npm install --silent --no-audit --no-fund --global --prefix "$WORK/rootfs/usr/local" npm@11 >/dev/null
  chroot "$WORK/rootfs" /usr/local/bin/node --version >/dev/null || fail "Node $NODE_MAJOR does not run on bookworm"
  chroot "$WORK/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  # A network that intercepts TLS (this machine's npm trusts an extra CA through NODE_EXTRA_CA_CERTS): the build's
  # `npm ci` needs the same trust. The real node image does not carry this; only the stand-in does.
  extra_ca="ENV NODE_VERSION=$NODE_MAJOR"
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    install -m 0644 "$NODE_EXTRA_CA_CERTS" "$WORK/rootfs/usr/local/share/host-extra-ca.crt"
    extra_ca="ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-extra-ca.crt"
  fi
  tar -C "$WORK/rootfs" -c . | $PODMAN import --quiet --change 'CMD ["node"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change "$extra_ca" - "$BASE_REF" >/dev/null
  rm -rf "$WORK/rootfs"
fi
say "base image $BASE_REF ready (stand-in built here)"

# --- the real Dockerfile ------------------------------------------------------------------------------------------
say "podman build of the Dockerfile (isolation chroot)"
$PODMAN build --quiet --isolation chroot --pull=never -t "$IMAGE" -f Dockerfile . >"$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log" >&2; fail "podman build"; }

# --- run it -------------------------------------------------------------------------------------------------------
MNT=$($PODMAN image mount "$IMAGE")
status=0
unshare --mount --propagation private sh "$0" --inner "$MNT" "$IMAGE" "$WORK" || status=$?
$PODMAN image unmount "$IMAGE" >/dev/null || true
[ "$status" -eq 0 ] || fail "see above"
say "passed"
