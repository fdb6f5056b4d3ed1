#!/usr/bin/env bash
# Benchmark: portfolio-backup verify (full per-run with the parallel loader and with --loader pg_restore, full warm,
# quick) against the naive check (fresh default initdb server, createdb, pg_restore from stdin, count three tables),
# interleaved in one run, medians of N pairs.
# Usage: scripts/bench/verify-vs-naive.sh [PAIRS]   (PAIRS defaults to 3; BENCH_CACHE overrides the cache folder)
set -euo pipefail

pairs="${1:-3}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${BENCH_CACHE:-/var/tmp/portfolio-backup-bench}"
pg_bin="${PG_BIN_DIR:-$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
run_as=()
if [[ "$(id -u)" == 0 ]]; then
  run_as=(setpriv --reuid postgres --regid postgres --init-groups --)
fi
scratch="$(mktemp -d /var/tmp/pb-bench.XXXXXX)"
chmod 755 "$scratch"
servers=()

cleanup() {
  local data
  for data in "${servers[@]+"${servers[@]}"}"; do
    "${run_as[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$scratch"
}
trap cleanup EXIT

as_pg() { "${run_as[@]}" "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts a default cluster in $1 on a free loopback port; prints the port.
start_cluster() {
  local dir="$1" port
  port="$(free_port)"
  mkdir -p "$dir"
  [[ ${#run_as[@]} -gt 0 ]] && chown postgres: "$dir"
  as_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" start >/dev/null
  servers+=("$dir/data")
  echo "$port"
}

stop_cluster() {
  as_pg "$pg_bin/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null
  rm -rf "$1"
}

# Builds the bench dump with SCALE (1 = users 40 000, images 400 000, migrations 120) once; prints its path.
bench_dump() {
  local scale="$1" file="$cache/bench-x$1.dump" dir port
  if [[ -s "$file" ]]; then
    echo "$file"
    return
  fi
  mkdir -p "$cache"
  dir="$scratch/build-x$scale"
  port="$(start_cluster "$dir")"
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$pg_bin/createdb" portfolio
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$pg_bin/psql" -q -X -v ON_ERROR_STOP=1 -d portfolio \
    -v users=$((40000 * scale)) -v images=$((400000 * scale)) >/dev/null <<'SQL'
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE images (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), url text NOT NULL, caption text,
                     metadata jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX images_user_id_idx ON images(user_id);
CREATE TABLE migrations (id serial PRIMARY KEY, name text NOT NULL UNIQUE, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO users (email, name, created_at)
SELECT format('user%s@example.com', g), format('User %s %s', g, md5(g::text)), now() - g * interval '1 minute'
FROM generate_series(1, :users) g;
INSERT INTO images (user_id, url, caption, metadata, created_at)
SELECT 1 + (g % :users), format('https://cdn.example.com/u/%s/%s.jpg', 1 + (g % :users), md5(g::text)),
       format('Photo %s: %s', g, left(md5((g * 7)::text), 20)),
       jsonb_build_object('width', 640 + g % 1280, 'height', 480 + g % 720, 'camera', format('model-%s', g % 37),
                          'tags', jsonb_build_array(format('tag%s', g % 101), format('tag%s', g % 53)), 'exif', jsonb_build_object('iso', 100 * (1 + g % 32), 'f', 1.4 + (g % 20) / 10.0),
                          'checksum', md5(g::text || 'c'), 'etag', md5(g::text || 'e'), 'blurhash', md5(g::text || 'b') || md5(g::text || 'h')),
       now() - g * interval '1 second'
FROM generate_series(1, :images) g;
INSERT INTO migrations (name) SELECT format('2024%s_migration_%s', lpad(g::text, 4, '0'), g) FROM generate_series(1, 120) g;
SQL
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$pg_bin/pg_dump" -Fc -d portfolio -f "$file.tmp"
  mv "$file.tmp" "$file"
  stop_cluster "$dir"
  echo "$file"
}

if [[ "${BENCH_ONLY_DUMP:-}" == 1 ]]; then
  bench_dump "${BENCH_SCALE:-1}"
  exit 0
fi

now() { date +%s.%N; }

# The seed's practice: a fresh default cluster, createdb, pg_restore from stdin, count the three tables.
naive() {
  local dump="$1" dir="$scratch/naive" port
  port="$(start_cluster "$dir")"
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$pg_bin/createdb" verify
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$pg_bin/pg_restore" --no-owner -d verify <"$dump"
  PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$pg_bin/psql" -X -q -t -d verify \
    -c 'SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM images), (SELECT count(*) FROM migrations)' >/dev/null
  stop_cluster "$dir"
  servers=("${servers[@]:0:${#servers[@]}-1}")
}

# Runs a command with its peak RSS sampled from /proc every 20 ms; prints "seconds peak_kb".
measure() {
  local start end pid peak=0 rss
  start="$(now)"
  "$@" >"$scratch/out" 2>"$scratch/err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    [[ -n "$rss" && "$rss" -gt "$peak" ]] && peak="$rss"
    sleep 0.02
  done
  if ! wait "$pid"; then
    echo "command failed: $*" >&2
    cat "$scratch/err" "$scratch/out" >&2
    exit 1
  fi
  end="$(now)"
  echo "$(echo "$end - $start" | bc -l) $peak"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { echo "scale=3; $1 / $2" | bc -l; }

# Built as scripts/db_backup/dotnet-build.sh builds it for the cron jobs: ReadyToRun when the runtime packs are there.
echo "== building the CLI once (Release, ReadyToRun)"
if ! dotnet publish "$repo/src/PortfolioBackup.Cli" -c Release -o "$scratch/cli" --use-current-runtime --self-contained false \
  -p:PublishReadyToRun=true --nologo -v quiet >/dev/null; then
  echo "== ReadyToRun publish failed: plain build"
  dotnet publish "$repo/src/PortfolioBackup.Cli" -c Release -o "$scratch/cli" --nologo -v quiet >/dev/null
fi
cli="$scratch/cli/portfolio-backup"

bench() {
  local scale="$1" n="$2" dump copies=() i t rss
  dump="$(bench_dump "$scale")"
  for i in 1 2 3 4 5; do
    cp "$dump" "$scratch/warm-$i.dump"
    copies+=("$scratch/warm-$i.dump")
  done
  : >"$scratch/naive.t"; : >"$scratch/full.t"; : >"$scratch/classic.t"; : >"$scratch/quick.t"; : >"$scratch/null.t"; : >"$scratch/rss"
  for ((i = 1; i <= n; i++)); do
    read -r t _ < <(measure naive "$dump"); echo "$t" >>"$scratch/naive.t"
    read -r t rss < <(measure "$cli" verify --engine local --loader parallel "$dump"); echo "$t" >>"$scratch/full.t"; echo "full $rss" >>"$scratch/rss"
    read -r t rss < <(measure "$cli" verify --engine local --loader pg_restore "$dump"); echo "$t" >>"$scratch/classic.t"; echo "full-pg_restore $rss" >>"$scratch/rss"
    read -r t rss < <(measure "$cli" verify --quick "$dump"); echo "$t" >>"$scratch/quick.t"; echo "quick $rss" >>"$scratch/rss"
    read -r t _ < <(measure "$pg_bin/pg_restore" -f /dev/null "$dump"); echo "$t" >>"$scratch/null.t"
  done
  read -r t rss < <(measure "$cli" verify --engine local --loader parallel "${copies[@]}"); echo "warm $rss" >>"$scratch/rss"
  local naive_m full_m classic_m quick_m null_m warm_per
  naive_m="$(median <"$scratch/naive.t")"; full_m="$(median <"$scratch/full.t")"; classic_m="$(median <"$scratch/classic.t")"
  quick_m="$(median <"$scratch/quick.t")"; null_m="$(median <"$scratch/null.t")"
  warm_per="$(echo "scale=3; $t / 5" | bc -l)"
  echo
  echo "== dump x$scale: $(du -h "$dump" | cut -f1) ($n interleaved runs, medians, wall seconds)"
  printf '%-44s %8.2f s  %6s\n' "naive (initdb, createdb, pg_restore <stdin)" "$naive_m" "1.00x"
  printf '%-44s %8.2f s  %6sx\n' "verify --engine local --loader parallel" "$full_m" "$(ratio "$full_m" "$naive_m")"
  printf '%-44s %8.2f s  %6sx\n' "verify --engine local --loader pg_restore" "$classic_m" "$(ratio "$classic_m" "$naive_m")"
  printf '%-44s %8.2f s  %6sx\n' "verify, parallel loader, 5 dumps: per dump" "$warm_per" "$(ratio "$warm_per" "$naive_m")"
  printf '%-44s %8.2f s  %6sx\n' "verify --quick" "$quick_m" "$(ratio "$quick_m" "$naive_m")"
  printf '%-44s %8.2f s  %6sx\n' "pg_restore -f /dev/null (reference)" "$null_m" "$(ratio "$null_m" "$naive_m")"
  echo "peak RSS of portfolio-backup (MB): $(awk '{m[$1] = ($2 > m[$1]) ? $2 : m[$1]} END {for (k in m) printf "%s %.0f  ", k, m[k] / 1024}' "$scratch/rss")"
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
bench 1 "$pairs"
bench 4 "${BENCH_PAIRS_X4:-1}"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
