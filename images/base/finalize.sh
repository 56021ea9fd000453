#!/bin/sh
# Turns a fresh `debootstrap --variant=minbase bookworm ROOTFS` into what Docker Hub's
# debian:bookworm-slim looks like: apt sources for bookworm + updates + security, no docs/man/locales,
# no apt lists or caches, no daemons started by package installs, empty /dev.
# Usage: finalize.sh ROOTFS MIRROR_URL SECURITY_URL
set -eu
R=$1
MIRROR=$2
SECURITY=$3

rm -f "$R/etc/apt/sources.list"
cat >"$R/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

# the same minimising config as the official slim images (debuerreotype)
cat >"$R/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
cat >"$R/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
cat >"$R/etc/apt/apt.conf.d/docker-no-languages" <<'CFG'
Acquire::Languages "none";
CFG
cat >"$R/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'CFG'
Apt::AutoRemove::SuggestsImportant "false";
CFG
# package installs must not try to start services in a container
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"

find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$R/usr/share/man/"* "$R/usr/share/info/"* "$R/usr/share/groff/"* "$R/usr/share/lintian/"* "$R/usr/share/linda/"*
find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
rm -rf "$R/var/lib/apt/lists/"* "$R/var/cache/apt/"*.bin "$R/var/cache/apt/archives/"*.deb "$R/var/cache/debconf/"*-old \
  "$R/var/log/"*.log "$R/var/log/apt/"* "$R/var/lib/dpkg/"*-old "$R/tmp/"* "$R/root/.bash_history"
mkdir -p "$R/var/lib/apt/lists/partial"
# Docker provides these at run time
rm -rf "$R/dev/"* "$R/proc/"* "$R/sys/"*
: >"$R/etc/resolv.conf"
: >"$R/etc/hostname"
rm -f "$R/etc/machine-id" "$R/var/lib/dbus/machine-id"
