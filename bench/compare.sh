#!/usr/bin/env bash
# Run the same `eddy bench` against Eddy and kinesalite, one after the
# other on this machine, and print both summaries side by side.
#
# Usage:
#   bench/compare.sh [EDDY BENCH FLAGS...]
#
# Defaults are the throughput scenario of docs/benchmarks.md: 4 shards,
# 8 producers, PutRecords of 500 × 1 KiB records, 10 s. Change them with
# the environment, or pass any `eddy bench` flag (flags come after the
# defaults, so they win):
#   DURATION=10s SHARDS=4 PRODUCERS=8 RECORD_SIZE=1024 BATCH_SIZE=500
#   FSYNC=always            Eddy's --fsync policy (always, interval, never)
#   PEERS="eddy kinesalite" which endpoints to run, in order
#   KINESALITE_MEMORY=1     keep kinesalite's data in memory, not LevelDB
#   OUT=bench/out/<time>    where results go (text and JSON per peer)
#
# Examples:
#   bench/compare.sh
#   DURATION=30s bench/compare.sh
#   bench/compare.sh --producers 1 --batch-size 1 --record-size 100   # latency
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

duration=${DURATION:-10s}
shards=${SHARDS:-4}
producers=${PRODUCERS:-8}
record_size=${RECORD_SIZE:-1024}
batch_size=${BATCH_SIZE:-500}
fsync=${FSYNC:-always}
peers=${PEERS:-eddy kinesalite}
out=${OUT:-$root/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}

case ${1:-} in
-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/eddy-compare.XXXXXX")
server_pid=""
cleanup() {
	stop_server
	rm -rf "$work"
}
stop_server() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=""
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for_url LOG PATTERN: print the URL a server logs once it is ready.
wait_for_url() {
	local log=$1 pattern=$2
	for _ in $(seq 1 600); do
		if url=$(grep -o -m1 "$pattern" "$log" 2>/dev/null); then
			echo "$url"
			return 0
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "compare.sh: server exited:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "compare.sh: server not ready after 60 s:" >&2
	cat "$log" >&2
	return 1
}

echo "building eddy" >&2
(cd "$root" && go build -o "$work/eddy" ./cmd/eddy)
eddy=$work/eddy

bench_args=(--shards "$shards" --producers "$producers" --record-size "$record_size"
	--batch-size "$batch_size" --duration "$duration" "$@")

for peer in $peers; do
	log=$work/$peer.log
	case $peer in
	eddy)
		"$eddy" serve --listen 127.0.0.1:0 --data-dir "$work/eddy-data" --fsync "$fsync" \
			--log-level warn >"$log" 2>&1 &
		server_pid=$!
		url=$(wait_for_url "$log" 'http://127\.0\.0\.1:[0-9]*')
		label="eddy (fsync=$fsync)"
		;;
	kinesalite)
		mem=()
		label="kinesalite 3.3.3 (LevelDB)"
		if [ "${KINESALITE_MEMORY:-0}" = 1 ]; then
			mem=(--memory)
			label="kinesalite 3.3.3 (in memory)"
		fi
		"$here/kinesalite.sh" install >/dev/null
		"$here/kinesalite.sh" start --port 0 "${mem[@]}" >"$log" 2>&1 &
		server_pid=$!
		url=$(wait_for_url "$log" 'http://127\.0\.0\.1:[0-9]*')
		;;
	*)
		echo "compare.sh: unknown peer $peer (want eddy or kinesalite)" >&2
		exit 2
		;;
	esac
	echo "== $label at $url: eddy bench ${bench_args[*]}" >&2
	"$eddy" bench --endpoint "$url" "${bench_args[@]}" --json-file "$out/$peer.json" | tee "$out/$peer.txt"
	stop_server
	echo >&2
done

# json_field FILE KEY: the first number after "KEY": in an indented JSON file.
json_field() {
	sed -n "s/^ *\"$2\": \([-0-9.e+]*\),\{0,1\}$/\1/p" "$1" | head -1
}
# latency FILE SECTION KEY: a field of a latency object.
latency() {
	sed -n "/\"$2\": {/,/}/s/^ *\"$3\": \([-0-9.e+]*\),\{0,1\}$/\1/p" "$1" | head -1
}

echo "== summary (results in $out)"
printf '%-22s' ""
for peer in $peers; do printf '%16s' "$peer"; done
echo
row() {
	local name=$1 kind=$2 a=$3 b=${4:-}
	printf '%-22s' "$name"
	for peer in $peers; do
		local v
		if [ "$kind" = field ]; then
			v=$(json_field "$out/$peer.json" "$a")
		else
			v=$(latency "$out/$peer.json" "$a" "$b")
		fi
		printf '%16.2f' "${v:-0}"
	done
	echo
}
row "records/s" field records_per_s
row "MB/s" field mb_per_s
row "put call p50 ms" latency put_latency p50_ms
row "put call p99 ms" latency put_latency p99_ms
row "put-to-read p50 ms" latency put_to_read_latency p50_ms
row "put-to-read p99 ms" latency put_to_read_latency p99_ms
row "errors" field errors
row "throttles" field throttles
set -- $peers
if [ $# = 2 ]; then
	a=$(json_field "$out/$1.json" mb_per_s)
	b=$(json_field "$out/$2.json" mb_per_s)
	awk -v a="$a" -v b="$b" -v p="$1" -v q="$2" 'BEGIN { if (b > 0) printf "%s / %s throughput: %.1fx\n", p, q, a / b }'
fi
