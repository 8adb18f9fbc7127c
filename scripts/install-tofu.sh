#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy into .tools/bin/tofu, idempotently:
# nothing is done when .tools/bin/tofu already reports the wanted version.
# No release download and no checksum file to trust separately: go mod
# download checks the source against the checksum database (GOSUMDB).
# Takes 2-4 minutes the first time (most of it downloading dependencies).
#
# Usage: scripts/install-tofu.sh   (TOFU_VERSION overrides the version)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

version="${TOFU_VERSION:-1.10.6}"
bin="$root/.tools/bin/tofu"
src="$root/.tools/src/opentofu-$version"

# The image points TF_CLI_CONFIG_FILE at a file that does not exist, which
# tofu reports as an error; empty means "no CLI config".
export TF_CLI_CONFIG_FILE=
# The copied module is built on its own, whatever workspace surrounds it.
export GOWORK=off GOFLAGS=-buildvcs=false

# The first line of `tofu version`, read whole: with pipefail, a `| head`
# that stops reading early fails the pipeline with tofu's SIGPIPE (141).
first_line() { local out; out="$("$1" version 2>/dev/null)" || return 0; printf '%s\n' "${out%%$'\n'*}"; }

if [ -x "$bin" ] && [ "$(first_line "$bin")" = "OpenTofu v$version" ]; then
	echo "install-tofu: $bin is already OpenTofu v$version"
	exit 0
fi

# Half-finished copies or binaries never survive a failed run.
trap 'rm -rf "$src.tmp.$$" "$bin.tmp.$$"' EXIT

echo "install-tofu: go mod download github.com/opentofu/opentofu@v$version"
moddir="$(go mod download -json "github.com/opentofu/opentofu@v$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
if [ -z "$moddir" ] || [ ! -f "$moddir/go.mod" ]; then
	echo "install-tofu: go mod download gave no module directory" >&2
	exit 1
fi

# The module cache is read-only; the build writes nothing there, but a copy
# we own can be inspected, patched or removed freely.
echo "install-tofu: copy $moddir to ${src#"$root"/}"
rm -rf "$src"
mkdir -p "$(dirname "$src")"
cp -R "$moddir" "$src.tmp.$$"
chmod -R u+w "$src.tmp.$$"
mv "$src.tmp.$$" "$src"

echo "install-tofu: go build ./cmd/tofu (about 2 minutes)"
mkdir -p "$(dirname "$bin")"
(cd "$src" && go build -trimpath \
	-ldflags "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'" \
	-o "$bin.tmp.$$" ./cmd/tofu)
mv "$bin.tmp.$$" "$bin"

got="$(first_line "$bin")"
if [ "$got" != "OpenTofu v$version" ]; then
	echo "install-tofu: built binary reports \"$got\", want \"OpenTofu v$version\"" >&2
	exit 1
fi
echo "install-tofu: installed $got at ${bin#"$root"/}"
