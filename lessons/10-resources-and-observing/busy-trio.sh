# Setup of the stats step, run in the learner's sandbox: three Python services, one of them (chosen by this
# attempt's seed) holding about 120 MB. The amount is handed in with docker exec after the start, so neither the
# image nor the command (docker inspect) tells which one: docker stats does. check.sh recomputes the name.
: "${DOCKHAND_SEED:?the lesson runner sets DOCKHAND_SEED}"
names=(ob-api ob-cache ob-queue)
hungry=${names[$((DOCKHAND_SEED % 3))]}
prog='import os, time
while not os.path.exists("/tmp/mb"):
    time.sleep(0.2)
data = "x" * (int(open("/tmp/mb").read()) << 20)
print("ready", flush=True)
while True:
    time.sleep(3600)'
docker rm -f "${names[@]}" >/dev/null 2>&1
for n in "${names[@]}"; do
  mb=2; [ "$n" = "$hungry" ] && mb=120
  docker run -d --name "$n" python:3.11-slim python3 -c "$prog" >/dev/null
  docker exec "$n" sh -c "echo $mb > /tmp/mb"
done
# Wait (bounded) until all three hold their memory, so the first docker stats shows it.
for i in $(seq 1 40); do
  ready=0
  for n in "${names[@]}"; do docker logs "$n" 2>/dev/null | grep -q ready && ready=$((ready + 1)); done
  [ "$ready" = 3 ] && break
  sleep 0.5
done
