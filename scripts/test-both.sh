#!/usr/bin/env bash
# `make test`: the suite on SQLite and on PostgreSQL at the same time, each beside its own throwaway Redis (and
# the second its own PostgreSQL), so the two cores of a small CI machine both work. Each run's lines carry its
# name; the exit status is non-zero when either run failed, and a summary says which.
# Usage: scripts/test-both.sh <pytest command...>
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
(ESAFETY_REDIS_PORT=56379 scripts/with-redis.sh "$@" 2>&1 | sed -u 's/^/[sqlite] /'; exit "${PIPESTATUS[0]}") &
sqlite=$!
(ESAFETY_REDIS_PORT=56479 scripts/with-redis.sh scripts/with-postgres.sh "$@" 2>&1 | sed -u 's/^/[postgresql] /'
 exit "${PIPESTATUS[0]}") &
postgresql=$!
wait "$sqlite"; sqlite_status=$?
wait "$postgresql"; postgresql_status=$?
echo "make test: SQLite run exit ${sqlite_status}, PostgreSQL run exit ${postgresql_status}"
[ "$sqlite_status" -eq 0 ] && [ "$postgresql_status" -eq 0 ]
