#!/usr/bin/env bash
# The main job on a fresh machine, end to end, with no database and no Docker:
#   1. installs what it needs (scripts/setup.sh; Docker is skipped: the local engine is used),
#   2. starts a throwaway "portfolio" database with realistic sample data (users, images with jsonb, migrations),
#   3. takes a backup with scripts/db_backup/backup_db.sh,
#   4. proves it restores with scripts/db_backup/test_restore.sh and prints the report,
#   5. stops and deletes the throwaway database (the backup folder is kept and printed).
# Pointing BACKUP_DIR at real dumps is then the only change: BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/test_restore.sh
#
# Environment: QUICKSTART_DIR (default: a new folder under /tmp), QUICKSTART_USERS (2000), QUICKSTART_IMAGES (20000).
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd -- "${script_dir}/.." && pwd -P)"
work="${QUICKSTART_DIR:-$(mktemp -d /tmp/portfolio-quickstart.XXXXXX)}"
users="${QUICKSTART_USERS:-2000}"
images="${QUICKSTART_IMAGES:-20000}"
pg_bin=/usr/lib/postgresql/15/bin

say() { printf '\n== %s\n' "$*"; }

say "1/4 installing what is needed (PostgreSQL 15 client and server binaries; Docker skipped)"
if [[ "$(id -u)" == 0 ]]; then
	SETUP_SKIP_DOCKER=1 "${repo_root}/scripts/setup.sh"
else
	SETUP_SKIP_DOCKER=1 "${repo_root}/scripts/setup.sh" || {
		echo "run as root (sudo) on a fresh machine so scripts/setup.sh can install PostgreSQL" >&2
		exit 1
	}
fi

say "2/4 starting a throwaway portfolio database in ${work}/pg (unix socket only)"
mkdir -p "${work}/pg/socket"
run_pg() {
	# initdb and postgres refuse to run as root: hand them to the postgres account.
	if [[ "$(id -u)" == 0 ]]; then setpriv --reuid postgres --regid postgres --init-groups -- "$@"; else "$@"; fi
}
[[ "$(id -u)" != 0 ]] || chown -R postgres: "${work}/pg"
cleanup() {
	run_pg "${pg_bin}/pg_ctl" -D "${work}/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "${work}/pg"
}
trap cleanup EXIT
(cd "${work}/pg" && run_pg "${pg_bin}/initdb" -D "${work}/pg/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null)
(cd "${work}/pg" && run_pg "${pg_bin}/pg_ctl" -D "${work}/pg/data" -l "${work}/pg/server.log" -w \
	-o "-c listen_addresses='' -c unix_socket_directories=${work}/pg/socket -c fsync=off" start >/dev/null)

export DB_HOST="${work}/pg/socket" DB_PORT=5432 DB_USER=postgres DB_NAME=portfolio
"${pg_bin}/psql" -X -q -v ON_ERROR_STOP=1 -h "${DB_HOST}" -U postgres -d postgres -c 'CREATE DATABASE portfolio'
"${pg_bin}/psql" -X -q -v ON_ERROR_STOP=1 -h "${DB_HOST}" -U postgres -d portfolio -v users="${users}" -v images="${images}" <<'SQL'
CREATE EXTENSION citext;
CREATE TABLE users (id bigserial PRIMARY KEY, email citext NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE images (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), url text NOT NULL, caption text,
                     metadata jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX images_user_id_idx ON images(user_id);
CREATE TABLE migrations (id serial PRIMARY KEY, name text NOT NULL UNIQUE, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO users (email, name) SELECT format('user%s@example.com', g), format('User %s', g) FROM generate_series(1, :users) g;
INSERT INTO images (user_id, url, caption, metadata)
SELECT 1 + (g % :users), format('https://cdn.example.com/img/%s.jpg', g), format('Photo %s', g),
       jsonb_build_object('width', 800 + g % 400, 'height', 600, 'exif', jsonb_build_object('iso', 100 * (1 + g % 8)), 'tags', jsonb_build_array('portfolio', 'sample'))
FROM generate_series(1, :images) g;
INSERT INTO migrations (name) SELECT format('2024%s_migration_%s', lpad(g::text, 4, '0'), g) FROM generate_series(1, 12) g;
SQL
echo "portfolio database: ${users} users, ${images} images, 12 migrations"

export BACKUP_DIR="${work}/backups"
say "3/4 BACKUP_DIR=${BACKUP_DIR} scripts/db_backup/backup_db.sh"
"${repo_root}/scripts/db_backup/backup_db.sh"

say "4/4 BACKUP_DIR=${BACKUP_DIR} scripts/db_backup/test_restore.sh (local engine)"
VERIFY_ENGINE="${VERIFY_ENGINE:-local}" REPORT="${work}/report.json" "${repo_root}/scripts/db_backup/test_restore.sh"

say "done: backups in ${BACKUP_DIR}, JSON report in ${work}/report.json"
