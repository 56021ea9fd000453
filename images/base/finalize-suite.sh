#!/bin/sh
# Run after finalize.sh on a rootfs of another Debian suite (the sandbox's trixie base): points apt at that
# suite, its updates and its security archive instead of bookworm's. finalize.sh itself stays unchanged, so
# the bookworm base (and every lesson image the mirror serves) keeps its hash.
# Usage: finalize-suite.sh ROOTFS MIRROR_URL SECURITY_URL SUITE
set -eu
R=$1
MIRROR=$2
SECURITY=$3
SUITE=$4

cat >"$R/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
