#!/usr/bin/env bash
# Installs govulncheck and an offline vulnerability database into .tools,
# idempotently, from the Go module proxy alone (govulncheck's online
# database is out of reach here):
#   .tools/bin/govulncheck   golang.org/x/vuln/cmd/govulncheck
#   .tools/vulndb/           a v1 database (index/, ID/) built from the OSV
#                            files in the golang.org/x/vulndb module
#                            (data/osv) by that module's cmd/indexdb
# `make lint` runs: govulncheck -db file://$PWD/.tools/vulndb ./...
# The tools are built by the Go toolchain make runs (GOTOOLCHAIN in the
# Makefile): a govulncheck built by an older Go cannot load a newer
# standard library, so a binary built by another Go is rebuilt.
#
# Usage: scripts/install-vulncheck.sh   (VULNDB_VERSION overrides the data)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

vuln_version=v1.9.0
vulndb_version="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
goversion="$(go env GOVERSION)"
bin="$root/.tools/bin"
db="$root/.tools/vulndb"

# current BINARY MODULE VERSION: built by this Go from that module version.
current() {
	[ -x "$1" ] || return 1
	local info
	info="$(go version -m "$1" 2>/dev/null)" || return 1
	grep -q "^$1: $goversion\$" <<<"$info" && grep -Eq "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|\$)" <<<"$info"
}

mkdir -p "$bin"
if ! current "$bin/govulncheck" golang.org/x/vuln "$vuln_version"; then
	echo "install-vulncheck: govulncheck $vuln_version with $goversion"
	GOBIN="$bin" go install "golang.org/x/vuln/cmd/govulncheck@$vuln_version"
fi

if [ "$(cat "$db/VERSION" 2>/dev/null)" != "$vulndb_version" ]; then
	echo "install-vulncheck: vulnerability database from golang.org/x/vulndb@$vulndb_version"
	src="$(go mod download -json "golang.org/x/vulndb@$vulndb_version" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
	if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
		echo "install-vulncheck: golang.org/x/vulndb@$vulndb_version has no data/osv" >&2
		exit 1
	fi
	tmp="$db.tmp.$$"
	trap 'rm -rf "$tmp" "$tmp.bin"' EXIT
	GOBIN="$tmp.bin" go install "golang.org/x/vulndb/cmd/indexdb@$vulndb_version"
	"$tmp.bin/indexdb" -vulns "$src/data/osv" -out "$tmp"
	echo "$vulndb_version" >"$tmp/VERSION"
	rm -rf "$db"
	mv "$tmp" "$db"
fi
