package stackrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/hint"
)

// cmds returns the command names of the recorded calls.
func cmds(f *fakeTF) []string {
	var out []string
	for _, c := range f.calls {
		out = append(out, strings.Fields(c)[0])
	}
	return out
}

func TestInitOnlyWhenBackendChanges(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	r, f := s.runner(t)
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	wantInit := "init &{reconfigure:true} &{path:bucket=state-1} &{path:key=iam-roles/kief.tfstate} &{path:region=eu-west-1} " +
		"&{path:profile=assume-cloudspin_examples-account} &{path:use_lockfile=true}"
	if f.calls[0] != wantInit {
		t.Errorf("first run:\n got %s\nwant %s", f.calls[0], wantInit)
	}
	hash, err := os.ReadFile(filepath.Join(s.dir, HashFile))
	if err != nil || strings.TrimSpace(string(hash)) != BackendHash(s.inv.BackendConfig) {
		t.Errorf("hash file: %q, %v", hash, err)
	}

	r, f = s.runner(t)
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"plan"}, cmds(f)); diff != "" {
		t.Errorf("same backend: (-want +got):\n%s", diff)
	}

	s.inv.BackendConfig[0] = "bucket=state-2"
	r, f = s.runner(t)
	f.errs["init"] = errors.New("no bucket")
	if _, err := r.Plan(ctx); err == nil {
		t.Fatal("plan ran after a failed init")
	}
	if _, err := os.Stat(filepath.Join(s.dir, HashFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed init left the hash file: %v", err)
	}
	r, f = s.runner(t)
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"init", "plan"}, cmds(f)); diff != "" {
		t.Errorf("after a failed init: (-want +got):\n%s", diff)
	}
}

func TestVarFileLifetime(t *testing.T) {
	s := newTestStack(t)
	for _, planErr := range []error{nil, errors.New("boom")} {
		r, f := s.runner(t)
		f.errs["plan"] = planErr
		seen := false
		f.during = func(cmd string, opts []string) {
			if cmd != "plan" {
				return
			}
			for _, o := range opts {
				p := optPath(o)
				if !strings.HasSuffix(p, ".tfvars.json") {
					continue
				}
				seen = true
				fi, err := os.Stat(p)
				if err != nil || fi.Mode().Perm() != 0o600 || !strings.HasPrefix(p, r.TempDir) {
					t.Errorf("var-file %s: %v, %v", p, fi, err)
				}
				if data, _ := os.ReadFile(p); string(data) != "{\n  \"api_user\": \"cloudspin_user\"\n}\n" {
					t.Errorf("var-file content %q", data)
				}
			}
		}
		_, err := r.Plan(context.Background())
		if !errors.Is(err, planErr) {
			t.Errorf("got %v, want %v", err, planErr)
		}
		if !seen {
			t.Errorf("plan got no -var-file: %v", f.calls)
		}
		if left, _ := os.ReadDir(r.TempDir); len(left) != 0 {
			t.Errorf("temp files left after the run (plan error %v): %v", planErr, left)
		}
		if diff := cmp.Diff(s.inv.Env, f.env); diff != "" {
			t.Errorf("SetEnv (-want +got):\n%s", diff)
		}
	}
}

func TestApproval(t *testing.T) {
	yes := func(context.Context, string) (bool, error) { return true, nil }
	no := func(context.Context, string) (bool, error) { return false, nil }
	cases := []struct {
		name        string
		down, auto  bool
		changes     bool
		confirm     func(context.Context, string) (bool, error)
		want        []string
		errContains string
	}{
		{"up without a terminal", false, false, true, nil, nil, "no terminal to ask on"},
		{"up auto-approved", false, true, true, nil, []string{"init", "plan", "apply"}, ""},
		{"up without changes asks nothing", false, false, false, no, []string{"init", "plan"}, ""},
		{"up, user says yes", false, false, true, yes, []string{"init", "plan", "apply"}, ""},
		{"up, user says no", false, false, true, no, []string{"init", "plan"}, "nothing changed"},
		{"down without a terminal", true, false, true, nil, nil, "no terminal to ask on"},
		{"down auto-approved", true, true, true, nil, []string{"init", "destroy"}, ""},
		{"down, user says yes", true, false, true, yes, []string{"init", "plan", "apply"}, ""},
		{"down, interrupted while asking", true, false, true, func(context.Context, string) (bool, error) {
			return false, ErrInterrupted
		}, []string{"init", "plan"}, "interrupted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStack(t)
			r, f := s.runner(t)
			f.changes, r.Confirm = tc.changes, tc.confirm
			var err error
			if tc.down {
				err = r.Down(context.Background(), tc.auto)
			} else {
				err = r.Up(context.Background(), tc.auto)
			}
			if tc.errContains == "" && err != nil || tc.errContains != "" && (err == nil || !strings.Contains(err.Error(), tc.errContains)) {
				t.Fatalf("got error %v, want one containing %q", err, tc.errContains)
			}
			if diff := cmp.Diff(tc.want, cmds(f)); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			// What is applied is exactly the plan that was shown.
			if n := len(f.calls); n > 0 && cmds(f)[n-1] == "apply" {
				plan := optPath(strings.Fields(f.calls[n-2])[1])
				if got := optPath(f.calls[n-1]); got != plan || !strings.HasSuffix(plan, ".tfplan") {
					t.Errorf("applied %q, planned %q", got, plan)
				}
				if tc.down && !strings.Contains(f.calls[n-2], "{destroy:true}") {
					t.Errorf("down planned without -destroy: %s", f.calls[n-2])
				}
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	const managed = "[profile assume-cloudspin_examples-account]\n# managed by spin: edit ~/.config/spin/config.yaml and run `spin profiles write`\n"
	cases := []struct {
		name, awsConfig, credentials string
		err                          error
		wantMsg, hint                string
	}{
		{"no spind", managed, "", fmt.Errorf("%w (socket /run/spin.sock)", hint.New("spind is not running", "run 'spin daemon start'")),
			"profile assume-cloudspin_examples-account (from resources.assume_role_arn) has no credentials: spind is not running (socket /run/spin.sock)",
			"run 'spin daemon start'"},
		{"spind's own hint", managed, "", &spindError{"no key set cloudspin_user", "run 'spin keys add cloudspin_user'"},
			"profile assume-cloudspin_examples-account (from resources.assume_role_arn) has no credentials: no key set cloudspin_user",
			"run 'spin keys add cloudspin_user'"},
		{"spind times out", managed, "", fmt.Errorf("ask spind: %w", context.DeadlineExceeded),
			"profile assume-cloudspin_examples-account (from resources.assume_role_arn) has no credentials: ask spind: context deadline exceeded",
			"check 'spin status' and spind's log"},
		{"profile not written", "[profile other]\n", "", nil,
			"profile assume-cloudspin_examples-account (from resources.assume_role_arn) is not in AWSCONFIG", "run 'spin profiles write'"},
		{"profile written by hand", "[profile assume-cloudspin_examples-account]\nrole_arn = " + arn + "\n", "", nil,
			"profile assume-cloudspin_examples-account in AWSCONFIG:1 was not written by spin, so tofu would not get spin's credentials",
			"run 'spin profiles write --force' to replace it"},
		{"static keys for the profile", managed, "[other]\n\n[assume-cloudspin_examples-account]\naws_access_key_id = AKIA\n", nil,
			"profile assume-cloudspin_examples-account also has a section in HOME/.aws/credentials:3, whose keys AWS SDKs would use instead of spin's",
			"move the keys into the keyring: spin keys import --from-credentials-file assume-cloudspin_examples-account --remove (or rename one of the two)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStack(t)
			home := filepath.Dir(s.dir)
			files := map[string]string{s.awsConfig: tc.awsConfig, filepath.Join(home, ".aws", "credentials"): tc.credentials}
			for p, data := range files {
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r, f := s.runner(t)
			res := &fakeChecker{errs: map[string]error{"assume-cloudspin_examples-account": tc.err}}
			r.Checker = res
			err := r.Up(context.Background(), true)
			want := strings.NewReplacer("AWSCONFIG", s.awsConfig, "HOME", home).Replace(tc.wantMsg)
			if err == nil || err.Error() != want || hint.Of(err) != tc.hint {
				t.Errorf("got %v (hint %q)\nwant %q (hint %q)", err, hint.Of(err), want, tc.hint)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("got %v, want it to wrap %v", err, tc.err)
			}
			if len(f.calls) > 0 || f.env != nil {
				t.Errorf("tofu ran after a failed preflight: %v", f.calls)
			}
		})
	}
	s := newTestStack(t)
	r, _ := s.runner(t)
	res := &fakeChecker{}
	r.Checker = res
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"assume-cloudspin_examples-account iam-roles-kief"}, res.asked); diff != "" {
		t.Errorf("asked spind (-want +got):\n%s", diff)
	}
}

func TestTofuErrors(t *testing.T) {
	exitErr := exec.Command("sh", "-c", "exit 3").Run()
	canceled := context.Canceled
	for _, tc := range []struct {
		err  error
		want string
		is   error
	}{
		{exitErr, "tofu plan failed (exit status 3); its messages are above", nil},
		{canceled, "interrupted: tofu plan was stopped", ErrInterrupted},
		{errors.New("fork failed"), "tofu plan: fork failed", nil},
	} {
		s := newTestStack(t)
		r, f := s.runner(t)
		f.errs["plan"] = tc.err
		_, err := r.Plan(context.Background())
		if err == nil || err.Error() != tc.want || tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("got %v, want %s", err, tc.want)
		}
		var ee *ExitError
		if errors.As(tc.err, new(*exec.ExitError)) && (!errors.As(err, &ee) || ee.Code != 3) {
			t.Errorf("got %#v, want an ExitError with code 3", err)
		}
	}
}

// spindError is an answer of spind's: a message and its own next step.
type spindError struct{ msg, hint string }

func (e *spindError) Error() string { return e.msg }
func (e *spindError) Hint() string  { return e.hint }

// Ctrl-C while spind is asked (say, while it waits for an MFA code) must
// reach the CLI as context.Canceled, not as text.
func TestPreflightCancelled(t *testing.T) {
	s := newTestStack(t)
	r, f := s.runner(t)
	r.Checker = &fakeChecker{errs: map[string]error{"assume-cloudspin_examples-account": fmt.Errorf("ask spind: %w", context.Canceled)}}
	err := r.Up(context.Background(), true)
	if !errors.Is(err, context.Canceled) || len(f.calls) > 0 {
		t.Errorf("got %v after %v; want context.Canceled and no tofu", err, f.calls)
	}
}

func TestInitFailureHint(t *testing.T) {
	s := newTestStack(t)
	r, f := s.runner(t)
	f.errs["init"] = exec.Command("sh", "-c", "exit 1").Run()
	_, err := r.Plan(context.Background())
	var he *hint.Error
	if !errors.As(err, &he) || he.Error() != "tofu init failed (exit status 1); its messages are above" ||
		!strings.Contains(he.Hint(), "spin plan --show-config") {
		t.Errorf("got %v", err)
	}
	if diff := cmp.Diff([]string{"init"}, cmds(f)); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
