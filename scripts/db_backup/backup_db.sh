#!/usr/bin/env bash
# Back up the portfolio database into BACKUP_DIR (cron- and doppler-friendly: configuration comes only from the
# environment). Runs from anywhere; builds the CLI once into artifacts/cli and rebuilds only when a source changed.
#
#   BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/backup_db.sh
#   doppler run -- ./scripts/db_backup/backup_db.sh
#
# Optional: BACKUP_AGE_RECIPIENTS (age1… public keys) encrypts the dump as it is written (backup_….dump.age);
# BACKUP_S3_BUCKET (+ BACKUP_S3_ENDPOINT, BACKUP_S3_PREFIX, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) uploads it afterwards.
# BACKUP_COMPOSE_SERVICE=db (or BACKUP_CONTAINER=name) backs up inside the database's running container with its own psql
# and pg_dump: no PostgreSQL client and no published port on the host (run it from the app's folder, or set COMPOSE_FILE).
# Extra arguments go to 'portfolio-backup backup' (e.g. --no-row-counts). Exit codes: 0 ok (uploaded, when a bucket is
# set), 1 failed (a failed upload keeps the local backup), 2 bad settings.
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd -- "${script_dir}/../.." && pwd -P)"
cli_project="${repo_root}/src/PortfolioBackup.Cli/PortfolioBackup.Cli.csproj"
cli_output="${repo_root}/artifacts/cli"
cli_dll="${cli_output}/portfolio-backup.dll"

wants_help=false
has_dir_flag=false
for arg in "$@"; do
	case "${arg}" in
	-h | --help | -\?) wants_help=true ;;
	--backup-dir | --backup-dir=*) has_dir_flag=true ;;
	esac
done

if [[ -z "${BACKUP_DIR:-}" && "${has_dir_flag}" == false && "${wants_help}" == false ]]; then
	cat >&2 <<'HELP'
configuration error: BACKUP_DIR is not set (expected the path of the folder that holds the backups)

BACKUP_DIR must name the folder that holds the backups (it is created with mode 0700 if missing). For example:
  BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/backup_db.sh
or with secrets from Doppler:
  doppler run -- ./scripts/db_backup/backup_db.sh   (with BACKUP_DIR set in the Doppler config)
Database settings: DB_HOST, DB_PORT, DB_USER, DB_NAME, DB_PASSWORD (or PGHOST, PGPORT, PGUSER, PGDATABASE,
PGPASSWORD, PGPASSFILE / ~/.pgpass), or BACKUP_COMPOSE_SERVICE=db to back up inside the compose service's container.
Optional: RETENTION_DAYS (default 14), MIN_BACKUPS (default 3).
HELP
	exit 2
fi

dotnet_bin=""
# shellcheck source=scripts/db_backup/dotnet-build.sh
source "${script_dir}/dotnet-build.sh"
find_dotnet
build_once "${repo_root}" "${cli_project}" "${cli_output}" "${cli_dll}" "${repo_root}/src"

# exec: SIGTERM/SIGINT reach the CLI itself, which stops pg_dump and removes partial files.
exec "${dotnet_bin}" "${cli_dll}" backup "$@"
