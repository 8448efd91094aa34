#!/usr/bin/env bash
# A replica killed in the middle of data-parallel training: mpirun must end
# the run within the time limit (no replica left waiting in a collective)
# and say which rank died.
#   killed_replica_test.sh MPIEXEC TEST_BINARY
set -uo pipefail
mpiexec=$1
binary=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
KILN_TEST_KILL_RANK=1 timeout 120 "$mpiexec" -np 2 --oversubscribe --mca btl self,vader \
  "$binary" --gtest_filter=DataParallel.KilledReplica > "$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$log"
echo "exit status $rc after ${elapsed}s"
if [[ $rc -eq 0 ]]; then echo "FAIL: the run succeeded although a replica died"; exit 1; fi
if [[ $rc -eq 124 ]]; then echo "FAIL: the replicas hung (killed by the 120 s timeout)"; exit 1; fi
if grep -q "trained on without replica" "$log"; then echo "FAIL: a replica trained on alone"; exit 1; fi
if ! grep -qE "rank 1 .*(signal 9|Killed)" "$log"; then
  echo "FAIL: mpirun did not say that rank 1 was killed"; exit 1
fi
echo "PASS: the killed replica ended the run in ${elapsed}s, named by mpirun"
