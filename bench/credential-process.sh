#!/usr/bin/env bash
# Times whole credential helper processes (spin-credential-process and
# `spin credential-process`, served from spind's cache) side by side with a
# bare Go binary that prints and exits. Target: helper p50 <= 2.5x the bare
# binary.
#   bench/credential-process.sh            # needs hyperfine (make deps)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/spin-bench.XXXXXX)
bin=$work/bin
trap '"$bin/spin" daemon stop >/dev/null 2>&1 || true; kill $emu 2>/dev/null || true; rm -rf "$work"' EXIT

cd "$top"
go build -o "$bin/spin" ./cmd/spin
go build -o "$bin/spin-credential-process" ./cmd/spin-credential-process
go build -o "$bin/spind" ./cmd/spind
go build -o "$bin/awsemu" ./internal/awsemu/cmd/awsemu
go build -o "$bin/bare" ./bench/bare

export HOME=$work/home XDG_RUNTIME_DIR=$work/run SPIN_CONFIG=$work/home/config.yaml
export SPIN_KEYRING_PASSPHRASE=bench DBUS_SESSION_BUS_ADDRESS=disabled:
mkdir -p -m 700 "$HOME" "$XDG_RUNTIME_DIR"
cat >"$work/keys.json" <<JSON
{"keys":[{"access_key_id":"AKIABENCHBENCHBENCH1","secret_access_key":"benchbenchbenchbenchbenchbenchbenchbench","user_name":"bench"}]}
JSON
"$bin/awsemu" --keys "$work/keys.json" --url-file "$work/url" 2>/dev/null &
emu=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
export AWS_ENDPOINT_URL_STS=$(cat "$work/url")
cat >"$SPIN_CONFIG" <<YAML
keyring:
  backend: file
  file_dir: $HOME/keyring
profiles:
  bench:
    source: bench
    role_arn: arn:aws:iam::123456789012:role/bench
YAML
"$bin/spin" daemon start >/dev/null
printf 'AKIABENCHBENCHBENCH1\nbenchbenchbenchbenchbenchbenchbenchbench\n' | "$bin/spin" keys add bench --stdin >/dev/null
"$bin/spin" credential-process bench >/dev/null # warm the session cache

echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3)"
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 20 --runs "${RUNS:-300}" --export-json "$work/h.json" \
		"$bin/bare" "$bin/spin-credential-process bench" "$bin/spin credential-process bench"
	python3 - "$work/h.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = [statistics.median(x["times"]) for x in r]
print(f"p50 bare {med[0]*1e3:.2f} ms; spin-credential-process {med[1]*1e3:.2f} ms ({med[1]/med[0]:.2f}x, target <= 2.5x); spin credential-process {med[2]*1e3:.2f} ms ({med[2]/med[0]:.2f}x)")
PY
else
	echo "hyperfine not found (make deps); falling back to a loop" >&2
	for b in "$bin/bare" "$bin/spin-credential-process bench" "$bin/spin credential-process bench"; do
		start=$(date +%s%N)
		for _ in $(seq 200); do $b >/dev/null; done
		echo "$b: $(( ($(date +%s%N) - start) / 200000 )) us/run"
	done
fi
pid=$("$bin/spin" daemon status | awk '/^pid:/ {print $2}')
echo "spind RSS after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
