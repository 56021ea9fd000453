# Runs in the check inspector (lessons/README.md): trusted tools; the image is read from its layers as data.
# The expected total comes from this attempt's seed (DOCKHAND_SEED), never from ~/sales.csv, which the learner could edit.
[ -n "$DOCKHAND_SEED" ] || { echo "FAIL: This sandbox has no sales for this exercise (was it reset?). Start the exercise again for new ones."; exit 1; }
# sales SEED: the same function as in setup.sh (keep them identical)
sales() {
  RANDOM=$1
  local n=$((20 + RANDOM % 21)) i
  echo "day,amount"
  for ((i = 1; i <= n; i++)); do echo "$i,$((RANDOM % 500 + 1))"; done
}
want=$(sales "$DOCKHAND_SEED" | awk -F, 'NR > 1 { s += $2 } END { print s }')

# same NUMBER WANT: the first number in NUMBER's text equals WANT (5123, 5123.0 and "Total: 5123" all do)
same() { awk -v g="$1" -v w="$2" 'BEGIN { exit !(g != "" && g + 0 == w + 0) }'; }
# report_of IMAGE: the first number in /report.txt, read from the image's layers (topmost first; a whiteout means deleted)
report_of() {
  local dirs d ds
  dirs=$(docker image inspect -f '{{index .GraphDriver.Data "UpperDir"}}:{{index .GraphDriver.Data "LowerDir"}}:{{index .GraphDriver.Data "Dir"}}' "$1" 2>/dev/null) || return 1
  IFS=: read -ra ds <<<"$dirs"
  for d in "${ds[@]}"; do [ -n "$d" ] || continue; [ -c "$d/report.txt" ] && return 1; [ -f "$d/report.txt" ] && { head -c 200 "$d/report.txt" | grep -m1 -oE '[0-9]+(\.[0-9]+)?' | head -n 1; return 0; }; done
  return 1
}

cfg=$(docker image inspect -f '{{.Size}}|{{json .Config.Cmd}}|{{range .RootFS.Layers}}{{.}} {{end}}|{{index .GraphDriver.Data "UpperDir"}}:{{index .GraphDriver.Data "LowerDir"}}:{{index .GraphDriver.Data "Dir"}}' report:1 2>/dev/null)
[ -n "$cfg" ] || { echo "FAIL: There is no image report:1 yet."; exit 1; }
IFS='|' read -r size cmd layers dirs <<<"$cfg"
# The total in /report.txt, read from the image's layers (topmost first; a whiteout means deleted).
f=
IFS=: read -ra ds <<<"$dirs"
for d in "${ds[@]}"; do [ -n "$d" ] || continue; [ -c "$d/report.txt" ] && break; [ -f "$d/report.txt" ] && { f=$d/report.txt; break; }; done
[ -n "$f" ] || { echo "FAIL: report:1 has no /report.txt."; exit 1; }
got=$(report_of report:1)
same "$got" "$want" || { echo "FAIL: /report.txt in report:1 says '$(head -c 40 "$f" | head -n 1)', which is not the total of the amount column of ~/sales.csv."; exit 1; }
[ "$size" -lt 10000000 ] || { echo "FAIL: report:1 is $((size / 1000000)) MB; it must be under 10 MB (keep Python in a build stage only)."; exit 1; }
py=$(docker image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' python:3.11-slim 2>/dev/null)
[ -z "$py" ] || case "$layers" in "$py"*) echo "FAIL: report:1 is built on python:3.11-slim; only a build stage should be."; exit 1 ;; esac
case "$cmd" in *report.txt*) ;; *) echo "FAIL: report:1's command ($cmd) does not print /report.txt."; exit 1 ;; esac

# Computed during the build: the learner's ~/report is built again with sales it has never seen, and the new
# image must hold their total (a total computed elsewhere and copied in stays the old number).
[ -f ~/report/Dockerfile ] || { echo "FAIL: report:1 looks right, but there is no ~/report/Dockerfile: build it from ~/report (with a copy of sales.csv there), so the check can build it again with new sales."; exit 1; }
[ "$(du -sk ~/report 2>/dev/null | cut -f1)" -lt 20000 ] || { echo "FAIL: ~/report holds more than 20 MB: keep only the Dockerfile and sales.csv there."; exit 1; }
seed2=$SRANDOM
want2=$(sales "$seed2" | awk -F, 'NR > 1 { s += $2 } END { print s }')
ctx=/tmp/dockhand-report-check.$seed2 tag=dockhand-check/report:$seed2
cleanup() { docker rmi -f "$tag" >/dev/null 2>&1; rm -rf "$ctx" "$ctx.config"; }
trap cleanup EXIT
mkdir -p "$ctx" "$ctx.config" && cp -a ~/report/. "$ctx/" && sales "$seed2" > "$ctx/sales.csv" || { echo "FAIL: Could not prepare the second build."; exit 1; }
# buildx keeps state in the client's config folder: a fresh one of its own (the inspector's is read-only)
out=$(DOCKER_CONFIG=$ctx.config timeout 100 docker build -q -t "$tag" "$ctx" 2>&1) || { echo "FAIL: Built again from ~/report with new sales, your Dockerfile failed: $(printf '%s' "$out" | tail -n 1 | head -c 100)"; exit 1; }
got2=$(report_of "$tag")
same "$got2" "$want2" || { echo "FAIL: Built again from ~/report with new sales (total $want2), the image says '${got2:-nothing}': compute the total from sales.csv in a RUN of the build, not before it."; exit 1; }
echo "report:1 is $((size / 1000)) kB and holds the right total, $want; built again on new sales it says $want2."
