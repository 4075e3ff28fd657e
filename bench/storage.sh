#!/usr/bin/env bash
# Storage engine benchmarks with their peer, the raw disk, measured in the
# same run. Usage: bench/storage.sh [benchtime]   (default 5s)
# EDDY_BENCH_DIR picks the filesystem (default: the Go test temp dir);
# EDDY_BENCH_REOPEN_GB the data retained for the reopen benchmark (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-5s}
dir=${EDDY_BENCH_DIR:-${TMPDIR:-/tmp}}
export EDDY_BENCH_DIR=$dir EDDY_BENCH_REOPEN_GB=${EDDY_BENCH_REOPEN_GB:-10}
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(go version | cut -d' ' -f3), dir $dir"
echo "## peer: raw disk"
go run ./bench/diskprobe -dir "$dir" -mb 512
echo "## storage engine"
go test -run '^$' -bench 'Append$|CatchUpRead' -benchtime "$benchtime" ./internal/storage/
go test -run '^$' -bench 'AppendLatency' -benchtime 4000x ./internal/storage/
go test -run '^$' -bench 'Reopen' -benchtime 3x -timeout 30m ./internal/storage/
echo "## peer again (the disk may throttle after sustained writes)"
go run ./bench/diskprobe -dir "$dir" -mb 512
