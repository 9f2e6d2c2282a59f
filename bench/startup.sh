#!/usr/bin/env bash
# Time from `dotnet run` to the login page answering, on a fresh data directory (first start: initdb,
# migrations, demo seed) and again on the same directory (warm start). Builds once beforehand so neither
# run pays for compilation.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build OpsBoard.Web -v quiet -nologo >/dev/null
data=$(mktemp -d /tmp/opsboard-startup-XXXX)
chmod 755 "$data"   # the embedded server runs as the postgres user when we are root
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'rm -rf "$data"' EXIT

measure() {
    local started=$(date +%s.%N)
    setsid dotnet run --no-build --project OpsBoard.Web -- --OpsBoard:DataDirectory="$data" --OpsBoard:Port="$port" >"$data/run-$1.log" 2>&1 &
    local pid=$!
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/account/login" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then echo "the board exited; see $data/run-$1.log" >&2; cat "$data/run-$1.log" >&2; exit 1; fi
        sleep 0.05
    done
    local answered=$(date +%s.%N)
    kill -TERM "$pid"; wait "$pid" || true
    python3 -c "print(f'$1 start: {($answered - $started):.2f} s to the login page')"
}

measure first
measure warm
