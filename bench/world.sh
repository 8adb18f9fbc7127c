# Sourced by the bench scripts: builds the binaries and sets up a private
# world (HOME, runtime dir, config, file keyring) in $work, with the AWS
# emulator serving STS over TLS as AWS does. Call emu_start, then
# spind_start; everything is stopped and removed on exit.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/spin-bench.XXXXXX)
bin=$work/bin
emu=
cleanup() {
	"$bin/spin" daemon stop >/dev/null 2>&1 || true
	[ -z "$emu" ] || kill "$emu" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The programs measured are built as scripts/release builds them (static,
# no cgo, stripped), the baseline too; spin-gobuild is spin as a plain
# `go build`/`go install` gives it (cgo on: dynamically linked, since net
# and os/user have cgo files), for the record.
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
release() { CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' "$@"; }
(cd "$top" && for c in spin spin-credential-process spind; do release -o "$bin/$c" "./cmd/$c"; done &&
	release -o "$bin/bare" ./bench/bare &&
	go build -o "$bin/spin-gobuild" ./cmd/spin &&
	go build -o "$bin/awsemu" ./internal/awsemu/cmd/awsemu &&
	go build -o "$bin/interleave" ./bench/interleave)

export HOME=$work/home XDG_RUNTIME_DIR=$work/run SPIN_CONFIG=$work/home/config.yaml
export SPIN_KEYRING_PASSPHRASE=bench-passphrase-of-some-length DBUS_SESSION_BUS_ADDRESS=disabled:
mkdir -p -m 700 "$HOME" "$XDG_RUNTIME_DIR"
cat >"$work/keys.json" <<JSON
{"keys":[{"access_key_id":"AKIABENCHBENCHBENCH1","secret_access_key":"benchbenchbenchbenchbenchbenchbenchbench","user_name":"bench"}]}
JSON
cat >"$SPIN_CONFIG" <<YAML
keyring:
  backend: file
  file_dir: $HOME/keyring
profiles:
  bench:
    source: bench
    role_arn: arn:aws:iam::123456789012:role/bench
YAML

# emu_start runs the emulator over TLS; its log gets connection and
# handshake counts when it stops (emu_stop).
emu_start() {
	rm -f "$work/url"
	"$bin/awsemu" --keys "$work/keys.json" --url-file "$work/url" --tls-cert "$work/emu.pem" 2>"$work/emu.log" &
	emu=$!
	for _ in $(seq 200); do [ -s "$work/url" ] && break; sleep 0.05; done
	export AWS_ENDPOINT_URL_STS=$(cat "$work/url") SSL_CERT_FILE=$work/emu.pem AWS_CA_BUNDLE=$work/emu.pem
}

# emu_stop stops the emulator and prints its counters as key=value.
emu_stop() {
	kill "$emu"
	wait "$emu" 2>/dev/null || true
	emu=
	grep 'msg=stopped' "$work/emu.log" | tail -1 | grep -oE '(connections|tls_handshakes|assume_role|get_session_token)=[0-9]+' | tr '\n' ' '
}

# spind_start starts spind explicitly (so it takes the emulator's endpoint
# and certificate from this environment) and stores the key set.
spind_start() {
	"$bin/spin" daemon start >/dev/null
	printf 'AKIABENCHBENCHBENCH1\nbenchbenchbenchbenchbenchbenchbenchbench\n' | "$bin/spin" keys add bench --stdin --force >/dev/null
	spind_pid=$("$bin/spin" daemon status | awk '/^pid:/ {print $2}')
}

spind_stop() { "$bin/spin" daemon stop >/dev/null; }

machine() {
	echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
