# Runs in the check inspector (lessons/README.md). The number of items comes from this attempt's seed, never from
# ~/polite/app.py, which the learner could edit.
[ -n "$DOCKHAND_SEED" ] || { echo "FAIL: This sandbox has no worker for this exercise (was it reset?). Start the exercise again."; exit 1; }
want="saved $((DOCKHAND_SEED % 9000 + 1000)) items"
# events_of ID CREATED: what the engine did to that container since it was created (its own event log).
# --until "now" to the nanosecond: the CLI turns --until 0s into whole seconds, which leaves out this second.
events_of() { docker events --since "$(date -d "$2" +%s)" --until "$(date +%s.%N)" --filter "container=$1" --format '{{.Action}} {{.Actor.Attributes.signal}}' 2>/dev/null; }
sigs() { awk '$1 == "kill" { printf "%s%s", sep, $2; sep = " " }'; }

id=$(docker image inspect -f '{{.Id}}' polite:1 2>/dev/null)
[ -n "$id" ] || { echo "FAIL: There is no image polite:1 yet (build it from ~/polite)."; exit 1; }
# (.ID, not .Id: with .Id the CLI falls back to the raw JSON, where an unset .HostConfig.Init is missing)
c=$(docker inspect -f '{{.Image}}|{{.State.Status}}|{{.State.ExitCode}}|{{.HostConfig.Memory}}|{{.HostConfig.Init}}|{{.ID}}|{{.Created}}' ex-polite 2>/dev/null)
[ -n "$c" ] || { echo "FAIL: There is no container ex-polite (keep it after stopping it: no --rm)."; exit 1; }
IFS='|' read -r cimg status code mem init cid created <<<"$c"
[ "$cimg" = "$id" ] || { echo "FAIL: ex-polite runs an older build, not the polite:1 you have now."; exit 1; }
[ "$mem" = 100663296 ] || { echo "FAIL: ex-polite's hard memory limit is $([ "$mem" = 0 ] && echo none || echo "$mem bytes"), not 96 MB."; exit 1; }
[ "$status" = exited ] || { echo "FAIL: ex-polite is $status: stop it with docker stop."; exit 1; }
sig=$(events_of "$cid" "$created" | sigs)
case "$sig" in
  15) ;;
  "") echo "FAIL: ex-polite ended without being stopped: docker stop it while it runs."; exit 1 ;;
  "15 9"*) echo "FAIL: ex-polite ignored SIGTERM and was killed after the timeout: its PID 1 is not the Python worker, or does not pass the signal on."; exit 1 ;;
  *) echo "FAIL: ex-polite got the signals '$sig', not the SIGTERM of a docker stop alone (docker kill and docker rm -f send SIGKILL)."; exit 1 ;;
esac
said=; docker logs ex-polite 2>&1 | tail -c 4000 | grep -qF "$want" && said=1
if [ "$code" != 0 ] || [ -z "$said" ]; then
  [ "$init" = true ] && { echo "FAIL: ex-polite ended with $code without '$want': --init passed SIGTERM to the shell running start.sh, not to the worker."; exit 1; }
  echo "FAIL: ex-polite ended with $code without '$want': SIGTERM did not reach the worker's handler."; exit 1
fi

# The fix must be in the image: run polite:1 once more as it is (no options of the learner's), and stop it.
r=$(docker create --label dockhand.check=replay --network none polite:1 2>/dev/null) || { echo "FAIL: Could not run polite:1 a second time."; exit 1; }
trap 'docker rm -f "$r" >/dev/null 2>&1' EXIT
docker start "$r" >/dev/null || { echo "FAIL: Could not start polite:1 a second time."; exit 1; }
for i in $(seq 1 20); do docker logs "$r" 2>&1 | grep -q working && break; sleep 0.5; done
timeout 20 docker stop -t 5 "$r" >/dev/null 2>&1
rc=$(docker inspect -f '{{.State.ExitCode}}' "$r" 2>/dev/null)
if [ "$rc" != 0 ] || ! docker logs "$r" 2>&1 | tail -c 4000 | grep -qF "$want"; then
  echo "FAIL: Run again as plain docker run polite:1 and stopped, it ended with ${rc:-?} without '$want': the fix must be in the image (its CMD, ENTRYPOINT or start.sh), not in the options of docker run."; exit 1
fi
echo "docker stop reached the worker: '$want', exit code 0, in ex-polite and in a fresh run of polite:1."
