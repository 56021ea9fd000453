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

cfg=$(docker image inspect -f '{{.Size}}|{{json .Config.Cmd}}|{{range .RootFS.Layers}}{{.}} {{end}}|{{index .GraphDriver.Data "UpperDir"}}:{{index .GraphDriver.Data "LowerDir"}}:{{index .GraphDriver.Data "Dir"}}' report:1 2>/dev/null)
[ -n "$cfg" ] || { echo "FAIL: There is no image report:1 yet."; exit 1; }
IFS='|' read -r size cmd layers dirs <<<"$cfg"
# The total in /report.txt, read from the image's layers (topmost first; a whiteout means deleted).
f=
IFS=: read -ra ds <<<"$dirs"
for d in "${ds[@]}"; do [ -n "$d" ] || continue; [ -c "$d/report.txt" ] && break; [ -f "$d/report.txt" ] && { f=$d/report.txt; break; }; done
[ -n "$f" ] || { echo "FAIL: report:1 has no /report.txt."; exit 1; }
got=$(head -c 200 "$f" | tr -dc '0-9\n' | grep -m1 .)
[ "$got" = "$want" ] || { echo "FAIL: /report.txt in report:1 says '$(head -c 40 "$f" | head -n 1)', which is not the total of the amount column of ~/sales.csv."; exit 1; }
[ "$size" -lt 10000000 ] || { echo "FAIL: report:1 is $((size / 1000000)) MB; it must be under 10 MB (keep Python in a build stage only)."; exit 1; }
py=$(docker image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' python:3.11-slim 2>/dev/null)
[ -z "$py" ] || case "$layers" in "$py"*) echo "FAIL: report:1 is built on python:3.11-slim; only a build stage should be."; exit 1 ;; esac
case "$cmd" in *report.txt*) ;; *) echo "FAIL: report:1's command ($cmd) does not print /report.txt."; exit 1 ;; esac
echo "report:1 is $((size / 1000)) kB and holds the right total, $want."
