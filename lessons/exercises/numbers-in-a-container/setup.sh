# Runs in the learner's sandbox when the exercise starts: this attempt's numbers, from the seed the runner made
# for it (kept out of the learner's reach). check.sh computes the answer from the same seed, not from this file.
: "${DOCKHAND_SEED:?the lesson runner sets DOCKHAND_SEED}"
# numbers SEED: 30 to 50 integers, one per line (the same function as in check.sh: keep them identical)
numbers() {
  RANDOM=$1
  local n=$((30 + RANDOM % 21)) i
  for ((i = 0; i < n; i++)); do echo $((RANDOM % 1000)); done
}
numbers "$DOCKHAND_SEED" > ~/numbers.txt
rm -f ~/mean.txt
