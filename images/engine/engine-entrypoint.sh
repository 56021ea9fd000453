#!/bin/bash
# The engine container's entrypoint: what docker:dind's `dind` script does before dockerd, then the command.
set -eu

# A restarted container keeps /run unless it is a tmpfs: a stale pid file would stop dockerd from starting.
find /run /var/run -maxdepth 2 \( -name 'docker*.pid' -o -name 'containerd*.pid' \) -delete 2>/dev/null || true

# AppArmor and friends read securityfs; shared mount propagation lets the engine's volumes and bind mounts reach
# the containers it starts (the sandboxes' own engines mount below them).
if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security; then
  mount -t securityfs none /sys/kernel/security 2>/dev/null || echo "engine: could not mount securityfs (AppArmor profiles unavailable)" >&2
fi
mount --make-rshared / 2>/dev/null || echo "engine: could not make / rshared" >&2

# cgroup v2: move this shell out of the root cgroup so controllers can be enabled for the engine's containers.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
fi

# A cgroup v1 tree with co-mounted hierarchies (cpu,cpuacct) also needs the short names, as on a host.
if [ -d /sys/fs/cgroup ] && [ -w /sys/fs/cgroup ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  for d in /sys/fs/cgroup/*,*; do
    [ -d "$d" ] || continue
    n=${d##*/}
    for part in ${n//,/ }; do [ -e "/sys/fs/cgroup/$part" ] || ln -s "$n" "/sys/fs/cgroup/$part" 2>/dev/null || true; done
  done
fi

[ "$#" -gt 0 ] || set -- dockerd --host=unix:///var/run/docker.sock
exec "$@"
