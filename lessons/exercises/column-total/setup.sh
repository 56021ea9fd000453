# Runs in the learner's sandbox when the exercise starts: this attempt's orders, from the seed the runner made for
# it (kept out of the learner's reach). check.sh computes the totals from the same seed, never from this file.
: "${DOCKHAND_SEED:?the lesson runner sets DOCKHAND_SEED}"
# orders SEED: a header, then 15 to 30 days with an amount and a quantity each (the same function as in check.sh: keep them identical)
orders() {
  RANDOM=$1
  local n=$((15 + RANDOM % 16)) i
  echo "day,amount,qty"
  for ((i = 1; i <= n; i++)); do echo "$i,$((RANDOM % 900 + 100)),$((RANDOM % 20 + 1))"; done
}
orders "$DOCKHAND_SEED" > ~/orders.csv
