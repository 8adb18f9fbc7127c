#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on Debian, idempotently:
# the AWS CLI v2 (as a real credential_process client), a real Secret
# Service (gnome-keyring under dbus), pass/gnupg, keyutils, hyperfine, and
# lintian, rpm, man-db and unzip for the release check, and
# staticcheck and actionlint from the Go module proxy. Never dbus-x11: with it every process
# that links the keyring library and finds no bus spawns an orphan dbus-daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(awscli gnome-keyring dbus libsecret-tools pass gnupg keyutils hyperfine systemd util-linux lintian rpm man-db groff-base unzip file)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	if ! command -v apt-get >/dev/null; then
		echo "install-deps: missing ${missing[*]} and no apt-get; install them by hand" >&2
		exit 1
	fi
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "install-deps: apt-get install ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if dpkg-query -W -f='${Status}' dbus-x11 2>/dev/null | grep -q 'install ok installed'; then
	echo "install-deps: warning: dbus-x11 is installed; keyring-linked processes without a bus will spawn dbus-daemons" >&2
fi

mkdir -p .tools/bin
# staticcheck must be built by the Go that make runs (GOTOOLCHAIN): built by
# an older one it cannot type-check the newer standard library.
if [ ! -x .tools/bin/staticcheck ] || ! go version .tools/bin/staticcheck | grep -q ": $(go env GOVERSION)\$"; then
	echo "install-deps: staticcheck from the Go module proxy, built with $(go env GOVERSION)"
	GOBIN="$PWD/.tools/bin" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
if [ ! -x .tools/bin/actionlint ]; then
	echo "install-deps: actionlint from the Go module proxy (checks examples/ci/github-actions.yml)"
	GOBIN="$PWD/.tools/bin" go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi
