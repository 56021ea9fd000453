# Runs in the learner's sandbox when the exercise starts: this attempt's sales, from the seed the runner made for
# it (kept out of the learner's reach). check.sh computes the total from the same seed, never from this file.
: "${DOCKHAND_SEED:?the lesson runner sets DOCKHAND_SEED}"
# sales SEED: a header, then 20 to 40 days with an amount each (the same function as in check.sh: keep them identical)
sales() {
  RANDOM=$1
  local n=$((20 + RANDOM % 21)) i
  echo "day,amount"
  for ((i = 1; i <= n; i++)); do echo "$i,$((RANDOM % 500 + 1))"; done
}
sales "$DOCKHAND_SEED" > ~/sales.csv
