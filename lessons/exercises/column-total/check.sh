# Runs in the check inspector (lessons/README.md): trusted tools; the image is read from its layers as data.
# The expected totals come from this attempt's seed (DOCKHAND_SEED), never from ~/orders.csv, which the learner could edit.
[ -n "$DOCKHAND_SEED" ] || { echo "FAIL: This sandbox has no orders for this exercise (was it reset?). Start the exercise again for new ones."; exit 1; }
# orders SEED: the same function as in setup.sh (keep them identical)
orders() {
  RANDOM=$1
  local n=$((15 + RANDOM % 16)) i
  echo "day,amount,qty"
  for ((i = 1; i <= n; i++)); do echo "$i,$((RANDOM % 900 + 100)),$((RANDOM % 20 + 1))"; done
}
# total SEED COLUMN-NUMBER
total() { orders "$1" | awk -F, -v c="$2" 'NR > 1 { s += $c } END { print s }'; }
want=$(total "$DOCKHAND_SEED" 2) qty=$(total "$DOCKHAND_SEED" 3)

# same NUMBER WANT: NUMBER equals WANT as numbers (5123 and 5123.0 both do)
same() { awk -v g="$1" -v w="$2" 'BEGIN { exit !(g != "" && g + 0 == w + 0) }'; }
# total_of IMAGE: the first number in /total.txt, read from the image's layers (topmost first; a whiteout means deleted)
total_of() {
  local dirs d ds
  dirs=$(docker image inspect -f '{{index .GraphDriver.Data "UpperDir"}}:{{index .GraphDriver.Data "LowerDir"}}:{{index .GraphDriver.Data "Dir"}}' "$1" 2>/dev/null) || return 1
  IFS=: read -ra ds <<<"$dirs"
  for d in "${ds[@]}"; do [ -n "$d" ] || continue; [ -c "$d/total.txt" ] && return 1; [ -f "$d/total.txt" ] && { head -c 200 "$d/total.txt" | grep -m1 -oE '[0-9]+(\.[0-9]+)?' | head -n 1; return 0; }; done
  return 1
}

cmd=$(docker image inspect -f '{{json .Config.Cmd}}' tally:1 2>/dev/null) || { echo "FAIL: There is no image tally:1 yet."; exit 1; }
got=$(total_of tally:1) || { echo "FAIL: tally:1 has no /total.txt."; exit 1; }
if ! same "$got" "$want"; then
  same "$got" "$qty" && { echo "FAIL: tally:1's /total.txt says $got, the total of qty: built without --build-arg, it should add up the default column, amount."; exit 1; }
  echo "FAIL: /total.txt in tally:1 says '${got:-nothing}', which is not the total of the amount column of ~/orders.csv."; exit 1
fi
case "$cmd" in *total.txt*) ;; *) echo "FAIL: tally:1's command ($cmd) does not print /total.txt."; exit 1 ;; esac
# The default, as the build recorded it (an ARG line of the Dockerfile is an entry of the image's history).
arg=$(docker history --no-trunc --format '{{.CreatedBy}}' tally:1 | grep -m1 -oE '(^|[^A-Za-z_])ARG COLUMN(=[^ ]*)?' | sed 's/.*ARG //' | tr -d "\"'")
[ -n "$arg" ] || { echo "FAIL: tally:1 was built from a Dockerfile without ARG COLUMN: declare the build argument, with amount as its default."; exit 1; }
[ "$arg" = COLUMN=amount ] || { echo "FAIL: tally:1's Dockerfile declares $arg: give it the default amount (ARG COLUMN=amount), so a build without --build-arg adds up amount."; exit 1; }

# Computed during the build from the argument: ~/tally is built again with orders it has never seen and
# --build-arg COLUMN=qty, and the new image must hold their qty total.
[ -f ~/tally/Dockerfile ] || { echo "FAIL: tally:1 looks right, but there is no ~/tally/Dockerfile: build it from ~/tally (with a copy of orders.csv there), so the check can build it again."; exit 1; }
[ "$(du -sk ~/tally 2>/dev/null | cut -f1)" -lt 20000 ] || { echo "FAIL: ~/tally holds more than 20 MB: keep only the Dockerfile and orders.csv there."; exit 1; }
seed2=$SRANDOM
want2=$(total "$seed2" 3)
ctx=/tmp/dockhand-tally-check.$seed2 tag=dockhand-check/tally:$seed2
cleanup() { docker rmi -f "$tag" >/dev/null 2>&1; rm -rf "$ctx" "$ctx.config"; }
trap cleanup EXIT
mkdir -p "$ctx" "$ctx.config" && cp -a ~/tally/. "$ctx/" && orders "$seed2" > "$ctx/orders.csv" || { echo "FAIL: Could not prepare the second build."; exit 1; }
# buildx keeps state in the client's config folder: a fresh one of its own (the inspector's is read-only)
out=$(DOCKER_CONFIG=$ctx.config timeout 100 docker build -q --build-arg COLUMN=qty -t "$tag" "$ctx" 2>&1) || { echo "FAIL: Built again from ~/tally with --build-arg COLUMN=qty, your Dockerfile failed: $(printf '%s' "$out" | tail -n 1 | head -c 100)"; exit 1; }
got2=$(total_of "$tag")
same "$got2" "$want2" || { echo "FAIL: Built again from ~/tally on new orders with --build-arg COLUMN=qty (qty total $want2), the image says '${got2:-nothing}': add up the column that COLUMN names, in a RUN of the build."; exit 1; }
echo "tally:1 holds the amount total, $want; built again on new orders with --build-arg COLUMN=qty it says $want2."
