#!/usr/bin/env bash
# Builds PostgreSQL's own regression database (the one `make check` builds: 537 tables, domains, partitions, large
# objects, row-level security policies) once, from the source package of the installed server, and caches its
# custom-format dump for the tests: DEST/regression.dump, with DEST/lib holding regress.so, autoinc.so and refint.so,
# which its C functions name by absolute path. Sourced by scripts/setup.sh (root); a few minutes once, then skipped.
#
#   build_regression_db PG_MAJOR DEST MIRROR WORK

regression_db_key() {  # what the cache was built from: the server package and this recipe
	printf '%s-%s-r1\n' "$1" "$(dpkg-query -W -f='${Version}' "postgresql-$1")"
}

regression_db_current() {  # regression_db_current PG_MAJOR DEST
	[ -s "$2/regression.dump" ] && [ -f "$2/lib/regress.so" ] && [ "$(cat "$2/KEY" 2>/dev/null)" = "$(regression_db_key "$1")" ]
}

build_regression_db() {
	local major=$1 dest=$2 mirror=$3 work=$4
	local bin=/usr/lib/postgresql/$major/bin codename entry directory tarball want got upstream src tmp
	tmp=$(mktemp -d "$work/regression.XXXXXX")
	chmod 755 "$tmp"
	# The source comes from the distribution's own index (a security update's source may not be mirrored; the regression
	# SQL of any release of the major builds the same kind of database): its upstream tarball, checked by its SHA-256.
	codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
	codename=${codename:-bookworm}
	curl -fsS --retry 3 -m 600 "$mirror/dists/$codename/main/source/Sources.xz" | xz -dc >"$tmp/Sources"
	entry=$(awk -v p="postgresql-$major" '$0 == "Package: " p {f=1} f && /^$/ {exit} f' "$tmp/Sources")
	directory=$(printf '%s\n' "$entry" | awk '/^Directory:/ {print $2}')
	read -r want _ tarball < <(printf '%s\n' "$entry" | awk '/^Checksums-Sha256:/ {g=1; next} g && /^ / && /orig\.tar\.bz2$/ {print $1, $2, $3; exit}')
	if [ -z "$directory" ] || [ -z "$tarball" ]; then echo "no source of postgresql-$major in $mirror/dists/$codename" >&2; return 1; fi
	curl -fsS --retry 3 -m 600 -o "$tmp/pg.tar.bz2" "$mirror/$directory/$tarball"
	got=$(sha256sum "$tmp/pg.tar.bz2" | cut -d' ' -f1)
	[ "$want" = "$got" ] || { echo "$tarball: SHA-256 $got, the source index says $want" >&2; return 1; }
	upstream=${tarball#postgresql-"${major}"_}
	upstream=${upstream%.orig.tar.bz2}
	tar -C "$tmp" -xjf "$tmp/pg.tar.bz2" "postgresql-$upstream/src/test/regress" "postgresql-$upstream/contrib/spi"
	src=$tmp/postgresql-$upstream

	# regress.so and contrib/spi's autoinc and refint, built against the installed server's headers (pgxs).
	mkdir -p "$tmp/build" "$tmp/lib"
	cp "$src/src/test/regress/regress.c" "$src/contrib/spi/autoinc.c" "$src/contrib/spi/refint.c" "$tmp/build/"
	cat >"$tmp/build/Makefile" <<-MAKEFILE
		MODULES = regress autoinc refint
		PG_CONFIG = $bin/pg_config
		PGXS := \$(shell \$(PG_CONFIG) --pgxs)
		include \$(PGXS)
	MAKEFILE
	make -s -C "$tmp/build" >"$tmp/build.log" 2>&1 || { tail -n 20 "$tmp/build.log" >&2; return 1; }
	install -m 0755 "$tmp/build/"*.so "$tmp/lib/"

	# A throwaway cluster (as postgres, socket only) runs the whole parallel schedule; failing tests still leave their
	# objects, and the database they leave is what is wanted, so pg_regress's verdict is not.
	chown -R postgres "$tmp"
	# The C functions are recorded with the library path they were created with, so pg_regress uses the cached one; the
	# KEY, written last, is what makes the cache count, so a build cut short is never used.
	local port=$((20000 + RANDOM % 20000))
	rm -f "$dest/KEY"
	mkdir -p "$dest/lib"
	install -m 0755 "$tmp/lib/"*.so "$dest/lib/"
	runuser -u postgres -- "$bin/initdb" -D "$tmp/data" -A trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log"
	runuser -u postgres -- "$bin/pg_ctl" -D "$tmp/data" -w -l "$tmp/server.log" \
		-o "-k $tmp -p $port -c listen_addresses= -c fsync=off -c max_connections=100" start >/dev/null
	(cd "$src/src/test/regress" && runuser -u postgres -- "/usr/lib/postgresql/$major/lib/pgxs/src/test/regress/pg_regress" \
		--inputdir=. --outputdir="$tmp/out" --bindir="$bin" --dlpath="$dest/lib" --schedule=parallel_schedule \
		--host="$tmp" --port="$port" >"$tmp/regress.log" 2>&1) || true
	runuser -u postgres -- "$bin/pg_dump" -h "$tmp" -p "$port" -Fc -f "$tmp/regression.dump" regression
	runuser -u postgres -- "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null
	install -m 0644 "$tmp/regression.dump" "$dest/regression.dump"
	chmod 755 "$dest" "$dest/lib"
	regression_db_key "$major" >"$dest/KEY"
	rm -rf "$tmp"
}
