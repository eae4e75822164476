#!/bin/sh
# Part of scripts/container-check.sh, run by it in a private mount namespace (unshare --mount): mounts the image as
# compose.yaml runs it (read-only root, tmpfs /tmp, a var volume, /config read-only) and runs the checks.
#   container-check-inner.sh IMAGE_MOUNT IMAGE WORKDIR
set -eu
MNT=$1
IMAGE=$2
WORK=$3
REPO=$(cd "$(dirname "$0")/.." && pwd)
PODMAN="podman --cgroup-manager=cgroupfs"
say() { printf 'container-check: %s\n' "$*"; }
fail() { printf 'container-check: FAILED: %s\n' "$*" >&2; exit 1; }
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# Seconds to wait for a condition (a shell command), polled every 0.2 s.
wait_for() { n=$(($1 * 5)); shift; while ! eval "$1"; do n=$((n - 1)); [ "$n" -gt 0 ] || return 1; sleep 0.2; done; }

# --- the image's own settings: user, working directory, command, environment --------------------------------------
USER_NAME=$($PODMAN image inspect --format '{{.Config.User}}' "$IMAGE")
APP_DIR=$($PODMAN image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")
CMD=$($PODMAN image inspect --format '{{range .Config.Cmd}}{{.}} {{end}}' "$IMAGE")
$PODMAN image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | grep . >"$WORK/image.env"
RUN_UID=$(awk -F: -v u="$USER_NAME" '$1 == u { print $3 }' "$MNT/etc/passwd")
RUN_GID=$(awk -F: -v u="$USER_NAME" '$1 == u { print $4 }' "$MNT/etc/passwd")
[ -n "$RUN_UID" ] || fail "the image's user $USER_NAME is not in its /etc/passwd"
[ "$RUN_UID" -ne 0 ] || fail "the image runs as root"
say "image: user $USER_NAME ($RUN_UID:$RUN_GID), $APP_DIR, command: $CMD"

# --- compose.yaml's settings: read_only, tmpfs /tmp, the var volume, /config read-only ----------------------------
ROOT=$WORK/root
VAR=$WORK/var
CONFIG=$WORK/config
rm -rf "$VAR" "$CONFIG"
mkdir -p "$ROOT" "$VAR" "$CONFIG"
chown "$RUN_UID:$RUN_GID" "$VAR"
mount --bind "$MNT" "$ROOT"
mount -o remount,bind,ro "$ROOT"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$ROOT/tmp"
mount --bind "$VAR" "$ROOT$APP_DIR/var"
[ -d "$ROOT/config" ] || fail "the image has no /config mount point"
mount --bind "$CONFIG" "$ROOT/config"
mount -o remount,bind,ro "$ROOT/config"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"

# --- a simulated FortiGate and a Redis on loopback, outside the container -----------------------------------------
PASSWORD=$(node -e 'console.log(require("crypto").randomBytes(12).toString("base64url"))')
SIM_PASSWORD=$PASSWORD node -r ts-node/register/transpile-only "$REPO/scripts/container-check-simulator.ts" >"$WORK/sim.out" 2>&1 &
SIM_PID=$!
REDIS_PID=""
cleanup() {
  kill "$SIM_PID" 2>/dev/null || true
  [ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT
wait_for 60 'head -1 "$WORK/sim.out" | grep -q fingerprint' || { cat "$WORK/sim.out" >&2; fail "the simulator did not start"; }
SIM_PORT=$(head -1 "$WORK/sim.out" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).port)')
SIM_FP=$(head -1 "$WORK/sim.out" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).fingerprint)')
REDIS_URL=""
if command -v redis-server >/dev/null 2>&1; then
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.out" 2>&1 &
  REDIS_PID=$!
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT
  say "Redis on $REDIS_URL (compose.yaml runs one beside the replicas)"
else
  say "no redis-server here: the bot keeps its locks and crash journal in var/ (compose.yaml uses Redis)"
fi
cat >"$CONFIG/inventory.yml" <<EOF
firewalls:
  - name: fw-sim
    host: 127.0.0.1
    port: $SIM_PORT
    username: sip-check
    password_env: FW_SIM_PASSWORD
    host_key: $SIM_FP
    allow:
      users: [U0CONTAINER]
EOF

# The image's command, as the image's user, in the image's working directory, with the image's environment plus
# compose.yaml's (and the test's) variables. Writes the process id to /tmp/sip-check.pid (then execs: same id).
# Host ports: the container shares the host's network here, so free ones replace 3000/9090.
METRICS_PORT=$(free_port)
run() {
  # shellcheck disable=SC2046
  chroot --userspec="$RUN_UID:$RUN_GID" "$ROOT" /usr/bin/env -i $(cat "$WORK/image.env") HOME=/home/node \
    SIP_CHECK_INVENTORY=/config/inventory.yml SIP_CHECK_METRICS_PORT="$METRICS_PORT" SIP_CHECK_LOCK_LEASE_MS=30000 \
    ${REDIS_URL:+SIP_CHECK_REDIS_URL=$REDIS_URL} FW_SIM_PASSWORD="$PASSWORD" "$@"
}
in_app() { printf 'cd %s && echo $$ > /tmp/sip-check.pid && exec %s' "$APP_DIR" "$*"; }
pid_of_bot() { cat "$ROOT/tmp/sip-check.pid" 2>/dev/null; }
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }

# 1. No Slack tokens, no terminal: a clear start-up error and a non-zero exit (not the demo on a closed stdin).
set +e
run sh -c "$(in_app "$CMD")" </dev/null >"$WORK/1.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || { cat "$WORK/1.out" >&2; fail "1. without Slack tokens and a terminal the container exited 0"; }
grep -q 'SLACK_BOT_TOKEN' "$WORK/1.out" || { cat "$WORK/1.out" >&2; fail "1. the start-up error does not name the Slack tokens"; }
say "1. no tokens, no terminal: exit $rc, \"$(head -1 "$WORK/1.out" | cut -c1-110)...\""

# 2. HTTP mode: /healthz on PORT, not root, SIGTERM → exit 0.
HTTP_PORT=$(free_port)
rm -f "$ROOT/tmp/sip-check.pid"
run SLACK_BOT_TOKEN=xoxb-0-container-check SLACK_SIGNING_SECRET=0123456789abcdef0123456789abcdef PORT="$HTTP_PORT" \
  sh -c "$(in_app "$CMD")" </dev/null >"$WORK/2.out" 2>&1 &
BOT=$!
healthz() {
  node -e 'fetch(process.argv[1]).then(async (r) => { require("fs").writeFileSync(process.argv[2], await r.text()); process.exit(r.status === 200 ? 0 : 1); }, () => process.exit(1))' \
    "http://127.0.0.1:$HTTP_PORT/healthz" "$WORK/2.healthz" 2>/dev/null
}
wait_for 90 healthz || { cat "$WORK/2.out" >&2; fail "2. /healthz did not answer 200 on port $HTTP_PORT"; }
PID=$(pid_of_bot)
[ "$(uid_of "$PID")" = "$RUN_UID" ] || fail "2. the bot runs as uid $(uid_of "$PID"), not $RUN_UID"
kill -TERM "$PID"
set +e
wait "$BOT"
rc=$?
set -e
[ "$rc" -eq 0 ] || { cat "$WORK/2.out" >&2; fail "2. SIGTERM: exit $rc"; }
say "2. HTTP mode: /healthz 200 $(cat "$WORK/2.healthz"), uid $RUN_UID, SIGTERM exit 0"

# 3. A check from the container's terminal (docker run -it), SIGTERM while it captures: debug reset on the firewall.
rm -f "$WORK/console.in"
mkfifo "$WORK/console.in"
rm -f "$ROOT/tmp/sip-check.pid"
{
  echo '#!/bin/sh'
  printf 'exec chroot --userspec=%s:%s %s /usr/bin/env -i %s HOME=/home/node TERM=dumb SIP_CHECK_INVENTORY=/config/inventory.yml ' \
    "$RUN_UID" "$RUN_GID" "$ROOT" "$(tr '\n' ' ' <"$WORK/image.env")"
  printf 'SIP_CHECK_METRICS_PORT=%s SIP_CHECK_CONSOLE_USER=U0CONTAINER %s FW_SIM_PASSWORD=%s sh -c %s\n' \
    "$METRICS_PORT" "${REDIS_URL:+SIP_CHECK_REDIS_URL=$REDIS_URL}" "$PASSWORD" "'$(in_app "$CMD")'"
} >"$WORK/console.sh"
script -qfec "sh $WORK/console.sh" /dev/null <"$WORK/console.in" >"$WORK/3.out" 2>&1 &
CONSOLE=$!
exec 4>"$WORK/console.in"
wait_for 60 '[ -s "$ROOT/tmp/sip-check.pid" ] && grep -q "sip-check terminal" "$WORK/3.out"' || { cat "$WORK/3.out" >&2; fail "3. no terminal prompt"; }
echo '/sip-check fw-sim seconds=120' >&4
wait_for 60 'grep -q "debug enabled=true levels={\"sip\"" "$WORK/sim.out"' || { cat "$WORK/3.out" "$WORK/sim.out" >&2; fail "3. the check never enabled debug"; }
PID=$(pid_of_bot)
[ "$(uid_of "$PID")" = "$RUN_UID" ] || fail "3. the bot runs as uid $(uid_of "$PID"), not $RUN_UID"
kill -TERM "$PID"
wait_for 60 '! kill -0 "$PID" 2>/dev/null' || fail "3. the bot did not exit within 60 s of SIGTERM"
exec 4>&-
wait "$CONSOLE" || true
kill -TERM "$SIM_PID"
wait "$SIM_PID" || true
FINAL=$(sed -n 's/^final //p' "$WORK/sim.out")
echo "$FINAL" | grep -q '"clean":true' || { cat "$WORK/3.out" "$WORK/sim.out" >&2; fail "3. debug left set on the firewall: $FINAL"; }
echo "$FINAL" | grep -q '"resetAfterLastEnable":true' || fail "3. no diagnose debug reset after the last enable: $FINAL"
echo "$FINAL" | grep -q '"configWrites":0' || fail "3. config written on the firewall: $FINAL"
say "3. check from the terminal, SIGTERM during the capture: debug reset on the firewall ($FINAL)"

# 4. A sweep inside the container (docker compose run --rm sip-check node bin/sip-check.js sweep).
SIM_PASSWORD=$PASSWORD node -r ts-node/register/transpile-only "$REPO/scripts/container-check-simulator.ts" >"$WORK/sim.out" 2>&1 &
SIM_PID=$!
wait_for 60 'head -1 "$WORK/sim.out" | grep -q fingerprint' || fail "the simulator did not restart"
SIM_PORT=$(head -1 "$WORK/sim.out" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).port)')
sed -i "s/^    port: .*/    port: $SIM_PORT/" "$CONFIG/inventory.yml"
set +e
run sh -c "cd $APP_DIR && exec node bin/sip-check.js sweep" </dev/null >"$WORK/4.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] && grep -q 'fw-sim' "$WORK/4.out" || { cat "$WORK/4.out" >&2; fail "4. sweep in the container: exit $rc"; }
say "4. sweep in the container: exit 0, $(grep -c . "$WORK/4.out") lines"

# 5. Writes: the root is read-only, so a write elsewhere fails; none did. What was written:
if grep -il 'EROFS\|read-only file system' "$WORK"/[1-4].out "$VAR"/* 2>/dev/null; then fail "5. a write outside var/ and /tmp was refused"; fi
say "5. read-only root; written: $(cd "$VAR" && find . -type f | sed 's|^\./|var/|' | sort | tr '\n' ' ')$(cd "$ROOT/tmp" && find . -type f | sed 's|^\./|/tmp/|' | sort | tr '\n' ' ')"
