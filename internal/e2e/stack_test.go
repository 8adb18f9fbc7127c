package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	demoRole   = "spin_role-cloudspin_examples-account"
	demoBucket = "spin-demo-state"
	demoKey    = "offline-demo/demo.tfstate"
)

// repoRoot is the module root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// newStackWorld is a world with OpenTofu on PATH, the demo profile written
// to ~/.aws/config, the state bucket, and a copy of examples/offline-demo
// pointed at the emulator. It returns the stack folder.
func newStackWorld(t *testing.T, o worldOptions, params string, extraEnv ...string) (*world, string) {
	t.Helper()
	tofu := filepath.Join(repoRoot(t), ".tools", "bin", "tofu")
	if _, err := os.Stat(tofu); err != nil {
		t.Fatalf("%s missing: run scripts/install-tofu.sh (make deps)", tofu)
	}
	o.profile, o.role = "assume-cloudspin_examples-account", demoRole
	w := newWorld(t, o)
	for i, kv := range w.env {
		if strings.HasPrefix(kv, "PATH=") {
			w.env[i] = "PATH=" + filepath.Dir(tofu) + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	w.env = append(w.env, extraEnv...)
	w.writeFile(w.awsConf, "")
	w.run("", "daemon", "start")
	w.addKeys()
	w.run("", "profiles", "write")
	if err := w.emu.CreateBucket(demoBucket); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(w.root, "offline-demo")
	src := filepath.Join(repoRoot(t), "examples", "offline-demo")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			w.writeFile(filepath.Join(dir, e.Name()), string(data))
		}
	}
	w.writeFile(filepath.Join(dir, "stack-instance-local.yaml"), fmt.Sprintf(
		"parameters:\n  sts_endpoint: %s\n%sterraform_backend:\n  endpoints:\n    s3: %s\n    sts: %s\n", w.url, params, w.url, w.url))
	return w, dir
}

// The walkthrough's "rake up", then "rake plan shows no changes", with
// brokered credentials and state in the emulator's S3.
func TestStackUpThenPlanShowsNoChanges(t *testing.T) {
	w, dir := newStackWorld(t, worldOptions{}, "")
	out, errOut, err := w.try("", "up", "--auto-approve", dir)
	if err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if want := wantDemoARN(); !strings.Contains(out, want) {
		t.Errorf("apply output lacks the provisioner's %s:\n%s", want, out)
	}
	assertState(t, w)
	if _, errOut, err := w.try("", "plan", "--detailed-exitcode", dir); exitCode(err) != 0 {
		t.Errorf("second plan: exit %d, want 0 (no changes)\n%s", exitCode(err), errOut)
	}
	for _, c := range w.emu.AssumeRoleCalls() {
		if c.RoleSessionName != "offline-demo-demo" {
			t.Errorf("AssumeRole with session name %q, want offline-demo-demo", c.RoleSessionName)
		}
	}
}

func wantDemoARN() string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/offline-demo-demo", account, demoRole)
}

func assertState(t *testing.T, w *world) {
	t.Helper()
	data, err := w.emu.Object(demoBucket, demoKey)
	if err != nil {
		t.Fatalf("state %s/%s: %v", demoBucket, demoKey, err)
	}
	var state struct {
		Resources []struct{ Type, Name string }
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatalf("state is not JSON: %v", err)
	}
	if len(state.Resources) != 1 || state.Resources[0].Type != "terraform_data" {
		t.Errorf("state resources = %+v, want the one terraform_data", state.Resources)
	}
}

// A 70 s apply with 20 s sessions: every AWS call in the provisioner
// succeeds, sessions refresh (>= 3 AssumeRole, all named <stack>-<group>),
// no expired token reaches the emulator, state lands in S3, tofu's
// environment never holds a secret, and no file does afterwards.
func TestLongApplyRefreshesSessions(t *testing.T) {
	const passphrase = "passphrase-never-in-tofu"
	w, dir := newStackWorld(t, worldOptions{backend: "file", defaults: "  region: us-east-1\n  duration: 20s\n  min_validity: 5s\n"},
		"  calls: 36\n  interval_seconds: 2\n", "SPIN_KEYRING_PASSPHRASE="+passphrase)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var seen int
	var leaks []string
	go func() {
		for ctx.Err() == nil {
			for pid, env := range tofuEnvirons(t) {
				mu.Lock()
				seen++
				for _, bad := range []string{"AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_ACCESS_KEY_ID=", passphrase, testSecret} {
					if bytes.Contains(env, []byte(bad)) {
						leaks = append(leaks, fmt.Sprintf("pid %d holds %.12s…", pid, bad))
					}
				}
				mu.Unlock()
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	out, errOut, err := w.try("", "up", "--auto-approve", dir)
	cancel()
	if err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if n := strings.Count(out, wantDemoARN()); n != 36 {
		t.Errorf("provisioner printed the assumed role %d times, want 36", n)
	}
	if n := w.emu.Rejections("ExpiredToken"); n != 0 {
		t.Errorf("emulator rejected %d expired tokens", n)
	}
	calls := w.emu.AssumeRoleCalls()
	if len(calls) < 3 {
		t.Errorf("AssumeRole calls = %d over a 70s apply of 20s sessions, want >= 3", len(calls))
	}
	for _, c := range calls {
		if c.RoleSessionName != "offline-demo-demo" {
			t.Errorf("session name %q, want offline-demo-demo", c.RoleSessionName)
		}
	}
	assertState(t, w)
	mu.Lock()
	if seen == 0 {
		t.Errorf("never saw a tofu process to check its environment")
	}
	for _, l := range leaks {
		t.Error(l)
	}
	mu.Unlock()
	for _, d := range []string{w.home, dir} {
		if hits := filesContaining(t, d, testSecret); len(hits) > 0 {
			t.Errorf("long-term secret in %v", hits)
		}
	}
}

// tofuEnvirons reads /proc/PID/environ of every running tofu.
func tofuEnvirons(t *testing.T) map[int][]byte {
	out := map[int][]byte{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || filepath.Base(exe) != "tofu" {
			continue
		}
		if env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ")); err == nil {
			out[pid] = env
		}
	}
	return out
}

// Bad stack input fails fast with one line naming the file or setting and
// the fix, and leaves no state behind.
func TestStackBadInput(t *testing.T) {
	w, dir := newStackWorld(t, worldOptions{}, "")
	empty := filepath.Join(w.root, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	w.writeFile(filepath.Join(dir, "environments", "stack-instance-nobucket.yaml"), "terraform_backend:\n  bucket: no-such-bucket\n")
	local := filepath.Join(dir, "stack-instance-local.yaml")
	good, _ := os.ReadFile(local)
	tests := []struct {
		name  string
		local string // replaces stack-instance-local.yaml
		args  []string
		want  []string
	}{
		{name: "no stack-instance files", args: []string{"plan", empty}, want: []string{empty}},
		{name: "type error", local: "instance: [a, b]\n", args: []string{"plan", dir}, want: []string{"stack-instance-local.yaml:1:11"}},
		{name: "unknown key", local: string(good) + "resource:\n  x: 1\n", args: []string{"plan", dir}, want: []string{"stack-instance-local.yaml:", `"resource"`}},
		{name: "missing binary", args: []string{"plan", "--tofu", "/nonexistent/tofu", dir}, want: []string{"/nonexistent/tofu"}},
		{name: "unknown profile", local: string(good) + "resources:\n  assume_role_profile: nope\n  assume_role_arn: \"\"\n", args: []string{"plan", dir}, want: []string{"nope"}},
		{name: "ARN no profile defines", local: string(good) + "resources:\n  assume_role_arn: arn:aws:iam::123456789012:role/other\n", args: []string{"plan", dir},
			want: []string{"arn:aws:iam::123456789012:role/other", "role_arn"}},
		{name: "missing bucket", args: []string{"up", "--auto-approve", "--environment", "nobucket", dir}, want: []string{"no-such-bucket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := string(good)
			if tt.local != "" {
				content = tt.local
			}
			w.writeFile(local, content)
			start := time.Now()
			_, errOut, err := w.try("", tt.args...)
			if err == nil {
				t.Fatalf("spin %v succeeded", tt.args)
			}
			// tofu's own messages may stream first; spin's verdict is one line.
			var verdicts []string
			for _, l := range strings.Split(errOut, "\n") {
				if strings.HasPrefix(l, "spin: ") && !strings.HasPrefix(l, "spin: hint: ") {
					verdicts = append(verdicts, l)
				}
			}
			if len(verdicts) != 1 {
				t.Errorf("want exactly one 'spin: ' error line, got %q in:\n%s", verdicts, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if tt.name != "missing bucket" && time.Since(start) > 10*time.Second {
				t.Errorf("took %s to fail", time.Since(start))
			}
		})
	}
	if keys, _ := w.emu.ObjectKeys(demoBucket); len(keys) != 0 {
		t.Errorf("state bucket holds %v after failed runs, want nothing", keys)
	}
	if _, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err == nil {
		t.Errorf("a local terraform.tfstate was left in the stack folder")
	}
}
