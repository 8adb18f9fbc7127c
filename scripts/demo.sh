#!/usr/bin/env bash
# make demo: spin's main job end to end, offline, in a throwaway HOME.
# The STS emulator stands in for AWS; the keys live in a real Secret Service
# (gnome-keyring in a private D-Bus session) or, without one, in spin's
# encrypted file keyring; the AWS CLI v2 gets an assumed-role session through
# credential_process, and `spin up` applies an OpenTofu stack whose state
# lands in the emulator's S3. Nothing is left running afterwards.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin

if [ "${SPIN_DEMO_INSIDE_BUS:-}" != 1 ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
	root=$(mktemp -d /tmp/spin-demo.XXXXXX)
	mkdir -m 700 "$root/home" "$root/run"
	# gnome-keyring needs its own HOME and XDG_RUNTIME_DIR, then an unlock.
	export HOME=$root/home XDG_RUNTIME_DIR=$root/run SPIN_DEMO_ROOT=$root SPIN_DEMO_INSIDE_BUS=1
	exec dbus-run-session -- "$0" "$@"
fi

root=${SPIN_DEMO_ROOT:-$(mktemp -d /tmp/spin-demo.XXXXXX)}
export HOME=$root/home XDG_RUNTIME_DIR=$root/run
mkdir -p -m 700 "$HOME" "$XDG_RUNTIME_DIR"
export SPIN_CONFIG=$HOME/.config/spin/config.yaml
export AWS_CONFIG_FILE=$HOME/.aws/config AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials
export AWS_EC2_METADATA_DISABLED=true
step() { printf '==> %s\n' "$*"; }

pids=()
cleanup() {
	"$bin/spin" daemon stop >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "${GKR_PID:-}" ] && kill "$GKR_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$root"
}
trap cleanup EXIT

backend=file
if [ "${SPIN_DEMO_INSIDE_BUS:-}" = 1 ]; then
	pw=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	eval "$(printf %s "$pw" | gnome-keyring-daemon --unlock --components=secrets)"
	for _ in $(seq 50); do
		dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break
		sleep 0.1
	done
	backend=secret-service
	step "keyring: gnome-keyring Secret Service in a private D-Bus session"
else
	export SPIN_KEYRING_PASSPHRASE=demo-passphrase-$RANDOM
	step "keyring: no Secret Service here; using spin's encrypted file keyring"
fi

# A fresh IAM user key pair that only this emulator knows.
rand() { head -c 64 /dev/urandom | base64 | tr -dc "$1" | head -c "$2"; }
key_id=AKIA$(rand 'A-Z0-9' 16)
key_secret=$(rand 'A-Za-z0-9' 40)
cat >"$root/keys.json" <<JSON
{"keys":[{"access_key_id":"$key_id","secret_access_key":"$key_secret","user_name":"cloudspin_user","account":"123456789012"}]}
JSON
"$bin/awsemu" --keys "$root/keys.json" --url-file "$root/url" --bucket spin-demo-state 2>"$root/awsemu.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$root/url" ] && break; sleep 0.05; done
url=$(cat "$root/url")
export AWS_ENDPOINT_URL_STS=$url # for the tools below; spind reads endpoints: in config.yaml
rm "$root/keys.json" # the emulator has read them; no plaintext key stays on disk
step "emulator: STS and S3 (state bucket spin-demo-state) with SigV4 checks at $url"

mkdir -p "$(dirname "$SPIN_CONFIG")"
cat >"$SPIN_CONFIG" <<YAML
keyring:
  backend: $backend
endpoints:
  sts: $url
defaults:
  region: eu-west-1
profiles:
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
YAML
step "config: profile assume-cloudspin_examples-account in $SPIN_CONFIG"

"$bin/spin" daemon start | sed 's/^/    /'
step "spind started"

printf '%s\n%s\n' "$key_id" "$key_secret" | "$bin/spin" keys add cloudspin_user --stdin | sed 's/^/    /'
unset key_secret
step "keys: cloudspin_user stored in the $backend keyring"

"$bin/spin" profiles write | sed 's/^/    /'
step "aws config: spin profiles write rendered the credential_process profile into $AWS_CONFIG_FILE"
sed 's/^/    /' "$AWS_CONFIG_FILE"

if [ -x /usr/bin/aws ]; then
	arn=$(/usr/bin/aws sts get-caller-identity --profile assume-cloudspin_examples-account \
		--endpoint-url "$url" --query Arn --output text)
	step "AWS CLI v2 via credential_process: $arn"
else
	step "no /usr/bin/aws (run 'make deps'); asking through the helper instead"
	"$bin/spin" credential-process assume-cloudspin_examples-account | sed 's/"SecretAccessKey":"[^"]*"/"SecretAccessKey":"…"/; s/"SessionToken":"[^"]*"/"SessionToken":"…"/'
fi

stack=$root/offline-demo
cp -r "$top/examples/offline-demo" "$stack"
cat >"$stack/stack-instance-local.yaml" <<YAML
parameters:
  sts_endpoint: $url
terraform_backend:
  endpoints:
    s3: $url
    sts: $url
YAML
export PATH=$top/.tools/bin:$PATH TF_CLI_CONFIG_FILE=
"$bin/spin" up --auto-approve "$stack" 2>&1 | grep -E 'local-exec\): arn|Apply complete' | sed 's/^/    /'
step "spin up: OpenTofu applied examples/offline-demo with brokered credentials; state is in the emulator's S3"
set +e
"$bin/spin" plan --detailed-exitcode "$stack" >/dev/null 2>&1
code=$?
set -e
[ "$code" -eq 0 ] || { echo "demo: second plan exited $code, want 0 (no changes)" >&2; exit 1; }
step "spin plan --detailed-exitcode: no changes"

"$bin/spin" status | sed 's/^/    /'
if grep -rqs -- "$key_id" "$HOME/.aws" "$SPIN_CONFIG" "$stack"; then
	echo "demo: the key id leaked into a file" >&2
	exit 1
fi
step "no key in ~/.aws, spin's config or the stack folder; stopping spind and the emulator"
