#!/usr/bin/env bash
# The benchmark harness: builds in Release, starts the board on its own embedded database of each chosen size, runs
# the scenarios against it and prints one table per scenario, with ratios between figures measured in this run.
#
#   bash bench/run.sh [live] [pages] [startup] [load] [kpi] [slips] [login]   (no argument: all seven)
#
# Settings (environment):
#   VISITS="100000 1000000"   demo sizes for pages, start-up, load, kpi and slips (default 100000; slips alone: 100000
#                             300000, and VISITS="100000 1000000 3000000" for the issue's sizes); live runs on the first size
#   SCREENS="1,10,100,1000"   screen counts for live        EVENTS=20   events measured per screen count and path
#   REPEAT=10                 requests per page; kpi: reads per measure (the wall three times as many)
#   KEEP=1                    keep the data directories (default: removed)
#   DATA=/var/tmp/opsboard-bench  seed each size once into DATA/data-N and reuse it in later runs (1M and 3M take an hour
#                             and more to seed); load and cold start-up are recorded only when a size is seeded
#   BASELINE=0                kpi without its plain-scan baseline (minutes per read at 1M visits and more)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(live pages startup load kpi slips login)
wants() { local s; for s in "${scenarios[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
default_sizes=100000
[ "${scenarios[*]}" != "slips" ] || default_sizes="100000 300000"
read -r -a sizes <<<"${VISITS:-$default_sizes}"

echo "Building (Release)…"
dotnet build -c Release OpsBoard.Web -v quiet -nologo >/dev/null
dotnet build -c Release bench/OpsBoard.Bench -v quiet -nologo >/dev/null

run=$(mktemp -d /tmp/opsboard-bench-XXXX)
chmod 755 "$run"   # the embedded server runs as the postgres user when we are root
results="$run/results.tsv"
app_pid=""
cleanup() {
    [ -z "$app_pid" ] || kill -TERM "$app_pid" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$run"
}
trap cleanup EXIT

bench() { dotnet "$root/bench/OpsBoard.Bench/bin/Release/net10.0/OpsBoard.Bench.dll" "$@" --out "$results"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# start_app DATA_DIR VISITS: runs the board in the background; sets app_pid, app_url, db and started_in (seconds to the
# login page answering).
start_app() {
    local data=$1 visits=$2 port pg_port started
    port=$(free_port); pg_port=$(free_port)
    started=$(now)
    (cd "$root/OpsBoard.Web" && exec dotnet bin/Release/net10.0/OpsBoard.Web.dll --OpsBoard:DataDirectory="$data" \
        --OpsBoard:Port="$port" --OpsBoard:PostgresPort="$pg_port" --visits "$visits" \
        --OpsBoard:LoginAttemptsPerMinute=100000) >>"$data.log" 2>&1 &
    app_pid=$!
    app_url="http://127.0.0.1:$port"
    until curl -fsS -o /dev/null "$app_url/account/login" 2>/dev/null; do
        if ! kill -0 "$app_pid" 2>/dev/null; then echo "the board exited; see $data.log" >&2; tail -20 "$data.log" >&2; exit 1; fi
        sleep 0.05
    done
    started_in=$(python3 -c "print($(now) - $started)")
    # The embedded server asks for passwords; the bench reads and writes as its owner, whose password is in the data folder.
    db="Host=127.0.0.1;Port=$pg_port;Username=opsboard;Password=$(cat "$data/pg/opsboard-superuser.password");Database=opsboard;Pooling=true"
    until curl -fsS -o /dev/null "$app_url/healthz" 2>/dev/null; do sleep 0.2; done
}

stop_app() { kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }

first=1
for visits in "${sizes[@]}"; do
    data="${DATA:-$run}/data-$visits"
    seeding=1
    if [ -n "${DATA:-}" ] && [ -d "$data/pg" ]; then
        seeding=0
        echo "Demo of $visits visits: reusing $data"
    else
        mkdir -p "$(dirname "$data")" && chmod 755 "$(dirname "$data")"
        echo "Demo of $visits visits: starting on a fresh database…"
    fi
    start_app "$data" "$visits"
    if wants startup && [ $seeding = 1 ]; then bench record --scenario startup --case cold --size "$visits" --metric s --value "$started_in"; fi
    if wants load && [ $seeding = 1 ]; then
        seeded=$(grep -oE 'evaluations in [0-9.]+ s' "$data.log" | grep -oE '[0-9.]+' | tail -1)
        actual=$(grep -oE 'seeded \(seed [^)]*\): [0-9]+ visits' "$data.log" | grep -oE '[0-9]+ visits' | grep -oE '[0-9]+' | tail -1)
        bench record --scenario load --case seed --size "$visits" --metric s --value "$seeded"
        bench record --scenario load --case seed --size "$visits" --metric visits/s --value "$(python3 -c "print($actual / $seeded)")"
        bench record --scenario load --case seed --size "$visits" --metric "database MB" --value "$(du -sm "$data/pg" | cut -f1)"
    fi
    if wants pages; then bench pages --url "$app_url" --db "$db" --size "$visits" --repeat "${REPEAT:-10}"; fi
    if wants slips; then bench slips --db "$db" --size "$visits" --repeat "${REPEAT:-10}"; fi
    if wants login; then bench login --url "$app_url" --size "$visits" --repeat "${REPEAT:-10}"; fi
    if wants kpi; then bench kpi --url "$app_url" --db "$db" --size "$visits" --repeat "${REPEAT:-10}" --baseline "${BASELINE:-1}"; fi
    if wants live && [ $first = 1 ]; then
        bench live --url "$app_url" --db "$db" --pid "$app_pid" --screens "${SCREENS:-1,10,100,1000}" --events "${EVENTS:-20}"
    fi
    stop_app
    if wants startup; then
        start_app "$data" "$visits"
        bench record --scenario startup --case warm --size "$visits" --metric s --value "$started_in"
        stop_app
    fi
    first=0
done

echo
bench report
