# shellcheck shell=bash
# Sourced by backup_db.sh and test_restore.sh: find dotnet (cron runs with a minimal PATH) and build a project once
# into artifacts/, again only when one of its sources is newer than the build, so a cron tick costs no rebuild.

# Sets dotnet_bin, or exits 1 with what to do.
find_dotnet() {
	dotnet_bin="$(command -v dotnet || true)"
	local candidate
	for candidate in "${DOTNET_ROOT:-}/dotnet" "${HOME:-/root}/.dotnet/dotnet" /usr/share/dotnet/dotnet /usr/lib/dotnet/dotnet; do
		if [[ -z "${dotnet_bin}" && -x "${candidate}" ]]; then
			dotnet_bin="${candidate}"
		fi
	done
	if [[ -z "${dotnet_bin}" ]]; then
		echo "error: dotnet was not found on PATH or in the usual install folders; install the .NET 10 SDK or set DOTNET_ROOT." >&2
		exit 1
	fi
}

# dll_is_stale DLL SOURCE...: true when DLL is missing or a source file under the given paths is newer.
dll_is_stale() {
	local dll="$1"
	shift
	[[ ! -f "${dll}" ]] && return 0
	local newer
	newer="$(find "$@" -newer "${dll}" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.sql' \) \
		-not -path '*/obj/*' -not -path '*/bin/*' -not -path '*/__snapshots__/*' -print -quit 2>/dev/null)"
	[[ -n "${newer}" ]]
}

# build_once REPO_ROOT PROJECT OUTPUT_DIR DLL SOURCE...: Release build of PROJECT into OUTPUT_DIR when DLL is stale.
build_once() {
	local repo_root="$1" project="$2" output="$3" dll="$4"
	shift 4
	local sources=("$@" "${repo_root}/Directory.Build.props" "${repo_root}/Directory.Packages.props" "${repo_root}/global.json")
	dll_is_stale "${dll}" "${sources[@]}" || return 0
	mkdir -p "${output}"
	# Both entry points build src/PortfolioBackup in Release: one lock keeps two runs from building at once.
	exec 9>"${repo_root}/artifacts/.cli-build.lock"
	flock 9
	if dll_is_stale "${dll}" "${sources[@]}"; then
		echo "building $(basename "${project}" .csproj) into ${output} (only when sources changed)" >&2
		# A program is published ReadyToRun (precompiled, still framework-dependent): each run starts ~0.1 s sooner and
		# spends ~0.15 CPU-s less on the JIT (issue 19). That needs this runtime's crossgen2 and runtime packs from NuGet;
		# where they cannot be had (offline, no cache) the plain build runs as before.
		if ! grep -q '<OutputType>Exe</OutputType>' "${project}" ||
			! "${dotnet_bin}" publish "${project}" -c Release -o "${output}" --use-current-runtime --self-contained false \
				-p:PublishReadyToRun=true --nologo -v quiet --disable-build-servers >&2; then
			"${dotnet_bin}" build "${project}" -c Release -o "${output}" --nologo -v quiet --disable-build-servers >&2
		fi
		touch "${dll}"
	fi
	exec 9>&-
}
