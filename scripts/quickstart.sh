#!/usr/bin/env bash
# The main job on a fresh machine, end to end, with no database and no Docker:
#   1. installs what it needs (scripts/setup.sh; Docker is skipped: the local engine is used),
#   2. starts a throwaway "portfolio" database with realistic sample data (users, images with jsonb, migrations),
#   3. takes a backup with scripts/db_backup/backup_db.sh,
#   4. proves it restores with scripts/db_backup/test_restore.sh and prints the report,
#   5. stops and deletes the throwaway database (the backup folder is kept and printed).
# Pointing BACKUP_DIR at real dumps is then the only change: BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/test_restore.sh
#
# Run as root (setup.sh installs PostgreSQL), or as any user once PostgreSQL 15 is installed. Leaves behind only the
# printed folder with the backup and the report (and nothing at all when it fails before a backup was written).
# Environment: QUICKSTART_DIR (default: a new 0700 folder under /tmp), QUICKSTART_USERS (2000), QUICKSTART_IMAGES (20000).
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd -- "${script_dir}/.." && pwd -P)"
users="${QUICKSTART_USERS:-2000}"
images="${QUICKSTART_IMAGES:-20000}"
pg_bin=/usr/lib/postgresql/15/bin

say() { printf '\n== %s\n' "$*"; }

# Two folders, both 0700: ${work} (the backups and the report, owned by whoever runs this, kept) and ${pg} (the
# throwaway cluster, owned by the account that runs postgres, deleted). The cluster trusts every local connection, so
# its socket must stay behind a folder only that account (and root) can enter; the postgres account gets a folder of
# its own in /tmp instead of a way into ${work}.
made_work=0
if [[ -n "${QUICKSTART_DIR:-}" ]]; then
	work="${QUICKSTART_DIR}"
	mkdir -p "${work}"
else
	work="$(mktemp -d /tmp/portfolio-quickstart.XXXXXX)"
	made_work=1
fi
pg=""
run_pg() {
	# initdb and postgres refuse to run as root: hand them to the postgres account.
	if [[ "$(id -u)" == 0 ]]; then setpriv --reuid postgres --regid postgres --init-groups -- "$@"; else "$@"; fi
}
cleanup() {
	local status=$?
	if [[ -n "${pg}" ]]; then
		[[ ! -d "${pg}/data" ]] || run_pg "${pg_bin}/pg_ctl" -D "${pg}/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "${pg}"
	fi
	if [[ "${status}" != 0 ]]; then
		if [[ "${made_work}" == 1 ]] && ! compgen -G "${work}/backups/backup_*.dump" >/dev/null; then
			rm -rf "${work}"
		else
			echo "quickstart failed (exit ${status}); what it wrote is kept in ${work}" >&2
		fi
	fi
}
trap cleanup EXIT
# A signal becomes an ordinary exit, so cleanup runs once and sees a failure status.
trap 'exit 130' INT
trap 'exit 143' TERM

say "1/4 installing what is needed (PostgreSQL 15 client and server binaries; Docker skipped)"
if [[ "$(id -u)" == 0 ]]; then
	SETUP_SKIP_DOCKER=1 "${repo_root}/scripts/setup.sh"
else
	SETUP_SKIP_DOCKER=1 "${repo_root}/scripts/setup.sh" || {
		echo "run as root (sudo) on a fresh machine so scripts/setup.sh can install PostgreSQL" >&2
		exit 1
	}
fi

pg="$(mktemp -d /tmp/portfolio-quickstart-pg.XXXXXX)"
[[ "$(id -u)" != 0 ]] || chown postgres: "${pg}"
say "2/4 starting a throwaway portfolio database in ${pg} (unix socket only)"
run_pg mkdir -m 0700 "${pg}/socket"
(cd "${pg}" && run_pg "${pg_bin}/initdb" -D "${pg}/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null)
(cd "${pg}" && run_pg "${pg_bin}/pg_ctl" -D "${pg}/data" -l "${pg}/server.log" -w \
	-o "-c listen_addresses='' -c unix_socket_directories=${pg}/socket -c fsync=off" start >/dev/null)

export DB_HOST="${pg}/socket" DB_PORT=5432 DB_USER=postgres DB_NAME=portfolio
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
