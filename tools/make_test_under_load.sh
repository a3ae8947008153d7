#!/usr/bin/env bash
# `make test` on fresh clones while CPU burners keep the cores busy (issue #11's check).
# Prints one line per run and exits 1 if any run failed; each run's log stays in OUT.
#
#   tools/make_test_under_load.sh                 # 5 runs one after another, 2 burners
#   RUNS=5 PARALLEL=1 tools/make_test_under_load.sh   # 5 runs at once: several labs on one host
#
# One run beside two burners takes about 45 minutes on a 2-core machine, five at once about
# 95. Runs at once are harsher (every run has the other runs on top of the burners).
set -uo pipefail
set -m  # background jobs keep the default SIGINT: a terminal test sends Ctrl-C as a shell does
RUNS=${RUNS:-5}
BURNERS=${BURNERS:-2}
PARALLEL=${PARALLEL:-0}
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/make-test-under-load.XXXX")}
COMMIT=$(git -C "$REPO" rev-parse --short HEAD)

burners=()
for _ in $(seq "$BURNERS"); do
  python3 -c "while True: pass" &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT

one_run() {
  local n=$1 clone="$OUT/clone-$1" started=$SECONDS rc
  git clone -q "$REPO" "$clone"
  (cd "$clone" && make test) >"$OUT/run-$n.log" 2>&1
  rc=$?
  echo "run $n at $COMMIT: rc $rc in $((SECONDS - started)) s;" \
    "$(grep -E '^[0-9]+ (passed|failed)|[0-9]+ failed, ' "$OUT/run-$n.log" | tr '\n' ' ')"
  rm -rf "$clone"
  return $rc
}

echo "make test x$RUNS at $COMMIT, $BURNERS burner(s), parallel=$PARALLEL, logs in $OUT"
failed=0
if [ "$PARALLEL" = 1 ]; then
  pids=()
  for n in $(seq "$RUNS"); do
    one_run "$n" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
else
  for n in $(seq "$RUNS"); do one_run "$n" || failed=1; done
fi
exit $failed
