#!/usr/bin/env bash
# scripts/setup.sh - provision a Debian 12 (amd64) machine for PortfolioBackup's build and tests.
#
#   1. Debian 12 packages: PostgreSQL 15 server + client (contrib is part of postgresql-15 on Debian 12),
#      util-linux, procps, e2fsprogs, shellcheck, compression tools, age (encryption). The Debian 'main'
#      cluster the package creates is stopped and set to manual: the tests start their own throwaway clusters
#      (binaries: /usr/lib/postgresql/15/bin).
#   1b. s3rver 3.7.1 (the S3-compatible server the offsite tests start on 127.0.0.1) from npm, exactly as locked in
#      scripts/setup/s3rver/package-lock.json, with `npm ci` into /opt/portfolio-backup/s3rver; node/npm from
#      Debian 12 (nodejs, npm) when the machine has none.
#   1c. promtool (the tests check the status metrics file with `promtool check metrics`), taken out of Debian 12's
#      prometheus package into /usr/local/bin: the package itself is never installed, so no prometheus user, service or
#      web assets come with it.
#   2. Docker without Docker Hub: Debian 13 "trixie" docker.io 26.1 (API 1.45, Testcontainers 4.x needs
#      >= 1.44) + docker-cli + docker-compose v2 + docker-buildx, downloaded with a private apt state
#      (the system's sources stay Debian 12); dockerd started by hand in the background when it is not
#      reachable (no systemd); stand-in images postgres:15 (bookworm), postgres:17 (trixie) and postgres:18 (forky,
#      Debian's postgresql-18) built with
#      debootstrap + `docker import`, honouring the official image's entrypoint contract
#      (scripts/setup/docker-entrypoint.sh), smoke tested.
#
# Idempotent: every step checks what exists and skips it; a second run takes a few seconds.
# Run as root. As another user it only checks: it succeeds when everything is already in place.
#
# Environment:
#   SETUP_SKIP_DOCKER=1     skip step 2 (local PostgreSQL engine only)
#   SETUP_IMAGES_FROM_REGISTRY=1  where Docker already runs and a registry is reachable (hosted CI runners):
#                           pull postgres:15/17/18 instead of building stand-ins (never set it on the offline machines)
#   SETUP_WORK=DIR          work/cache/log directory (default /var/tmp/portfoliobackup-setup)
#   SETUP_FORCE_REBUILD=1   rebuild the postgres images even when current
#   SETUP_PARALLEL=0        build the two images one after the other
#   SETUP_KEEP_ROOTFS=1     keep the debootstrap trees after import
#   SETUP_EXTRA_PACKAGES    more Debian 12 packages to install (space separated)
#   SETUP_S3RVER_DIR        where s3rver goes (default /opt/portfolio-backup/s3rver; the tests read PORTFOLIO_S3RVER
#                           for another place: the path of its node_modules/.bin/s3rver)
#   SETUP_PROMTOOL          where promtool goes (default /usr/local/bin/promtool; the tests read PORTFOLIO_PROMTOOL
#                           for another place)
#   MIRROR                  Debian mirror for trixie/debootstrap (default: the one apt uses)
#   DOCKERD_OPTS            extra dockerd arguments; DOCKERD_LOG (default $SETUP_WORK/dockerd.log)
set -Eeuo pipefail

T_START=$SECONDS
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ENTRYPOINT_SRC="$SCRIPT_DIR/setup/docker-entrypoint.sh"
S3RVER_SRC="$SCRIPT_DIR/setup/s3rver"
S3RVER_DIR=${SETUP_S3RVER_DIR:-/opt/portfolio-backup/s3rver}
S3RVER_BIN="$S3RVER_DIR/node_modules/.bin/s3rver"
PROMTOOL=${SETUP_PROMTOOL:-/usr/local/bin/promtool}
# shellcheck source=scripts/setup/regression-db.sh
source "$SCRIPT_DIR/setup/regression-db.sh"

WORK=${SETUP_WORK:-/var/tmp/portfoliobackup-setup}
DOCKERD_LOG=${DOCKERD_LOG:-$WORK/dockerd.log}
DOCKERD_OPTS=${DOCKERD_OPTS:-}
SKIP_DOCKER=${SETUP_SKIP_DOCKER:-0}
PARALLEL=${SETUP_PARALLEL:-1}
PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
REGRESSION_DIR=$WORK/regression-$PG_MAJOR  # the tests read it here (PORTFOLIO_REGRESSION_DUMP overrides)
DOCKER=/usr/bin/docker            # the CLI from trixie's docker-cli package (/usr/local/bin/docker may be another one)
RECIPE_REV=r1                     # bump when the image build steps below change (the label also hashes the entrypoint)
IMAGE_LABEL=pg-standin.recipe
export DEBIAN_FRONTEND=noninteractive

# Debian 12 packages the build/tests need. postgresql-contrib is not separate on Debian 12 (inside postgresql-15).
read -r -a BASE_PACKAGES <<<"postgresql-$PG_MAJOR postgresql-client-$PG_MAJOR util-linux procps e2fsprogs shellcheck \
	gzip xz-utils zstd iproute2 ca-certificates age ${SETUP_EXTRA_PACKAGES:-}"
# Docker: the trixie .debs (docker.io docker-cli docker-compose docker-buildx) + their Debian 12 dependencies.
DOCKER_PACKAGES=(docker-cli docker-compose docker-buildx containerd runc tini iptables debootstrap)

log() { printf '[setup +%3ss] %s\n' "$((SECONDS - T_START))" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }
trap 'rc=$?; log "ERROR: line $LINENO: \"$BASH_COMMAND\" exited with $rc" >&2; exit $rc' ERR

IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

[ -r "$ENTRYPOINT_SRC" ] || die "missing $ENTRYPOINT_SRC (run the script from a complete checkout)"
[ -r "$S3RVER_SRC/package-lock.json" ] || die "missing $S3RVER_SRC/package-lock.json (run the script from a complete checkout)"
RECIPE_ID="$RECIPE_REV-$(sha256sum "$ENTRYPOINT_SRC" | cut -c1-12)"

# ---------------------------------------------------------------------------------------------
# checks (shared by the root run and the non-root "is everything there?" run)
# ---------------------------------------------------------------------------------------------
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }
missing_packages() {  # missing_packages PKG... -> prints the missing ones
	local p
	for p in "$@"; do pkg_installed "$p" || printf '%s\n' "$p"; done
}
docker_pkg_ok() {  # docker.io >= 26 (API >= 1.44); bookworm's 20.10 (API 1.41) is too old
	pkg_installed docker.io && dpkg --compare-versions "$(dpkg-query -W -f='${Version}' docker.io)" ge 26
}
docker_up() { "$DOCKER" version >/dev/null 2>&1; }
image_current() {  # image exists and was built by this recipe revision + entrypoint (a foreign image is kept)
	local label
	[ "${SETUP_FORCE_REBUILD:-0}" != 1 ] || return 1
	label=$("$DOCKER" image inspect -f "{{ index .Config.Labels \"$IMAGE_LABEL\" }}" "$1" 2>/dev/null) || return 1
	[ "$label" = "<no value>" ] || [ -z "$label" ] || [ "$label" = "$RECIPE_ID" ]
}
# Debian 'main' cluster(s) of our major: must not be running and must not auto-start.
cluster_status() {  # online | down | empty when there is no such cluster
	local line
	line=$(pg_lsclusters -h "$PG_MAJOR" main 2>/dev/null) || true
	printf '%s\n' "$line" | awk '{print $4}'
}
# s3rver is current when the lock it was installed from is the committed one (npm ci installs exactly that lock).
s3rver_current() {
	command -v node >/dev/null 2>&1 && [ -x "$S3RVER_BIN" ] && cmp -s "$S3RVER_SRC/package-lock.json" "$S3RVER_DIR/package-lock.json"
}
# promtool is current when it runs; it is a static Go program, so nothing else of the package is needed.
promtool_current() { [ -x "$PROMTOOL" ] && "$PROMTOOL" --version >/dev/null 2>&1; }
start_mode() { grep -vE '^[[:space:]]*(#|$)' "/etc/postgresql/$PG_MAJOR/main/start.conf" 2>/dev/null | head -n1 || true; }
main_cluster_problems() {
	[ -d "/etc/postgresql/$PG_MAJOR/main" ] || return 0
	[ "$(cluster_status)" != online ] || echo "Debian cluster $PG_MAJOR/main is running"
	[ "$(start_mode)" = manual ] || echo "Debian cluster $PG_MAJOR/main is not set to manual start"
}

# ---------------------------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------------------------
summary() {
	log "summary:"
	"$PG_BIN/pg_dump" --version
	local cluster=none
	if [ -f "/etc/postgresql/$PG_MAJOR/main/start.conf" ]; then
		cluster="$(cluster_status), start=$(start_mode)"
	fi
	printf 'postgres binaries: %s (Debian cluster %s/main: %s)\n' "$PG_BIN" "$PG_MAJOR" "$cluster"
	printf 'age %s, s3rver %s at %s (node %s)\n' "$(age --version)" "$("$S3RVER_BIN" --version)" "$S3RVER_BIN" "$(node --version)"
	printf '%s at %s\n' "$("$PROMTOOL" --version 2>&1 | head -n1)" "$PROMTOOL"
	if [ "$SKIP_DOCKER" = 1 ]; then
		echo "docker: skipped (SETUP_SKIP_DOCKER=1)"
		return 0
	fi
	local path_docker
	path_docker=$(command -v docker || echo none)
	printf 'docker server %s, API %s (docker.io %s, containerd %s, runc %s, compose %s), dockerd pid %s, log %s\n' \
		"$("$DOCKER" version -f '{{.Server.Version}}')" "$("$DOCKER" version -f '{{.Server.APIVersion}}')" \
		"$(dpkg-query -W -f='${Version}' docker.io)" "$(dpkg-query -W -f='${Version}' containerd)" \
		"$(dpkg-query -W -f='${Version}' runc)" "$("$DOCKER" compose version --short 2>/dev/null || echo '?')" \
		"$(cat /var/run/docker.pid 2>/dev/null || echo '?')" "$DOCKERD_LOG"
	printf 'docker on PATH: %s (client %s), socket unix:///var/run/docker.sock\n' "$path_docker" \
		"$(docker version -f '{{.Client.Version}}' 2>/dev/null || echo '?')"
	"$DOCKER" image ls postgres
	echo "Testcontainers: export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
}

# ---------------------------------------------------------------------------------------------
# not root: check only
# ---------------------------------------------------------------------------------------------
if [ "$IS_ROOT" = 0 ]; then
	log "not running as root ($(id -un)): checking that everything is already in place"
	problems=()
	while read -r p; do problems+=("package $p not installed"); done < <(missing_packages "${BASE_PACKAGES[@]}")
	[ -x "$PG_BIN/pg_dump" ] || problems+=("$PG_BIN/pg_dump missing")
	id postgres >/dev/null 2>&1 || problems+=("OS user postgres missing")
	while read -r p; do problems+=("$p"); done < <(main_cluster_problems)
	s3rver_current || problems+=("s3rver missing or not the locked version in $S3RVER_DIR")
	promtool_current || problems+=("promtool missing at $PROMTOOL")
	regression_db_current "$PG_MAJOR" "$REGRESSION_DIR" || problems+=("PostgreSQL's regression database not built in $REGRESSION_DIR")
	if [ "$SKIP_DOCKER" != 1 ]; then
		docker_pkg_ok || problems+=("package docker.io >= 26 not installed")
		while read -r p; do problems+=("package $p not installed"); done < <(missing_packages "${DOCKER_PACKAGES[@]}")
		if ! docker_up; then
			problems+=("docker daemon not reachable at /var/run/docker.sock (not running, or no permission for $(id -un))")
		else
			image_current postgres:15 || problems+=("image postgres:15 missing or outdated")
			image_current postgres:17 || problems+=("image postgres:17 missing or outdated")
			image_current postgres:18 || problems+=("image postgres:18 missing or outdated")
		fi
	fi
	if [ "${#problems[@]}" -gt 0 ]; then
		for p in "${problems[@]}"; do log "missing: $p" >&2; done
		die "setup is incomplete and must be run as root: sudo $SCRIPT_DIR/setup.sh"
	fi
	log "everything is in place"
	summary
	log "done in $((SECONDS - T_START))s"
	exit 0
fi

# ---------------------------------------------------------------------------------------------
# root from here on
# ---------------------------------------------------------------------------------------------
mkdir -p "$WORK"
exec 9>"$WORK/setup.lock"
flock -w 1800 9 || die "another setup.sh holds $WORK/setup.lock"
APT_LOG="$WORK/apt.log"
quiet() { "$@" >>"$APT_LOG" 2>&1 || { tail -n 40 "$APT_LOG" >&2; die "failed: $* (log: $APT_LOG)"; }; }
APT_UPDATED=0
apt_update_once() {
	[ "$APT_UPDATED" = 1 ] && return 0
	log "apt-get update (log: $APT_LOG)"
	quiet apt-get -o DPkg::Lock::Timeout=300 update
	APT_UPDATED=1
}

# ---------------------------------------------------------------------------------------------
# 1. Debian 12 packages, PostgreSQL 15
# ---------------------------------------------------------------------------------------------
mapfile -t MISSING < <(missing_packages "${BASE_PACKAGES[@]}")
if [ "${#MISSING[@]}" -gt 0 ]; then
	apt_update_once
	if ! apt-cache show "postgresql-$PG_MAJOR" >/dev/null 2>&1 && [ -x /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh ]; then
		# Not Debian 12 (e.g. a hosted CI runner on Ubuntu): take PostgreSQL from the PostgreSQL project's own archive.
		log "postgresql-$PG_MAJOR is not in this system's archive: adding the PostgreSQL project's apt repository"
		quiet /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y
		APT_UPDATED=0
		apt_update_once
	fi
	log "installing ${MISSING[*]}"
	quiet apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${MISSING[@]}"
	log "packages installed"
else
	log "packages present: postgresql-$PG_MAJOR $(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR"), shellcheck $(dpkg-query -W -f='${Version}' shellcheck)"
fi
if [ ! -x "$PG_BIN/pg_dump" ] || [ ! -x "$PG_BIN/initdb" ]; then die "PostgreSQL binaries not found in $PG_BIN"; fi
id postgres >/dev/null 2>&1 || die "OS user postgres missing (should come with postgresql-common)"

# The package may have created (and started) a 'main' cluster on 5432: stop it, never auto-start it.
if [ -d "/etc/postgresql/$PG_MAJOR/main" ]; then
	if [ -n "$(main_cluster_problems)" ]; then
		if [ "$(cluster_status)" = online ]; then
			log "stopping Debian cluster $PG_MAJOR/main (the tests start their own clusters)"
			pg_ctlcluster "$PG_MAJOR" main stop -m fast
		fi
		echo manual >"/etc/postgresql/$PG_MAJOR/main/start.conf"
		log "Debian cluster $PG_MAJOR/main stopped, start.conf=manual"
	else
		log "Debian cluster $PG_MAJOR/main exists, stopped, manual start"
	fi
else
	log "no Debian cluster $PG_MAJOR/main"
fi

# Debian mirror: the one apt already uses (first non-security .../debian URI), unless MIRROR is given.
if [ -z "${MIRROR:-}" ]; then
	MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
		| grep -E '^[[:space:]]*(deb[[:space:]]|URIs:)' | grep -oE 'https?://[^[:space:]]+' \
		| grep -vE 'security|snapshot' | grep -E '/debian/?$' | head -n1 || true)
	[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt/sources.list*; set MIRROR=<uri of a Debian mirror>"
fi
MIRROR=${MIRROR%/}

# ---------------------------------------------------------------------------------------------
# 1a. PostgreSQL's own regression database, built once from the installed server's source package (a real database in
#     our tests: domains, partitions, large objects, row-level security), cached as a custom-format dump
# ---------------------------------------------------------------------------------------------
if regression_db_current "$PG_MAJOR" "$REGRESSION_DIR"; then
	log "regression database present: $REGRESSION_DIR/regression.dump ($(cat "$REGRESSION_DIR/KEY"))"
else
	mapfile -t MISSING < <(missing_packages "postgresql-server-dev-$PG_MAJOR" make gcc bzip2 curl)
	if [ "${#MISSING[@]}" -gt 0 ]; then
		apt_update_once
		log "installing ${MISSING[*]} (to build the regression database)"
		quiet apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${MISSING[@]}"
	fi
	log "building PostgreSQL's regression database from the postgresql-$PG_MAJOR source package (about 2 minutes, once)"
	quiet build_regression_db "$PG_MAJOR" "$REGRESSION_DIR" "$MIRROR" "$WORK"
	regression_db_current "$PG_MAJOR" "$REGRESSION_DIR" || die "the regression database was not built (log: $APT_LOG)"
	log "regression database built: $REGRESSION_DIR/regression.dump ($(numfmt --to=iec "$(stat -c %s "$REGRESSION_DIR/regression.dump")"))"
fi

# ---------------------------------------------------------------------------------------------
# 1b. s3rver (npm ci of the committed lock into a fresh folder, swapped in whole)
# ---------------------------------------------------------------------------------------------
if s3rver_current; then
	log "s3rver present: $("$S3RVER_BIN" --version) in $S3RVER_DIR"
else
	if ! command -v npm >/dev/null 2>&1; then
		apt_update_once
		log "installing nodejs npm (for s3rver)"
		quiet apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends nodejs npm
	fi
	log "installing s3rver into $S3RVER_DIR (npm ci, log: $APT_LOG)"
	mkdir -p "$(dirname -- "$S3RVER_DIR")"
	S3RVER_NEW=$(mktemp -d "$S3RVER_DIR.new.XXXXXX")
	cp "$S3RVER_SRC/package.json" "$S3RVER_SRC/package-lock.json" "$S3RVER_NEW/"
	quiet npm ci --prefix "$S3RVER_NEW" --cache "$WORK/npm-cache" --no-audit --no-fund --omit=dev --loglevel=error
	chmod 755 "$S3RVER_NEW"  # mktemp made it 0700; the tests may run as another user
	rm -rf -- "$S3RVER_DIR"
	mv -- "$S3RVER_NEW" "$S3RVER_DIR"
	s3rver_current || die "s3rver did not install into $S3RVER_DIR"
	log "s3rver installed: $("$S3RVER_BIN" --version)"
fi

# ---------------------------------------------------------------------------------------------
# 1c. promtool, extracted from Debian 12's prometheus package (never installed: no prometheus user, service or web assets)
# ---------------------------------------------------------------------------------------------
if promtool_current; then
	log "promtool present: $("$PROMTOOL" --version 2>&1 | head -n1) at $PROMTOOL"
else
	apt_update_once
	PROM_DEB_DIR=$(mktemp -d "$WORK/prometheus-deb.XXXXXX")
	log "extracting promtool from Debian's prometheus package into $PROMTOOL"
	(cd "$PROM_DEB_DIR" && quiet apt-get -o APT::Sandbox::User=root download prometheus)
	mkdir -p "$(dirname -- "$PROMTOOL")"
	# Written beside its final name, then renamed: a second run never finds half a promtool.
	dpkg-deb --fsys-tarfile "$PROM_DEB_DIR"/prometheus_*.deb | tar -x -O ./usr/bin/promtool >"$PROMTOOL.new"
	chmod 755 "$PROMTOOL.new"
	mv -- "$PROMTOOL.new" "$PROMTOOL"
	rm -rf -- "$PROM_DEB_DIR"
	promtool_current || die "promtool did not install into $PROMTOOL"
	log "promtool installed: $("$PROMTOOL" --version 2>&1 | head -n1)"
fi

if [ "$SKIP_DOCKER" = 1 ]; then
	log "SETUP_SKIP_DOCKER=1: skipping Docker and the postgres images"
	summary
	log "done in $((SECONDS - T_START))s"
	exit 0
fi

if [ "${SETUP_IMAGES_FROM_REGISTRY:-0}" = 1 ] && docker_up; then
	# Hosted CI runners (GitHub): Docker runs already and a registry is reachable, so the official images are pulled.
	for tag in postgres:15 postgres:17 postgres:18; do
		"$DOCKER" image inspect "$tag" >/dev/null 2>&1 || { log "pulling $tag"; quiet "$DOCKER" pull -q "$tag"; }
	done
	summary
	log "done in $((SECONDS - T_START))s"
	exit 0
fi

# ---------------------------------------------------------------------------------------------
# 2a. Docker packages (trixie .debs via a private apt state, dependencies from Debian 12)
# ---------------------------------------------------------------------------------------------

mapfile -t MISSING < <(missing_packages "${DOCKER_PACKAGES[@]}")
if ! docker_pkg_ok || [ "${#MISSING[@]}" -gt 0 ]; then
	log "installing Docker from Debian 13 (mirror: $MIRROR)"
	apt_update_once
	# Private apt state for trixie: only used to download the .debs, the system's sources stay bookworm-only.
	TA="$WORK/apt-trixie"
	mkdir -p "$TA/sources.list.d" "$TA/lists/partial" "$TA/cache/archives/partial" "$WORK/debs"
	cat >"$TA/sources.list.d/trixie.sources" <<-EOF
		Types: deb
		URIs: $MIRROR
		Suites: trixie
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	APT_TRIXIE=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$TA/sources.list.d"
		-o "Dir::State::Lists=$TA/lists" -o "Dir::Cache=$TA/cache" -o APT::Sandbox::User=root)
	quiet apt-get "${APT_TRIXIE[@]}" update
	rm -f "$WORK/debs/"*.deb
	(cd "$WORK/debs" && quiet apt-get "${APT_TRIXIE[@]}" download docker.io docker-cli docker-compose docker-buildx)
	# apt resolves the .debs' dependencies (containerd, runc, tini, iptables) from Debian 12 (trixie's runc
	# needs a newer libc). No recommends: apparmor, git, needrestart, ... are not needed.
	quiet apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends \
		"$WORK/debs/"docker.io_*.deb "$WORK/debs/"docker-cli_*.deb \
		"$WORK/debs/"docker-compose_*.deb "$WORK/debs/"docker-buildx_*.deb debootstrap
	log "Docker packages installed: docker.io $(dpkg-query -W -f='${Version}' docker.io)"
else
	log "Docker packages present: docker.io $(dpkg-query -W -f='${Version}' docker.io)"
fi
[ -x "$DOCKER" ] || die "$DOCKER missing after installing docker-cli"

# ---------------------------------------------------------------------------------------------
# 2b. dockerd
# ---------------------------------------------------------------------------------------------
clear_stale_daemon() {  # clear_stale_daemon PIDFILE NAME: a daemon that does not answer must not block a new one
	local pidfile=$1 name=$2 pid state
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile" 2>/dev/null || true)
	state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	# Without an init that reaps orphans, a daemon killed with its session stays a zombie (state Z) and its pid file
	# makes the next dockerd refuse to start; a live one that does not answer is stopped.
	# Only a live process of that name is stopped: the pid may since belong to something else.
	if [ -n "$state" ] && [ "$state" != Z ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ]; then
		log "stopping $name (pid $pid), which does not answer"
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 20); do state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true); [ -z "$state" ] || [ "$state" = Z ] && break; sleep 0.5; done
		[ -z "$state" ] || [ "$state" = Z ] || kill -KILL "$pid" 2>/dev/null || true
	fi
	log "removing stale $pidfile (pid ${pid:-?}: no answering $name)"
	rm -f "$pidfile"
}

start_dockerd() {  # runs in a background subshell
	# The long-lived daemons must not inherit this script's open files (its lock on fd 9 - they would hold it
	# forever - or a caller's pipes, which would keep e.g. `setup.sh | tee` from ever ending).
	local fd
	for fd in /proc/"$BASHPID"/fd/*; do
		fd=${fd##*/}
		case "$fd" in 0|1|2|255) ;; *) eval "exec $fd>&-" ;; esac
	done
	# dockerd launches its own containerd (Debian 12's package); storage driver auto (overlay2 on ext4/xfs)
	# shellcheck disable=SC2086
	exec setsid nohup /usr/sbin/dockerd $DOCKERD_OPTS >>"$DOCKERD_LOG" 2>&1 </dev/null
}
if docker_up; then
	log "dockerd already running (pid $(cat /var/run/docker.pid 2>/dev/null || echo '?'))"
else
	if [ -d /run/systemd/system ]; then
		log "starting docker via systemd"
		systemctl start docker
	else
		clear_stale_daemon /var/run/docker.pid dockerd
		clear_stale_daemon /var/run/docker/containerd/containerd.pid containerd
		log "starting dockerd in the background (log: $DOCKERD_LOG)"
		mkdir -p "$(dirname "$DOCKERD_LOG")"
		start_dockerd &
	fi
	for _ in $(seq 1 60); do docker_up && break; sleep 1; done
	docker_up || { tail -n 40 "$DOCKERD_LOG" >&2 || true; die "dockerd did not come up (log: $DOCKERD_LOG)"; }
	log "dockerd up (pid $(cat /var/run/docker.pid 2>/dev/null || echo '?'))"
fi
API=$("$DOCKER" version -f '{{.Server.APIVersion}}')
dpkg --compare-versions "$API" ge 1.44 || die "Docker API $API < 1.44 (Testcontainers 4.x needs >= 1.44)"

# ---------------------------------------------------------------------------------------------
# 2c. postgres images (no registry): debootstrap rootfs + entrypoint, `docker import` with --change
# ---------------------------------------------------------------------------------------------
smoke_test_image() {  # run the image like `docker run -e POSTGRES_PASSWORD=...` and check the contract
	local tag=$1 name="setup-smoke-$RANDOM-$BASHPID" ok=0 ready
	# The throwaway password travels by environment (-e NAME takes the value from ours), never on a command line.
	local POSTGRES_PASSWORD PGPASSWORD
	POSTGRES_PASSWORD="smoke-$RANDOM$RANDOM"
	PGPASSWORD="$POSTGRES_PASSWORD"
	export POSTGRES_PASSWORD PGPASSWORD
	"$DOCKER" run -d --name "$name" -e POSTGRES_PASSWORD -e POSTGRES_DB=smokedb "$tag" -c fsync=off >/dev/null
	for _ in $(seq 1 60); do
		if "$DOCKER" exec "$name" pg_isready --host localhost --dbname smokedb --username postgres >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.5
	done
	ready=$("$DOCKER" logs "$name" 2>&1 | grep -c 'database system is ready to accept connections' || true)
	if [ "$ok" = 1 ]; then
		"$DOCKER" exec -e PGPASSWORD "$name" psql -h "$("$DOCKER" inspect -f '{{.NetworkSettings.IPAddress}}' "$name")" \
			-U postgres -d smokedb -Atc 'select version()' || ok=0
	fi
	if [ "$ok" != 1 ] || [ "$ready" != 2 ]; then "$DOCKER" logs "$name" 2>&1 | tail -n 30; fi
	"$DOCKER" rm -fv "$name" >/dev/null
	[ "$ok" = 1 ] && [ "$ready" = 2 ]
}

build_image() {  # build_image SUITE PG_MAJOR TAG [DEBOOTSTRAP_SCRIPT]
	local suite=$1 major=$2 tag=$3 script=${4:-} t0=$SECONDS
	local rootfs="$WORK/build/rootfs-$suite" blog="$WORK/build/build-$suite.log"
	if image_current "$tag"; then log "$tag present ($RECIPE_ID), skipping"; return 0; fi
	log "$tag: debootstrap $suite + postgresql-$major (log: $blog)"
	mkdir -p "$WORK/build" "$WORK/cache/debootstrap-$suite"
	rm -rf "$rootfs"
	# Debian 12's debootstrap has no script named forky: testing suites share sid's.
	if ! debootstrap --variant=minbase --include="postgresql-$major,locales" \
			--cache-dir="$WORK/cache/debootstrap-$suite" "$suite" "$rootfs" "$MIRROR" ${script:+"/usr/share/debootstrap/scripts/$script"} >"$blog" 2>&1; then
		tail -n 30 "$blog" >&2; die "debootstrap $suite failed (log: $blog)"
	fi
	log "$tag: debootstrap done in $((SECONDS - t0))s, customising"
	# NB: $rootfs/var/run is an absolute symlink to /run - always use $rootfs/run here.
	# postgresql-common created a 'main' cluster; the official image has none
	rm -rf "$rootfs/etc/postgresql/$major/main" "$rootfs/var/lib/postgresql/$major/main" "$rootfs/run/adduser"
	sed -ri 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
		"$rootfs/etc/postgresql-common/createcluster.conf"
	# like the official image: initdb-generated postgresql.conf listens on all interfaces
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$rootfs/usr/share/postgresql/$major/postgresql.conf.sample"
	grep -q "^listen_addresses = '\*'" "$rootfs/usr/share/postgresql/$major/postgresql.conf.sample" || die "listen_addresses edit failed"
	# postgres uid/gid 999 like the official image (Testcontainers' WithSsl() maps files to 999:999)
	local ouid ogid
	ouid=$(chroot "$rootfs" id -u postgres); ogid=$(chroot "$rootfs" id -g postgres)
	if [ "$ouid" != 999 ]; then
		# Newer suites give 999 to another system account (systemd's): it moves aside to a free id first.
		local holder
		holder=$(chroot "$rootfs" getent passwd 999 | cut -d: -f1 || true)
		if [ -n "$holder" ] && [ "$holder" != postgres ]; then chroot "$rootfs" usermod -u 989 "$holder"; fi
		holder=$(chroot "$rootfs" getent group 999 | cut -d: -f1 || true)
		if [ -n "$holder" ] && [ "$holder" != postgres ]; then chroot "$rootfs" groupmod -g 989 "$holder"; fi
		chroot "$rootfs" getent passwd 999 >/dev/null && die "uid 999 still used in $suite rootfs"
		chroot "$rootfs" getent group 999 >/dev/null && die "gid 999 still used in $suite rootfs"
		chroot "$rootfs" groupmod -g 999 postgres
		chroot "$rootfs" usermod -u 999 -g 999 postgres
		find "$rootfs" -xdev -uid "$ouid" -exec chown -h 999 {} +
		find "$rootfs" -xdev -gid "$ogid" -exec chgrp -h 999 {} +
	fi
	# en_US.UTF-8 like the official image (default collation of new clusters)
	local alias_file=/usr/share/locale/locale.alias
	[ -f "$rootfs$alias_file" ] || alias_file=
	# (newer suites ship no locale.alias; it only adds aliases)
	chroot "$rootfs" localedef -i en_US -c -f UTF-8 ${alias_file:+-A "$alias_file"} en_US.UTF-8
	install -d -o 999 -g 999 -m 3777 "$rootfs/run/postgresql"
	install -d -o 999 -g 999 -m 1777 "$rootfs/var/lib/postgresql/data"
	install -d -m 0755 "$rootfs/docker-entrypoint-initdb.d"
	install -m 0755 "$ENTRYPOINT_SRC" "$rootfs/usr/local/bin/docker-entrypoint.sh"
	ln -sfn usr/local/bin/docker-entrypoint.sh "$rootfs/docker-entrypoint.sh"
	# slim down: apt caches/lists, docs, man pages, message translations, logs
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
		"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
		"$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/var/cache/debconf/*-old
	find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
	local pgver
	pgver=$(chroot "$rootfs" dpkg-query -W -f="\${Version}" "postgresql-$major")
	log "$tag: importing (postgresql-$major $pgver)"
	tar --numeric-owner -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . |
		"$DOCKER" import \
			--change "ENV PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
			--change "ENV LANG=en_US.utf8" \
			--change "ENV PG_MAJOR=$major" \
			--change "ENV PG_VERSION=$pgver" \
			--change "ENV PGDATA=/var/lib/postgresql/data" \
			--change "VOLUME /var/lib/postgresql/data" \
			--change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
			--change 'CMD ["postgres"]' \
			--change 'EXPOSE 5432' \
			--change 'STOPSIGNAL SIGINT' \
			--change "LABEL $IMAGE_LABEL=$RECIPE_ID" \
			- "$tag" >/dev/null
	[ "${SETUP_KEEP_ROOTFS:-0}" = 1 ] || rm -rf "$rootfs"
	log "$tag: imported ($(numfmt --to=iec "$("$DOCKER" image inspect -f '{{.Size}}' "$tag")")), smoke test"
	smoke_test_image "$tag" || die "$tag smoke test failed"
	log "$tag: built + smoke-tested in $((SECONDS - t0))s"
}

if [ "$PARALLEL" = 1 ]; then
	build_image bookworm 15 postgres:15 & p15=$!
	build_image trixie 17 postgres:17 & p17=$!
	build_image forky 18 postgres:18 sid & p18=$!
	rc=0
	wait "$p15" || rc=1
	wait "$p17" || rc=1
	wait "$p18" || rc=1
	[ "$rc" = 0 ] || die "image build failed"
else
	build_image bookworm 15 postgres:15
	build_image trixie 17 postgres:17
	build_image forky 18 postgres:18 sid
fi
# drop older images of this recipe left untagged by a rebuild
"$DOCKER" image prune -f --filter "label=$IMAGE_LABEL" >/dev/null

# a plain `docker` on PATH must work too (e.g. /usr/local/bin/docker, a different client, may come first)
if ! docker version >/dev/null 2>&1; then
	log "WARNING: '$(command -v docker || echo docker)' on PATH cannot talk to dockerd; use $DOCKER"
fi

summary
log "done in $((SECONDS - T_START))s"
