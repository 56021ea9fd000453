#!/bin/sh
# make-index.sh DIR: writes a PEP 503 simple index of DIR/files/*.whl under DIR/simple/ (one page per project,
# names normalised as PEP 503 says, each link with its sha256).
set -eu
D=$1
mkdir -p "$D/simple"
norm() { echo "$1" | tr 'A-Z' 'a-z' | sed -E 's/[-_.]+/-/g'; }
projects=''
for w in "$D"/files/*.whl; do
  [ -e "$w" ] || continue
  f=${w##*/}
  p=$(norm "${f%%-*}")
  mkdir -p "$D/simple/$p"
  [ -e "$D/simple/$p/index.html" ] || { printf '<!DOCTYPE html>\n<html><body>\n' >"$D/simple/$p/index.html"; projects="$projects $p"; }
  sum=$(sha256sum "$w" | cut -d' ' -f1)
  printf '<a href="../../files/%s#sha256=%s">%s</a><br>\n' "$f" "$sum" "$f" >>"$D/simple/$p/index.html"
done
{
  printf '<!DOCTYPE html>\n<html><body>\n'
  for p in $projects; do printf '<a href="%s/">%s</a><br>\n' "$p" "$p"; done
  printf '</body></html>\n'
} >"$D/simple/index.html"
for p in $projects; do printf '</body></html>\n' >>"$D/simple/$p/index.html"; done
