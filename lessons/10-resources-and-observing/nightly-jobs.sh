# Setup of the events step, run in the learner's sandbox: three short jobs with --rm (gone when they end), one of
# them (chosen by this attempt's seed) killed for memory. Only docker events still knows which.
: "${DOCKHAND_SEED:?the lesson runner sets DOCKHAND_SEED}"
# jobs SEED: three different job names, the one killed for memory first (the same function as in the check)
jobs() {
  local w=(amber birch cedar delta ember fjord grove harbor) a b c
  a=$(($1 % 8)) b=$((($1 / 8 % 7 + 1 + $1 % 8) % 8))
  c=$(((b + 1) % 8)); [ "$c" = "$a" ] && c=$(((c + 1) % 8))
  echo "job-${w[a]} job-${w[b]} job-${w[c]}"
}
read -r oom ok1 ok2 <<<"$(jobs "$DOCKHAND_SEED")"
# the order they run in: the killed one is not always first
order=("$ok1" "$oom" "$ok2"); [ $((DOCKHAND_SEED % 2)) = 0 ] && order=("$oom" "$ok2" "$ok1")
for n in "${order[@]}"; do
  mb=2; [ "$n" = "$oom" ] && mb=100
  docker run --rm --name "$n" --memory 32m python:3.11-slim python3 -c "data = 'x' * ($mb << 20); print('done')" >/dev/null 2>&1 || true
done
