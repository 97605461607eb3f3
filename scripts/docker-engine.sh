#!/usr/bin/env bash
# Starts (`up`) or stops (`down`) a local Docker engine for localfc's container backend, its tests and CI.
#
# up:   installs docker.io + busybox-static when dockerd is missing; if no engine answers on the socket, starts
#       dockerd in the background (state under $LOCALFC_DOCKER_ROOT, default /tmp/localfc-docker) and waits for
#       /_ping, falling back from overlay2 to vfs. An engine that already answers is used as is, never restarted.
# down: removes containers labelled localfc=1, then stops the dockerd that `up` started (by its recorded pid only).
# Env: DOCKER_HOST=unix:///path (socket), LOCALFC_DOCKER_DRIVER (first storage driver, default overlay2),
#      LOCALFC_DOCKERD_ARGS (extra dockerd flags, e.g. "--bridge=none"), VERBOSE=1.
set -euo pipefail

ROOT="${LOCALFC_DOCKER_ROOT:-/tmp/localfc-docker}"
STATE="$ROOT/state"
SOCK="/var/run/docker.sock"
if [[ "${DOCKER_HOST:-}" == unix://* ]]; then SOCK="${DOCKER_HOST#unix://}"; fi

log() { if [[ "${VERBOSE:-0}" == 1 ]]; then echo "docker-engine: $*" >&2; fi; }
die() { echo "docker-engine: $*" >&2; exit 1; }

# GET path on the engine socket; prints the body, fails when nothing answers. curl when present, else node.
engine_get() {
  local path="$1"
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time 5 --unix-socket "$SOCK" "http://docker$path"
  elif command -v node >/dev/null 2>&1; then
    SOCK="$SOCK" P="$path" node -e '
      const req = require("http").request({ socketPath: process.env.SOCK, path: process.env.P, timeout: 5000 }, (res) => {
        let b = ""; res.on("data", (c) => (b += c));
        res.on("end", () => { process.stdout.write(b); process.exit(res.statusCode < 300 ? 0 : 1); });
      });
      req.on("error", () => process.exit(1)); req.on("timeout", () => process.exit(1)); req.end();'
  else
    die "need curl or node to talk to the engine"
  fi
}

engine_request() { # method path: a non-GET call with an empty body (used by down)
  local method="$1" path="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time 30 -X "$method" --unix-socket "$SOCK" "http://docker$path" >/dev/null
  else
    SOCK="$SOCK" P="$path" M="$method" node -e '
      const req = require("http").request({ socketPath: process.env.SOCK, path: process.env.P, method: process.env.M }, (res) => {
        res.resume(); res.on("end", () => process.exit(res.statusCode < 300 ? 0 : 1)); });
      req.on("error", () => process.exit(1)); req.end();'
  fi
}

engine_up() { [[ "$(engine_get /_ping 2>/dev/null || true)" == "OK" ]]; }

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# Launches dockerd with one storage driver and waits up to ~15 s for it to answer; returns 1 if it died or hung.
start_dockerd() {
  local driver="$1" pid i
  # vfs gets its own data root so falling back never touches (or needs to delete) an overlay2 one.
  local data="$ROOT/data"
  [[ "$driver" == overlay2 ]] || data="$ROOT/data-$driver"
  mkdir -p "$data" "$ROOT/exec"
  # setsid: the daemon must outlive this script and the shell that ran it.
  # shellcheck disable=SC2086 # LOCALFC_DOCKERD_ARGS is a list of flags
  setsid dockerd --data-root "$data" --exec-root "$ROOT/exec" --pidfile "$ROOT/dockerd.pid" \
    -H "unix://$SOCK" --storage-driver="$driver" ${LOCALFC_DOCKERD_ARGS:-} >"$ROOT/dockerd.log" 2>&1 </dev/null &
  pid=$!
  for i in $(seq 1 150); do
    if engine_up; then
      printf 'pid=%s\ndriver=%s\nsock=%s\n' "$pid" "$driver" "$SOCK" >"$STATE"
      log "dockerd pid $pid answering on $SOCK ($driver)"
      return 0
    fi
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  cp "$ROOT/dockerd.log" "$ROOT/dockerd-$driver-failed.log" 2>/dev/null || true
  # dockerd bind-mounts its data root onto itself and leaves that mount behind when it fails to start.
  if mountpoint -q "$data"; then umount "$data" 2>/dev/null || true; fi
  return 1
}

cmd_up() {
  if ! command -v dockerd >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "dockerd is missing and apt-get is not available to install it"
    log "installing docker.io busybox-static"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        docker.io busybox-static; } >/tmp/localfc-docker-apt.log 2>&1 ||
      die "apt-get install docker.io busybox-static failed (see /tmp/localfc-docker-apt.log)"
  fi
  if engine_up; then log "an engine already answers on $SOCK"; return 0; fi
  mkdir -p "$ROOT"
  local old=""
  [[ -f "$STATE" ]] && old=$(sed -n 's/^pid=//p' "$STATE")
  if pid_alive "$old" && [[ "$(cat "/proc/$old/comm" 2>/dev/null)" == dockerd ]]; then
    die "dockerd pid $old (started by this script) runs but does not answer on $SOCK; see $ROOT/dockerd.log, or run: $0 down"
  fi
  # A stale state file (daemon gone) must not make `down` kill an unrelated pid later.
  rm -f "$STATE" "$ROOT/dockerd.pid"
  if [[ -S "$SOCK" ]]; then rm -f "$SOCK"; fi # a socket left by a dead daemon makes dockerd refuse to start
  local first="${LOCALFC_DOCKER_DRIVER:-overlay2}"
  start_dockerd "$first" && return 0
  [[ "$first" == vfs ]] && die "dockerd did not start with vfs; log: $ROOT/dockerd-vfs-failed.log"
  log "$first failed, trying vfs"
  start_dockerd vfs && return 0
  die "dockerd did not start with $first or vfs; logs: $ROOT/dockerd-$first-failed.log $ROOT/dockerd-vfs-failed.log"
}

cmd_down() {
  if engine_up; then
    local ids id
    ids=$(engine_get '/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22localfc%3D1%22%5D%7D' |
      grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 || true)
    for id in $ids; do
      engine_request DELETE "/v1.41/containers/$id?force=1&v=1" || echo "docker-engine: could not remove container $id" >&2
    done
  fi
  [[ -f "$STATE" ]] || { log "no dockerd started by this script"; return 0; }
  local pid i
  pid=$(sed -n 's/^pid=//p' "$STATE")
  if pid_alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]; then
    kill -TERM "$pid"
    for i in $(seq 1 150); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && die "dockerd (pid $pid) did not stop within 15 s"
    log "stopped dockerd pid $pid"
  fi
  # dockerd leaves its netns mount behind; unmount it so $ROOT can be deleted.
  awk -v r="$ROOT/exec/" 'index($2, r) == 1 { print $2 }' /proc/mounts | xargs -r -n1 umount 2>/dev/null || true
  rm -f "$STATE"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) if engine_up; then echo "engine answering on $SOCK"; cat "$STATE" 2>/dev/null || true; else echo "no engine on $SOCK"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status   (VERBOSE=1 for progress, LOCALFC_DOCKER_ROOT=dir for state)" >&2; exit 2 ;;
esac
