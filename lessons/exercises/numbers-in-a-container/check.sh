# Runs in the check inspector (lessons/README.md): trusted tools; the learner's files are read-only data.
# The answer comes from this attempt's seed (DOCKHAND_SEED), never from ~/numbers.txt, which the learner could edit.
[ -n "$DOCKHAND_SEED" ] || { echo "FAIL: This sandbox has no numbers for this exercise (was it reset?). Type: start numbers-in-a-container, for new ones."; exit 1; }
# numbers SEED: 30 to 50 integers, one per line (the same function as in setup.sh: keep them identical)
numbers() {
  RANDOM=$1
  local n=$((30 + RANDOM % 21)) i
  for ((i = 0; i < n; i++)); do echo $((RANDOM % 1000)); done
}
mean() { awk '{ s += $1 } END { if (NR) printf "%.6f", s / NR }'; }
# holds WANT: some number in the input (words split on blanks and punctuation) within 0.005 of WANT
holds() {
  awk -v want="$1" '{
    n = split($0, w, /[^-+0-9.eE]+/)
    for (i = 1; i <= n; i++) if (w[i] ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) { d = w[i] - want; if (d < 0) d = -d; if (d <= 0.005) ok = 1 }
  } END { exit !ok }'
}
expected=$(numbers "$DOCKHAND_SEED" | mean)
shown=$(printf '%.2f' "$expected")

[ -s ~/mean.txt ] || { echo "FAIL: ~/mean.txt does not exist yet."; exit 1; }
head -c 200 ~/mean.txt | head -n 1 | holds "$expected" || { echo "FAIL: ~/mean.txt says $(head -c 40 ~/mean.txt | head -n 1), which is not the mean of your numbers."; exit 1; }

# The means, part 1: a container of the dockhand/ml image (as pulled: not another image tagged so) printed
# that mean (its logs keep what it printed).
ran=
for id in $(docker ps -aq --filter ancestor=dockhand/ml 2>/dev/null); do
  docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$(docker inspect -f '{{.Image}}' "$id")" 2>/dev/null | grep -q '^dockhand/ml@sha256:' || continue
  if docker logs "$id" 2>&1 | tail -c 65536 | holds "$expected"; then ran=$id; break; fi
done
[ -n "$ran" ] || { echo "FAIL: No container of the dockhand/ml image printed $shown. Run one that computes it, and keep it (no --rm) so its output can be checked."; exit 1; }

# Part 2: it computed the mean from the file. The same container (image, command, folders) runs again, with
# ~/numbers.txt replaced by numbers it has never seen; it must print their mean.
data=/root/numbers.txt
dst=
while read -r src d; do
  src=${src#\"} src=${src%\"} d=${d#\"} d=${d%\"}
  [ -n "$src" ] || continue
  case "$data" in "$src") dst=$d ;; "$src"/*) dst=$d${data#"$src"} ;; esac
done < <(docker inspect -f '{{range .Mounts}}{{if eq .Type "bind"}}{{json .Source}} {{json .Destination}}{{println}}{{end}}{{end}}' "$ran")
[ -n "$dst" ] || { echo "FAIL: The container that printed the mean does not read ~/numbers.txt: share it with -v (e.g. -v ~:/work)."; exit 1; }
fresh=$(numbers "$SRANDOM")
want=$(printf '%s\n' "$fresh" | mean)
vol=dockhand-check-$SRANDOM holder= replay=
cleanup() { docker rm -f $holder $replay >/dev/null 2>&1; docker volume rm "$vol" >/dev/null 2>&1; }
trap cleanup EXIT
docker volume create "$vol" >/dev/null || { echo "FAIL: Could not prepare the second run (docker volume create failed)."; exit 1; }
# The new numbers go in with docker cp through a container that never starts: none of the learner's code writes them.
holder=$(docker create -v "$vol:/dockhand-data" --entrypoint true "$(docker inspect -f '{{.Image}}' "$ran")" 2>/dev/null) || { echo "FAIL: Could not prepare the second run."; exit 1; }
mkdir -p /tmp/replay && printf '%s\n' "$fresh" > /tmp/replay/numbers.txt && docker cp /tmp/replay/numbers.txt "$holder:/dockhand-data/numbers.txt" || { echo "FAIL: Could not prepare the second run (docker cp failed)."; exit 1; }
mp=$(docker volume inspect -f '{{.Mountpoint}}' "$vol")
# The container's own settings, as JSON the engine wrote, plus one read-only file over the data.
extra="{\"Type\":\"bind\",\"Source\":\"$mp/numbers.txt\",\"Target\":\"$dst\",\"ReadOnly\":true}"
# A mount of the learner's own on that very target (the file itself mounted: -v ~/numbers.txt:/numbers.txt) is
# left out: the engine refuses two mounts on one target, and the new numbers take its place.
body=$(docker inspect -f '{"Image":{{json .Image}},"Entrypoint":{{json .Config.Entrypoint}},"Cmd":{{json .Config.Cmd}},"WorkingDir":{{json .Config.WorkingDir}},"Env":{{json .Config.Env}},"User":{{json .Config.User}},"Labels":{"dockhand.check":"replay"},"HostConfig":{"Binds":{{json .HostConfig.Binds}},"Mounts":{{json .HostConfig.Mounts}},"NetworkMode":"none"}}' "$ran" |
  jq -c --arg dst "$dst" --argjson extra "$extra" '
    .HostConfig.Binds = ((.HostConfig.Binds // []) | map(select((split(":")[1] // "") != $dst)))
    | .HostConfig.Mounts = (((.HostConfig.Mounts // []) | map(select(.Target != $dst))) + [$extra])')
[ -n "$body" ] || { echo "FAIL: Could not prepare the second run."; exit 1; }
# The engine's API as the docker CLI reaches it (DOCKER_HOST: the inspector's unix socket, or a TCP address).
api() { case "$DOCKER_HOST" in unix://*) curl -s --max-time 10 --unix-socket "${DOCKER_HOST#unix://}" "http://docker$1" "${@:2}" ;; *) curl -s --max-time 10 "http://${DOCKER_HOST#tcp://}$1" "${@:2}" ;; esac; }
replay=$(api /containers/create -H 'Content-Type: application/json' -d "$body" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$replay" ] || { echo "FAIL: Could not run your container a second time."; exit 1; }
out=$(timeout 20 docker start -a "$replay" 2>&1 | tail -c 65536)
printf '%s\n' "$out" | holds "$want" || { echo "FAIL: Run again on other numbers, your container printed '$(printf '%s' "$out" | tail -n 1 | head -c 60)' instead of their mean $(printf '%.2f' "$want"): it must compute the mean from ~/numbers.txt."; exit 1; }
echo "Right: the mean is $shown, computed in a dockhand/ml container."
