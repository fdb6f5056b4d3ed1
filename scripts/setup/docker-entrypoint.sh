#!/usr/bin/env bash
# Stand-in for the official postgres image's docker-entrypoint.sh (same env/args contract):
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (default postgres),
#   POSTGRES_DB (default $POSTGRES_USER), POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR,
#   POSTGRES_HOST_AUTH_METHOD (default: server's password_encryption, i.e. scram-sha-256),
#   *_FILE variants, PGDATA, /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz,sql.xz,sql.zst}.
#   First arg starting with '-' => "postgres <args>". Runs initdb only when $PGDATA is empty.
set -Eeo pipefail

file_env() {            # file_env VAR [default]  -> honours VAR or VAR_FILE
	local var="$1" fileVar="${1}_FILE" def="${2:-}" val
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"; exit 1
	fi
	val="$def"
	if [ -n "${!var:-}" ]; then val="${!var}"; elif [ -n "${!fileVar:-}" ]; then val="$(< "${!fileVar}")"; fi
	export "$var"="$val"
	unset "$fileVar"
}

psql_init() {           # psql against the temporary (socket-only) server
	PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "${1:-$POSTGRES_DB}" "${@:2}"
}

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
	exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA" || :
	chmod 03775 /var/run/postgresql || :
	find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' + || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres:postgres '{}' +
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	# drop privileges without forking (like gosu): postgres becomes PID 1
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=}"

if [ -s "$PGDATA/PG_VERSION" ]; then
	echo
	echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	echo
else
	if [ -z "$POSTGRES_PASSWORD" ] && [ 'trust' != "$POSTGRES_HOST_AUTH_METHOD" ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
			       Or set POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password.
		EOE
		exit 1
	fi
	ls /docker-entrypoint-initdb.d/ > /dev/null 2>&1 || :

	initdb_args=(--username="$POSTGRES_USER")
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then initdb_args+=(--waldir="$POSTGRES_INITDB_WALDIR"); fi
	# POSTGRES_INITDB_ARGS is word-split on purpose (same as the official image)
	# shellcheck disable=SC2086
	if [ -n "$POSTGRES_PASSWORD" ]; then
		initdb "${initdb_args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
	else
		initdb "${initdb_args[@]}" $POSTGRES_INITDB_ARGS
	fi
	# initdb's default pg_hba.conf: trust for the local socket and 127.0.0.1/::1.
	# Everything else (i.e. via the published port): password auth (scram-sha-256 on PG>=14).
	auth="$(postgres -C password_encryption "${@:2}")"
	: "${POSTGRES_HOST_AUTH_METHOD:=$auth}"
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

	# temporary server, unix socket only (prints the first "ready to accept connections")
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
	if [ "$POSTGRES_DB" != 'postgres' ]; then
		psql_init postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
		echo
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		# shellcheck source=/dev/null
		case "$f" in
			*.sh)     if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
			*.sql)    echo "$0: running $f"; psql_init "$POSTGRES_DB" -f "$f"; echo ;;
			*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_init "$POSTGRES_DB"; echo ;;
			*.sql.xz) echo "$0: running $f"; xzcat "$f" | psql_init "$POSTGRES_DB"; echo ;;
			*.sql.zst) echo "$0: running $f"; zstd -dc "$f" | psql_init "$POSTGRES_DB"; echo ;;
			*/\*)     ;;
			*)        echo "$0: ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	echo
	echo 'PostgreSQL init process complete; ready for start up.'
	echo
fi

# final server: listen_addresses='*' comes from postgresql.conf (sample edited at image build)
exec "$@"
