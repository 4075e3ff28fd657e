#!/usr/bin/env bash
# Install and run kinesalite, the npm Kinesis emulator that `eddy bench`
# is compared against.
#
# Usage:
#   bench/kinesalite.sh [install|start] [--port PORT] [--memory]
#
#   install   only install kinesalite@3.3.3 into bench/.peers/ (cached) and
#             print the package directory.
#   start     (default) install if needed and run kinesalite in the
#             foreground on 127.0.0.1:PORT (default $KINESALITE_PORT or
#             4568, 0 for any free port), with its LevelDB store in a fresh
#             temporary directory (--path), or in memory with --memory. It
#             prints "Listening at http://127.0.0.1:PORT" once ready. Stop
#             it with SIGINT or SIGTERM: the store directory is removed.
#
# Streams are created, deleted and updated at once (--createStreamMs 0
# --deleteStreamMs 0 --updateStreamMs 0) and the shard limit is large.
set -euo pipefail

version=3.3.3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peers=${EDDY_PEERS_DIR:-$here/.peers}
prefix=$peers/kinesalite-$version
pkg=$prefix/node_modules/kinesalite

cmd=start
port=${KINESALITE_PORT:-4568}
memory=0
while [ $# -gt 0 ]; do
	case $1 in
	install | start) cmd=$1 ;;
	--port) port=$2; shift ;;
	--port=*) port=${1#--port=} ;;
	--memory) memory=1 ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "kinesalite.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

install() {
	if [ -f "$pkg/package.json" ] && [ -d "$prefix/node_modules/leveldown" ]; then
		return
	fi
	command -v npm >/dev/null || { echo "kinesalite.sh: npm is not installed" >&2; exit 1; }
	mkdir -p "$prefix"
	echo "kinesalite.sh: installing kinesalite@$version into $prefix" >&2
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "kinesalite@$version" >&2
}

install
if [ "$cmd" = install ]; then
	echo "$pkg"
	exit 0
fi

store=""
if [ "$memory" = 0 ]; then
	store=$(mktemp -d "${TMPDIR:-/tmp}/kinesalite.XXXXXX")
fi
child=""
cleanup() {
	if [ -n "$child" ]; then
		kill "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if [ -n "$store" ]; then
		rm -rf "$store"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# kinesalite's own CLI listens on every interface; bind to loopback only.
node -e '
const [pkg, path, port] = process.argv.slice(1);
const options = {createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100000};
if (path) options.path = path;
const server = require(pkg)(options).listen(Number(port), "127.0.0.1", () => {
  console.log("Listening at http://127.0.0.1:" + server.address().port);
});
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(0));
' "$pkg" "$store" "$port" &
child=$!
wait "$child"
