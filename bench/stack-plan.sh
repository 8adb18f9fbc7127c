#!/usr/bin/env bash
# spin's overhead on a plan: `spin plan` (config merge, profile mapping,
# preflight through spind, var-file, init check, terraform-exec) against
# bare `tofu plan` with the same environment, var-file and initialised
# backend, on examples/offline-demo with state in the emulator's S3.
# Target: overhead <= 3 % or <= 150 ms.   bench/stack-plan.sh  (hyperfine)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/spin-planbench.XXXXXX)
bin=$work/bin
trap '"$bin/spin" daemon stop >/dev/null 2>&1 || true; kill $emu 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$top"
[ -x .tools/bin/tofu ] || scripts/install-tofu.sh
for b in spin spind spin-credential-process; do go build -o "$bin/$b" ./cmd/$b; done
go build -o "$bin/awsemu" ./internal/awsemu/cmd/awsemu

export HOME=$work/home XDG_RUNTIME_DIR=$work/run SPIN_KEYRING_PASSPHRASE=bench-keyring-passphrase DBUS_SESSION_BUS_ADDRESS=disabled:
export AWS_CONFIG_FILE=$HOME/.aws/config AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials
export PATH=$top/.tools/bin:$PATH TF_CLI_CONFIG_FILE=
mkdir -p -m 700 "$HOME" "$XDG_RUNTIME_DIR" "$HOME/.config/spin"
cat >"$work/keys.json" <<JSON
{"keys":[{"access_key_id":"AKIABENCHBENCHBENCH1","secret_access_key":"benchbenchbenchbenchbenchbenchbenchbench","user_name":"bench"}]}
JSON
"$bin/awsemu" --keys "$work/keys.json" --url-file "$work/url" --bucket spin-demo-state 2>/dev/null &
emu=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(cat "$work/url")
export AWS_ENDPOINT_URL_STS=$url
cat >"$HOME/.config/spin/config.yaml" <<YAML
keyring:
  backend: file
profiles:
  assume-cloudspin_examples-account:
    source: bench
    role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
    region: us-east-1
YAML
"$bin/spin" daemon start >/dev/null
printf 'AKIABENCHBENCHBENCH1\nbenchbenchbenchbenchbenchbenchbenchbench\n' | "$bin/spin" keys add bench --stdin >/dev/null
"$bin/spin" profiles write >/dev/null
stack=$work/offline-demo
cp -r examples/offline-demo "$stack"
printf 'parameters:\n  sts_endpoint: %s\nterraform_backend:\n  endpoints:\n    s3: %s\n    sts: %s\n' "$url" "$url" "$url" >"$stack/stack-instance-local.yaml"
"$bin/spin" up --auto-approve "$stack" >"$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }
printf '{"sts_endpoint":"%s","calls":1,"interval_seconds":2}\n' "$url" >"$work/vars.json"

echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), $(tofu version | head -1)"
# The same environment spin gives tofu (stackrun's explicit map).
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$work/h.json" \
	"env -i PATH=$PATH HOME=$HOME AWS_CONFIG_FILE=$AWS_CONFIG_FILE AWS_PROFILE=assume-cloudspin_examples-account AWS_REGION=us-east-1 SPIN_SESSION_NAME=offline-demo-demo XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR TF_IN_AUTOMATION=1 tofu -chdir=$stack plan -input=false -lock=true -var-file=$work/vars.json" \
	"$bin/spin plan $stack"
python3 - "$work/h.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = [statistics.median(x["times"]) for x in r]
d = med[1] - med[0]
print(f"p50 tofu plan {med[0]*1e3:.0f} ms, spin plan {med[1]*1e3:.0f} ms: overhead {d*1e3:.0f} ms ({d/med[0]*100:.1f} %) (target <= 3 % or <= 150 ms)")
PY
