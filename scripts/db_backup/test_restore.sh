#!/usr/bin/env bash
# Prove the backups in BACKUP_DIR restore: runs the verification suite (verification/PortfolioBackup.Verification),
# one test per backup_*.dump (and backup_*.dump.age: set AGE_IDENTITY or AGE_IDENTITY_FILE to read them), each restored into a throwaway PostgreSQL and checked, then prints the report.
# Runs from anywhere; configuration comes only from the environment (cron- and doppler-friendly).
#
#   BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/test_restore.sh
#   doppler run -- ./scripts/db_backup/test_restore.sh
#
# Options (environment): VERIFY_LATEST=1 (newest dump only), VERIFY_ENGINE=auto|container|local,
# VERIFY_IMAGE=postgres:15, COMPOSE_FILE=docker-compose.yml[:override.yml], VERIFY_SERVICE=db,
# VERIFY_CONFIG=expectations.json, VERIFY_JOBS=N, VERIFY_TIMEOUT_MINUTES=N, REPORT=report.json (verdicts as JSON),
# RESULTS_DIR=folder for the TRX file (default artifacts/verification-results), VERIFY_PING_URL (dead-man pings:
# <url>/start, <url> or <url>/fail with the summary), NOTIFY_URL (+ NOTIFY_ON=failure|always: a JSON POST naming the
# first dump that is not healthy; Slack and Discord webhooks work as they are).
# Exit codes: 0 every dump healthy, 1 a dump is not healthy or nothing to verify, 2 bad settings.
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd -- "${script_dir}/../.." && pwd -P)"
suite_project="${repo_root}/verification/PortfolioBackup.Verification/PortfolioBackup.Verification.csproj"
suite_output="${repo_root}/artifacts/verification"
suite_dll="${suite_output}/PortfolioBackup.Verification.dll"

help_text() {
	cat >&2 <<'HELP'
BACKUP_DIR must name the folder that holds the backups (backup_*.dump or backup_*.dump.age with their manifests). For example:
  BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/test_restore.sh
or with secrets from Doppler:
  doppler run -- ./scripts/db_backup/test_restore.sh   (with BACKUP_DIR set in the Doppler config)
Options: VERIFY_LATEST=1 (newest dump only), VERIFY_ENGINE=auto|container|local, VERIFY_IMAGE=postgres:15,
COMPOSE_FILE=docker-compose.yml, VERIFY_SERVICE=db, VERIFY_CONFIG=expectations.json, REPORT=report.json.
HELP
}

if [[ -z "${BACKUP_DIR:-}" ]]; then
	echo "configuration error: BACKUP_DIR is not set (expected the path of the folder that holds the backups)" >&2
	echo >&2
	help_text
	exit 2
fi

if [[ ! -d "${BACKUP_DIR}" ]]; then
	echo "configuration error: BACKUP_DIR=${BACKUP_DIR} is not a folder" >&2
	echo >&2
	help_text
	exit 2
fi

# The tests run with the test host's own working directory, so every path is made absolute here.
absolute() {
	local path="$1"
	if [[ "${path}" == /* ]]; then
		printf '%s' "${path}"
	else
		printf '%s/%s' "$(pwd -P)" "${path}"
	fi
}

BACKUP_DIR="$(cd -- "${BACKUP_DIR}" && pwd -P)"
export BACKUP_DIR
if [[ -n "${VERIFY_CONFIG:-}" ]]; then
	VERIFY_CONFIG="$(absolute "${VERIFY_CONFIG}")"
	export VERIFY_CONFIG
fi
if [[ -n "${REPORT:-}" ]]; then
	REPORT="$(absolute "${REPORT}")"
	export REPORT
fi
if [[ -n "${COMPOSE_FILE:-}" ]]; then
	compose_files=()
	IFS=':' read -r -a compose_entries <<<"${COMPOSE_FILE}"
	for entry in "${compose_entries[@]}"; do
		[[ -n "${entry}" ]] && compose_files+=("$(absolute "${entry}")")
	done
	COMPOSE_FILE="$(
		IFS=':'
		printf '%s' "${compose_files[*]}"
	)"
	export COMPOSE_FILE
fi
# The tests run in their own folder: the default compose file and .env are looked for where the caller stands.
VERIFY_PROJECT_DIR="$(absolute "${VERIFY_PROJECT_DIR:-.}")"
export VERIFY_PROJECT_DIR

results_dir="$(absolute "${RESULTS_DIR:-${repo_root}/artifacts/verification-results}")"
mkdir -p "${results_dir}"
stamp="$(date -u +%Y%m%d_%H%M%S)"
trx_name="verification_${stamp}.trx"
VERIFY_SUMMARY_FILE="${results_dir}/verification_${stamp}.txt"
export VERIFY_SUMMARY_FILE

# The container engine removes its own container; Ryuk (the reaper) would need an image pulled from the internet.
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"

dotnet_bin=""
# shellcheck source=scripts/db_backup/dotnet-build.sh
source "${script_dir}/dotnet-build.sh"
find_dotnet
build_once "${repo_root}" "${suite_project}" "${suite_output}" "${suite_dll}" \
	"${repo_root}/src" "${repo_root}/verification/PortfolioBackup.Verification" \
	"${repo_root}/verification/PortfolioBackup.Tests/Fixtures/portfolio-seed.sql"

# Alerts (VERIFY_PING_URL, NOTIFY_URL) go out through the CLI, the one sender of pings and notifications.
alerts=false
if [[ -n "${VERIFY_PING_URL:-}${NOTIFY_URL:-}" ]]; then
	alerts=true
	cli_output="${repo_root}/artifacts/cli"
	cli_dll="${cli_output}/portfolio-backup.dll"
	build_once "${repo_root}" "${repo_root}/src/PortfolioBackup.Cli/PortfolioBackup.Cli.csproj" "${cli_output}" "${cli_dll}" "${repo_root}/src"
	if [[ -z "${REPORT:-}" ]]; then
		# The notification names the first dump that is not healthy: the suite's report says which.
		REPORT="${results_dir}/verification_${stamp}.json"
		export REPORT
	fi
	# One run id for both calls: healthchecks.io pairs the start with its end only by the same ?rid=.
	ping_rid="$(cat /proc/sys/kernel/random/uuid 2>/dev/null || echo "nightly-${stamp}-$$")"
	"${dotnet_bin}" "${cli_dll}" ping verify start --rid "${ping_rid}" >&2 || true
fi

echo "verifying the backups in ${BACKUP_DIR}" >&2
status=0
suite_log="${results_dir}/verification_${stamp}.log"
if [[ "${alerts}" == true ]]; then
	set +e
	"${dotnet_bin}" test "${suite_dll}" \
		--logger "trx;LogFileName=${trx_name}" \
		--logger "console;verbosity=normal" \
		--results-directory "${results_dir}" | tee "${suite_log}"
	status=${PIPESTATUS[0]}
	set -e
else
	"${dotnet_bin}" test "${suite_dll}" \
		--logger "trx;LogFileName=${trx_name}" \
		--logger "console;verbosity=normal" \
		--results-directory "${results_dir}" || status=$?
fi

echo
if [[ -f "${VERIFY_SUMMARY_FILE}" ]]; then
	cat "${VERIFY_SUMMARY_FILE}"
	[[ "${alerts}" == true ]] && cat "${VERIFY_SUMMARY_FILE}" >>"${suite_log}"
else
	echo "no verification report was written (the suite did not get to the end); see the test output above"
fi
if [[ "${alerts}" == true ]]; then
	outcome=success
	[[ "${status}" -ne 0 ]] && outcome=fail
	"${dotnet_bin}" "${cli_dll}" ping verify "${outcome}" --rid "${ping_rid}" --log "${suite_log}" --report "${REPORT}" >&2 || true
fi
echo "test results: ${results_dir}/${trx_name}"
if [[ -n "${REPORT:-}" ]]; then
	echo "JSON report: ${REPORT}"
fi
exit "${status}"
