#!/bin/bash
# Sandbox entrypoint (PID 1 is tini): starts the nested dockerd, marks the sandbox ready once the
# engine answers, then lives exactly as long as dockerd does.
#   DOCKHAND_REGISTRY_MIRROR  e.g. http://172.17.0.2:5000 (nested engine pulls Docker Hub names from it)
#   DOCKHAND_READY_TIMEOUT    seconds to wait for the engine (default 30)
#   DOCKHAND_STORAGE_DRIVER   force overlay2 or vfs (default: overlay2 if it mounts here, else vfs)
#   DOCKHAND_DISK_BINDS       folders moved onto /var/lib/docker (the capped disk, or the engine volume), where
#                             the check inspector reads them
#   DOCKHAND_EGRESS_BLOCKED   1: the host drops what leaves this sandbox's network; refuse it here at once instead
#   DOCKHAND_PACKAGE_SOURCE   the package source's IPv4 address on this sandbox's network (beside the mirror): nested
#                             containers resolve packages.dockhand.internal to it through the resolver started here
set -u

READY_FILE=/run/dockhand/ready
LOG=/var/log/dockerd.log
TIMEOUT=${DOCKHAND_READY_TIMEOUT:-30}
mkdir -p /run/dockhand /var/lib/docker
rm -f "$READY_FILE"

log() { echo "dockhand-entrypoint: $*" >&2; }

# Waits without a process: `read -t` on a fifo nobody writes to. The polls below ran `sleep` ten times a second
# while the engine booted; thirty sandboxes starting at once on a loaded host spent CPU their starts needed on it.
mkfifo /run/dockhand/nap 2>/dev/null
if exec 9<>/run/dockhand/nap; then nap() { read -r -t "$1" -u 9 _ || :; }; else nap() { sleep "$1"; }; fi

# The learner's folders live on /var/lib/docker (seeded from the image the first time): with SANDBOX_DISK_MB it
# is the sandbox's capped disk and the root filesystem is read-only; either way the check inspector mounts it
# read-only and finds them there.
for p in ${DOCKHAND_DISK_BINDS:-}; do
  d=/var/lib/docker/.dockhand$p
  if [ ! -d "$d" ]; then
    mkdir -p "$d" && cp -a "$p/." "$d/" 2>/dev/null
    chmod --reference="$p" "$d"
  fi
  mount --bind "$d" "$p" || { log "could not bind $d onto $p"; exit 1; }
done

# A delegated cgroup v1 tree (userns profile) binds only the hierarchies; co-mounted ones such as
# cpu,cpuacct also need their short names, as on a host.
if [ -d /sys/fs/cgroup ] && [ -w /sys/fs/cgroup ]; then
  for d in /sys/fs/cgroup/*,*; do
    [ -d "$d" ] || continue
    n=${d##*/}
    for part in ${n//,/ }; do [ -e "/sys/fs/cgroup/$part" ] || ln -s "$n" "/sys/fs/cgroup/$part" 2>/dev/null; done
  done
fi

# overlay2 needs an overlay-capable /var/lib/docker (a volume, not the container's own overlay)
overlay_works() {
  local d
  d=$(mktemp -d /var/lib/docker/.overlay-probe.XXXXXX) || return 1
  mkdir -p "$d/l" "$d/u" "$d/w" "$d/m"
  if mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null; then
    umount "$d/m"
    rm -rf "$d"
    return 0
  fi
  rm -rf "$d"
  return 1
}

# One attempt per layer: pulls come from the mirror on this host, where a failed layer is not a blip, and dockerd's
# default (5 attempts, waiting 5, 10, 15, 20 s between) kept the learner waiting ~50 s for the same error.
args=(--host=unix:///var/run/docker.sock --data-root=/var/lib/docker --max-download-attempts=1)
# The check inspector's socket: a folder the bot gives to the host's root once the engine is ready, so the
# learner can neither replace nor redirect it (src/sandbox/checks/engine-socket.ts).
# Already locked (the same container started again): dockerd could not replace the old socket and would not start.
if mountpoint -q /dockhand-engine 2>/dev/null; then
  if [ -w /dockhand-engine ]; then args+=(--host=unix:///dockhand-engine/docker.sock); else log "engine socket folder already locked: checks cannot reach this engine until the sandbox is made again"; fi
fi
if [ -n "${DOCKHAND_REGISTRY_MIRROR:-}" ]; then
  args+=(--registry-mirror="$DOCKHAND_REGISTRY_MIRROR")
  case "$DOCKHAND_REGISTRY_MIRROR" in
    http://*)
      hostport=${DOCKHAND_REGISTRY_MIRROR#http://}
      hostport=${hostport%%/*}
      args+=(--insecure-registry="$hostport")
      ;;
  esac
fi

# Nested containers (and build steps) resolve through this sandbox: the default bridge's address is fixed and is
# their nameserver, where a dnsmasq started once the engine is up answers the package source's name (the stand-in
# images' apt sources and pip.conf use it). Other names go where Docker's own fallback sent them, 8.8.8.8 and
# 8.8.4.4, or are refused at once with egress blocked. The name is local: AAAA gets an empty answer, never REFUSED
# (glibc gave up on the name then).
NESTED_BRIDGE_IP=172.17.0.1
PACKAGES_HOST=packages.dockhand.internal
if [ -n "${DOCKHAND_PACKAGE_SOURCE:-}" ]; then
  args+=(--bip="$NESTED_BRIDGE_IP/16" --dns="$NESTED_BRIDGE_IP")
fi
start_resolver() {
  local up=(--server=8.8.8.8 --server=8.8.4.4) i
  # the engine answers before its bridge has its address; bind-dynamic also picks it up if it comes later
  for i in $(seq 50); do ip -4 addr show docker0 2>/dev/null | grep -q "inet $NESTED_BRIDGE_IP/" && break; nap 0.1; done
  [ "${DOCKHAND_EGRESS_BLOCKED:-}" = 1 ] && up=()
  # in the foreground, as this script's child: a daemon's own session would be ended by the sweep after each command
  # (src/sandbox/shell/command-sweep.ts keeps the entrypoint's session)
  dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-dynamic --listen-address="$NESTED_BRIDGE_IP" \
    --host-record="$PACKAGES_HOST,$DOCKHAND_PACKAGE_SOURCE" --local="/$PACKAGES_HOST/" --user=root --pid-file=/run/dockhand/dnsmasq.pid "${up[@]}" &
  sleep 0.2
  kill -0 $! 2>/dev/null
}

driver=${DOCKHAND_STORAGE_DRIVER:-}
if [ -z "$driver" ]; then
  if overlay_works; then driver=overlay2; else driver=vfs; fi
fi

dockerd_pid=
start_dockerd() {
  log "starting dockerd (storage driver $1)"
  dockerd "${args[@]}" --storage-driver="$1" >>"$LOG" 2>&1 &
  dockerd_pid=$!
}

stop() {
  log "stopping"
  [ -n "$dockerd_pid" ] && kill -TERM "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid"
  exit 0
}
trap stop TERM INT

# returns 0 when the engine answers, 1 when dockerd died, 2 on timeout
wait_ready() {
  local deadline=$((SECONDS + TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then return 1; fi
    # curl's _ping, not `docker version`: the CLI cost ~0.1 CPU-s per start in polls alone (30 sandboxes starting
    # at once on 2 CPUs: 3 CPU-s), and the socket file exists only once dockerd listens
    if [ -S /var/run/docker.sock ] && curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://engine/_ping >/dev/null 2>&1; then return 0; fi
    nap 0.1
  done
  return 2
}

start_dockerd "$driver"
wait_ready
rc=$?
if [ "$rc" -eq 1 ] && [ "$driver" = overlay2 ]; then
  log "dockerd exited with overlay2; retrying with vfs"
  driver=vfs
  start_dockerd vfs
  wait_ready
  rc=$?
fi
if [ "$rc" -ne 0 ]; then
  [ "$rc" -eq 2 ] && log "dockerd did not answer within ${TIMEOUT}s" || log "dockerd exited before it was ready"
  tail -n 30 "$LOG" >&2
  kill -TERM "$dockerd_pid" 2>/dev/null
  exit 1
fi

# The host drops egress silently, so a request out waited for its timeout: nested containers on the default bridge
# resolve through Docker's fallback 8.8.8.8, and an unknown name took 20 s to fail instead of "Could not resolve
# host" at once. Refused here, everything out fails at once. Manners, not security (the learner is root here; the
# host firewall is the boundary). ICMP errors are rate-limited per peer (a burst of 6; one lookup sends up to 8).
# The sandbox's own lookups go to the engine's resolver (127.0.0.11), which never answers for outside names on an
# internal network: the nested engine waited 10 s on Docker Hub's name at every pull, even from the mirror.
# Refused too; the mirror is addressed by IP, and nested containers resolve through the nested engine.
refuse_egress() {
  local net
  net=$(ip -4 route show dev eth0 scope link | awk 'NR == 1 { print $1 }')
  [ -n "$net" ] || return 1
  sysctl -qw net.ipv4.icmp_ratelimit=0 &&
    iptables -w -I DOCKER-USER -o eth0 ! -d "$net" -j REJECT &&
    iptables -w -I OUTPUT -o eth0 ! -d "$net" -j REJECT &&
    iptables -w -I OUTPUT -d 127.0.0.11 -j REJECT
}
if [ "${DOCKHAND_EGRESS_BLOCKED:-}" = 1 ]; then
  refuse_egress || log "could not refuse egress here: requests out wait for their timeout"
fi

# Checks reach this sandbox over their own link (src/sandbox/checks/inspector-spec.ts, linkScript), and what
# arrives there for the sandbox's end is taken as its own loopback: a port published on 127.0.0.1 only then
# answers a check's `curl localhost:PORT` as it answers the learner. The kernel accepts 127.0.0.1 from an
# interface other than lo only with route_localnet; its only peers are the mirror and this sandbox's checks.
sysctl -qw net.ipv4.conf.all.route_localnet=1 || log "could not set route_localnet: checks cannot reach ports published on 127.0.0.1 only"

# A mirror gone (stopped, being replaced) left the nested engine retransmitting SYNs to its address until dockerd's
# 15 s registry ping gave up; one retry fails the connect in ~3 s. Nested containers have their own namespaces.
sysctl -qw net.ipv4.tcp_syn_retries=1 || log "could not lower tcp_syn_retries: a pull with the mirror down waits 15 s"

if [ -n "${DOCKHAND_PACKAGE_SOURCE:-}" ]; then
  start_resolver || log "could not start the resolver for nested containers: $PACKAGES_HOST does not resolve in builds"
fi

touch "$READY_FILE"
log "ready (storage driver $driver)"

# `wait` returns early when a trapped signal arrives; the trap then exits.
wait "$dockerd_pid"
rc=$?
log "dockerd exited with status $rc"
tail -n 30 "$LOG" >&2
[ "$rc" -eq 0 ] && rc=1
exit "$rc"
