package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
)

// ciWorld is a CI runner: no keyring configured, no D-Bus, no AWS key
// anywhere; a GitHub Actions-like OIDC issuer the emulator trusts for
// pushes to cloudspin/spin's main, and a job environment holding the
// token request GitHub gives jobs with `permissions: id-token: write`.
type ciWorld struct {
	*world
	iss      *awsemu.Issuer
	stack    string
	reqToken string
}

const ciRoleARN = "arn:aws:iam::" + account + ":role/" + demoRole

func newCIWorld(t *testing.T, tokenLifetime time.Duration, defaults string, params string) *ciWorld {
	t.Helper()
	tofu := filepath.Join(repoRoot(t), ".tools", "bin", "tofu")
	if _, err := os.Stat(tofu); err != nil {
		t.Fatalf("%s missing: run scripts/install-tofu.sh (make deps)", tofu)
	}
	// backend "file" only keeps newWorld from requiring Secret Service;
	// the config written below has no keyring section at all.
	w := newWorld(t, worldOptions{backend: "file"})
	iss, err := awsemu.NewIssuer(nil, tokenLifetime)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss)
	t.Cleanup(srv.Close)
	iss.SetURL(srv.URL)
	w.emu.AddOIDCProvider(awsemu.OIDCProvider{URL: srv.URL, ClientIDs: []string{"sts.amazonaws.com"}})
	w.emu.TrustWebIdentity(awsemu.WebIdentityTrust{RoleARN: ciRoleARN, Federated: srv.URL,
		Subjects: []string{"repo:cloudspin/spin:ref:refs/heads/main"}, Audience: "sts.amazonaws.com"})

	w.writeFile(w.config, fmt.Sprintf(`defaults:
%ssources:
  ci:
    web_identity:
      github_actions: true
profiles:
  deploy:
    source: ci
    role_arn: %s
endpoints:
  sts: %s
`, defaults, ciRoleARN, w.url))
	reqURL, reqToken := iss.GitHubRequest()
	var env []string
	for _, kv := range w.env {
		switch {
		case strings.HasPrefix(kv, "PATH="):
			env = append(env, "PATH="+filepath.Dir(tofu)+":"+strings.TrimPrefix(kv, "PATH="))
		case strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS="):
			// No session bus: a connection attempt fails at once.
			env = append(env, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(w.root, "no-bus"))
		default:
			env = append(env, kv)
		}
	}
	w.env = append(env, "GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=cloudspin/spin", "GITHUB_RUN_ID=9876543210",
		"ACTIONS_ID_TOKEN_REQUEST_URL="+reqURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN="+reqToken)
	w.writeFile(w.awsConf, "")
	w.run("", "profiles", "write")
	if err := w.emu.CreateBucket(demoBucket); err != nil {
		t.Fatal(err)
	}
	stack := filepath.Join(w.root, "offline-demo")
	src := filepath.Join(repoRoot(t), "examples", "offline-demo")
	for _, name := range []string{"main.tf", "variables.tf", "stack-instance-defaults.yaml", "environments/stack-instance-ci.yaml"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		w.writeFile(filepath.Join(stack, name), string(data))
	}
	w.writeFile(filepath.Join(stack, "stack-instance-local.yaml"), fmt.Sprintf(
		"parameters:\n  sts_endpoint: %s\n%sterraform_backend:\n  endpoints:\n    s3: %s\n    sts: %s\n", w.url, params, w.url, w.url))
	return &ciWorld{world: w, iss: iss, stack: stack, reqToken: reqToken}
}

// ciSessionName is the traceable session name: repository and run id.
const ciSessionName = "gh-cloudspin.spin-9876543210"

// spindLog is what spind wrote to its log file.
func (w *ciWorld) spindLog(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.home, ".local", "state", "spin", "spind.log"))
	if err != nil {
		t.Fatalf("spind's log: %v", err)
	}
	return string(data)
}

// assertNoKeyringAndNoToken checks that spind never opened a keyring and
// that no token (nor the job's request token) is in a file under HOME,
// spind's log included, or in the stack folder.
func (w *ciWorld) assertNoKeyringAndNoToken(t *testing.T) {
	t.Helper()
	log := w.spindLog(t)
	if strings.Contains(log, "keyring opened") {
		t.Error("spind opened a keyring for a web_identity-only config")
	}
	if _, err := os.Stat(filepath.Join(w.home, "keyring")); err == nil {
		t.Error("a keyring directory appeared")
	}
	secrets := append(w.iss.Signatures(), w.reqToken)
	for _, s := range secrets {
		for _, d := range []string{w.home, w.stack} {
			if hits := filesContaining(t, d, s); len(hits) > 0 {
				t.Errorf("an OIDC token or the request token is in %v", hits)
			}
		}
	}
}

// Issue 14, 1: `spin up --environment ci --auto-approve` on a runner with
// no keyring, no D-Bus and no key: state in S3, a traceable session name,
// and a second plan with no changes.
func TestCIUpWithWebIdentity(t *testing.T) {
	w := newCIWorld(t, 5*time.Minute, "  region: us-east-1\n", "")
	out, errOut, err := w.try("", "up", "--environment", "ci", "--auto-approve", w.stack)
	if err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	wantARN := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, demoRole, ciSessionName)
	if !strings.Contains(out, wantARN) {
		t.Errorf("apply output lacks %s:\n%s", wantARN, out)
	}
	// The one line a CI log shows about credentials.
	wantOrigin := "spin up: credentials for resources.assume_role_profile: profile deploy, role " + ciRoleARN +
		", from web_identity source ci (GitHub Actions' OIDC token)"
	if !strings.Contains(errOut, wantOrigin+"\n") {
		t.Errorf("stderr lacks the credentials line %q:\n%s", wantOrigin, errOut)
	}
	assertState(t, w.world)
	if _, errOut, err := w.try("", "plan", "--environment", "ci", "--detailed-exitcode", w.stack); exitCode(err) != 0 {
		t.Errorf("second plan: exit %d, want 0 (no changes)\n%s", exitCode(err), errOut)
	}
	calls := w.emu.WebIdentityCalls()
	if len(calls) == 0 {
		t.Fatal("no AssumeRoleWithWebIdentity call")
	}
	for _, c := range calls {
		if c.RoleSessionName != ciSessionName || c.Subject != "repo:cloudspin/spin:ref:refs/heads/main" {
			t.Errorf("session %q for sub %q, want %q for main", c.RoleSessionName, c.Subject, ciSessionName)
		}
	}
	if n := len(w.emu.AssumeRoleCalls()); n != 0 {
		t.Errorf("%d AssumeRole calls: nothing should have used a key", n)
	}
	w.assertNoKeyringAndNoToken(t)
}

// Issue 14, 2: tokens that live 15 s, sessions 20 s, a 70 s apply calling
// AWS every 2 s: no call fails, every session was made with a token minted
// for it, and no expired token ever reached the emulator.
func TestCILongApplyFreshTokenPerSession(t *testing.T) {
	w := newCIWorld(t, 15*time.Second, "  region: us-east-1\n  duration: 20s\n  min_validity: 5s\n",
		"  calls: 36\n  interval_seconds: 2\n")
	// 36 calls 2 s apart take 70 s; a loaded machine stretches each AWS CLI
	// start, so allow more than w.try does.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := w.command(ctx, w.spin, "up", "--environment", "ci", "--auto-approve", w.stack)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	wantARN := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, demoRole, ciSessionName)
	if n := strings.Count(out, wantARN); n != 36 {
		t.Errorf("provisioner printed the assumed role %d times, want 36", n)
	}
	calls := w.emu.WebIdentityCalls()
	if len(calls) < 3 {
		t.Errorf("%d sessions over a 70s apply of 20s sessions, want >= 3", len(calls))
	}
	seen := map[string]bool{}
	for _, c := range calls {
		if seen[c.TokenID] {
			t.Errorf("token %s was used for two sessions", c.TokenID)
		}
		seen[c.TokenID] = true
	}
	if minted := w.iss.Minted(); minted < len(calls) {
		t.Errorf("tokens minted %d < sessions made %d", minted, len(calls))
	}
	for _, code := range []string{"ExpiredToken", "ExpiredTokenException", "InvalidIdentityToken"} {
		if n := w.emu.Rejections(code); n != 0 {
			t.Errorf("emulator answered %s %d times", code, n)
		}
	}
	assertState(t, w.world)
	w.assertNoKeyringAndNoToken(t)
}

// Issue 14, 3 (the CLI's part): a job without `permissions: id-token:
// write` has no ACTIONS_ID_TOKEN_REQUEST_TOKEN; spin says so and the fix,
// and tofu never starts. A token for the wrong audience fails the helper
// with one line naming the audience and the fix.
func TestCIRefusals(t *testing.T) {
	w := newCIWorld(t, 5*time.Minute, "  region: us-east-1\n", "")
	full := w.env
	w.env = nil
	for _, kv := range full {
		if !strings.HasPrefix(kv, "ACTIONS_ID_TOKEN_REQUEST_TOKEN=") {
			w.env = append(w.env, kv)
		}
	}
	_, errOut, err := w.try("", "plan", "--environment", "ci", w.stack)
	want := "spin: profile deploy (from resources.assume_role_profile) has no credentials: source ci uses GitHub Actions' OIDC token, " +
		"but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set: the job may not request OIDC tokens\nspin: hint: add `permissions: id-token: write` to the job\n"
	if err == nil || !strings.HasSuffix(errOut, want) {
		t.Errorf("got %v, stderr:\n%s\nwant it to end with:\n%s", err, errOut, want)
	}
	if _, err := os.Stat(filepath.Join(w.stack, ".terraform")); err == nil {
		t.Error("tofu ran (init) although the credentials check failed")
	}

	// The wrong audience, through the helper: exactly one line.
	w.env = full
	w.writeFile(w.config, strings.Replace(readWorldFile(t, w.config), "github_actions: true", "github_actions: true\n      audience: https://github.com/cloudspin", 1))
	_, _, _ = w.try("", "exec", "deploy", "--", "true") // hands spind the job's token request, then fails
	_, errOut, err = w.helper("deploy")
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(lines[0], `audience "https://github.com/cloudspin" is not a client id`) ||
		!strings.Contains(lines[0], "set audience: in source ci") {
		t.Errorf("helper: %v, stderr %q; want one line naming the audience and the fix", err, errOut)
	}
}

// A runner has no session bus. The keyring library spind links dials one
// when spind starts and, finding none, would run dbus-launch and leave a
// dbus-daemon behind; spin starts spind with "no bus" instead, so a
// web_identity-only config touches no D-Bus at all.
func TestCINoDBusLaunched(t *testing.T) {
	w := newCIWorld(t, time.Hour, "", "")
	fakebin := filepath.Join(w.root, "fakebin")
	ran := filepath.Join(w.root, "dbus-launch-ran")
	w.writeFile(filepath.Join(fakebin, "dbus-launch"), "#!/bin/sh\necho \"$@\" >>"+ran+"\nexit 1\n")
	if err := os.Chmod(filepath.Join(fakebin, "dbus-launch"), 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range w.env {
		switch {
		case strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS="):
		case strings.HasPrefix(kv, "PATH="):
			env = append(env, "PATH="+fakebin+":"+strings.TrimPrefix(kv, "PATH="))
		default:
			env = append(env, kv)
		}
	}
	w.env = env

	if out, errOut, err := w.try("", "exec", "deploy", "--", "true"); err != nil {
		t.Fatalf("spin exec: %v\n%s%s", err, out, errOut)
	}
	pids := w.daemons()
	if len(pids) != 1 {
		t.Fatalf("spind processes %v, want 1", pids)
	}
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pids[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains("\x00"+string(environ)+"\x00", "\x00DBUS_SESSION_BUS_ADDRESS=disabled:\x00") {
		t.Errorf("spind's environment has no DBUS_SESSION_BUS_ADDRESS=disabled:")
	}
	if data, err := os.ReadFile(ran); err == nil {
		t.Errorf("dbus-launch ran when spind started: %q", data)
	}
	w.assertNoKeyringAndNoToken(t)
}
