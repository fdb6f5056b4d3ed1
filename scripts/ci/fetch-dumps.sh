#!/usr/bin/env bash
# Copy backups (dumps, their manifests and the verification ledger) from where production keeps them into BACKUP_DIR,
# for the nightly verification. Only the newest dump unless ALL_DUMPS=1. Secrets come only from the environment or
# files; nothing secret is echoed.
#
#   SOURCE=local  LOCAL_DUMP_DIR=/var/backups/portfolio BACKUP_DIR=/tmp/dumps scripts/ci/fetch-dumps.sh
#   SOURCE=rsync  RSYNC_HOST=db.example.com RSYNC_USER=backup RSYNC_PATH=/var/backups/portfolio \
#                 SSH_KEY_FILE=~/.ssh/id_ed25519 KNOWN_HOSTS_FILE=~/.ssh/known_hosts [RSYNC_PORT=22] ...
#   (S3-compatible buckets: `portfolio-backup verify --from s3://bucket/prefix`, which also writes the verdict back.)
#
# SHARD=i/n (with ALL_DUMPS=1) copies only shard i of n: the dumps sorted by name whose position mod n is i-1, the same
# rule as 'portfolio-backup verify --shard i/n', so each CI matrix job downloads and verifies only its slice.
#
# Exit codes: 0 copied (at least one dump), 1 copy failed or no dump at the source, 2 bad settings.
set -euo pipefail

fail_config() {
	echo "configuration error: $*" >&2
	exit 2
}

require() {
	local name
	for name in "$@"; do
		[[ -n "${!name:-}" ]] || fail_config "${name} is not set (needed for SOURCE=${SOURCE})"
	done
}

SOURCE="${SOURCE:-}"
[[ -n "${BACKUP_DIR:-}" ]] || fail_config "BACKUP_DIR is not set (the local folder to copy the dumps into)"
ALL_DUMPS="${ALL_DUMPS:-0}"
[[ "${ALL_DUMPS}" == 0 || "${ALL_DUMPS}" == 1 ]] || fail_config "ALL_DUMPS='${ALL_DUMPS}' (expected 0 for the newest dump only, or 1 for all)"
SHARD="${SHARD:-}"
if [[ -n "${SHARD}" ]]; then
	if ! [[ "${SHARD}" =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] || ((BASH_REMATCH[1] > BASH_REMATCH[2])); then
		fail_config "SHARD='${SHARD}' is not a shard i/n with 1 <= i <= n (e.g. 2/3)"
	fi
	[[ "${ALL_DUMPS}" == 1 ]] || fail_config "SHARD=${SHARD} needs ALL_DUMPS=1 (the newest dump alone is not sharded)"
	shard_index="${BASH_REMATCH[1]}"
	shard_count="${BASH_REMATCH[2]}"
fi
mkdir -p "${BACKUP_DIR}"
chmod 0700 "${BACKUP_DIR}"

# The newest backup_YYYYMMDD_HHMMSS.dump among names read on stdin (the name sorts by time).
newest_dump() {
	grep -E '^backup_[0-9]{8}_[0-9]{6}\.dump(\.age)?$' | LC_ALL=C sort | tail -n 1
}

# Files to copy: every dump with its manifest, or only the newest; the ledger always (status and retention read it).
wanted_files() {
	local listing="$1" name
	if [[ "${ALL_DUMPS}" == 1 ]]; then
		local dumps
		dumps="$(grep -E '^backup_[0-9]{8}_[0-9]{6}\.dump(\.age)?$' <<<"${listing}" | LC_ALL=C sort || true)"
		if [[ -n "${SHARD}" ]]; then
			dumps="$(awk -v i="${shard_index}" -v n="${shard_count}" '(NR - 1) % n == i - 1' <<<"${dumps}")"
		fi
		while IFS= read -r name; do
			if [[ -n "${name}" ]]; then
				echo "${name}"
				grep -Fx "${name}.manifest.json" <<<"${listing}" || true
			fi
		done <<<"${dumps}"
	else
		name="$(newest_dump <<<"${listing}" || true)"
		if [[ -n "${name}" ]]; then
			echo "${name}"
			grep -Fx "${name}.manifest.json" <<<"${listing}" || true
		fi
	fi
	grep -Fx 'verification-ledger.jsonl' <<<"${listing}" || true
}

case "${SOURCE}" in
local)
	require LOCAL_DUMP_DIR
	[[ -d "${LOCAL_DUMP_DIR}" ]] || fail_config "LOCAL_DUMP_DIR=${LOCAL_DUMP_DIR} is not a folder"
	listing="$(find "${LOCAL_DUMP_DIR}/" -maxdepth 1 -type f -printf '%f\n')"
	files="$(wanted_files "${listing}")"
	while IFS= read -r name; do
		if [[ -n "${name}" ]]; then
			cp --preserve=timestamps -- "${LOCAL_DUMP_DIR}/${name}" "${BACKUP_DIR}/${name}"
		fi
	done <<<"${files}"
	;;
rsync)
	require RSYNC_HOST RSYNC_USER RSYNC_PATH SSH_KEY_FILE KNOWN_HOSTS_FILE
	[[ -r "${SSH_KEY_FILE}" ]] || fail_config "SSH_KEY_FILE=${SSH_KEY_FILE} is not readable"
	[[ -s "${KNOWN_HOSTS_FILE}" ]] || fail_config "KNOWN_HOSTS_FILE=${KNOWN_HOSTS_FILE} is empty; add the server's host key (ssh-keyscan -H host)"
	ssh_command="ssh -i ${SSH_KEY_FILE} -p ${RSYNC_PORT:-22} -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${KNOWN_HOSTS_FILE}"
	remote="${RSYNC_USER}@${RSYNC_HOST}:${RSYNC_PATH%/}/"
	# --list-only lists without a remote shell command of our own, so no path is ever interpreted by the server's shell.
	listing="$(rsync --list-only -e "${ssh_command}" "${remote}" | awk '$1 ~ /^-/ { print $NF }')"
	files="$(wanted_files "${listing}")"
	if [[ -n "${files}" ]]; then
		rsync -a --partial --files-from=- -e "${ssh_command}" "${remote}" "${BACKUP_DIR}/" <<<"${files}"
	fi
	;;
s3)
	# The bucket is read by the CLI itself: it lists, downloads into a private folder, decrypts (age) and verifies, then
	# writes the verdict back to the bucket, which a plain copy here could not.
	fail_config "SOURCE=s3 is served by the CLI: portfolio-backup verify --from s3://BUCKET/PREFIX [--latest | --shard i/n] (see .github/workflows/nightly-verify.yml)"
	;;
*)
	fail_config "SOURCE='${SOURCE}' (expected rsync or local; for s3 use portfolio-backup verify --from s3://…)"
	;;
esac

# Backups are owner-only on the server; keep them so on the runner.
find "${BACKUP_DIR}" -maxdepth 1 -type f -exec chmod 0600 {} +
count="$(find "${BACKUP_DIR}" -maxdepth 1 -type f \( -name 'backup_*.dump' -o -name 'backup_*.dump.age' \) | wc -l)"
if [[ "${count}" -eq 0 ]]; then
	echo "error: no backup_YYYYMMDD_HHMMSS.dump found at the source (SOURCE=${SOURCE}); is the backup job running?" >&2
	exit 1
fi
echo "fetched ${count} dump(s) into ${BACKUP_DIR} (SOURCE=${SOURCE}, ALL_DUMPS=${ALL_DUMPS}${SHARD:+, SHARD=${SHARD}}):"
find "${BACKUP_DIR}" -maxdepth 1 -type f -printf '  %f  %s bytes\n' | LC_ALL=C sort
