package stackrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/hint"
)

// tfexecEnv are the variables terraform-exec itself sets for tofu, beside
// the environment spin gives it.
var tfexecEnv = []string{"CHECKPOINT_DISABLE", "TF_APPEND_USER_AGENT", "TF_IN_AUTOMATION", "TF_LOG", "TF_LOG_CORE", "TF_LOG_PATH", "TF_LOG_PROVIDER"}

func TestInitOnlyWhenBackendChanges(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	r, f, _ := s.runner(t)
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	if diff := cmp.Diff([]string{"version", "init", "plan"}, commands(calls)); diff != "" {
		t.Errorf("first run (-want +got):\n%s", diff)
	}
	// A new instance's state is never migrated into: -reconfigure, and
	// exactly spin's backend settings.
	init := call(t, calls, "init")
	want := []string{"bucket=state-1", "key=iam-roles/kief.tfstate", "region=eu-west-1", "profile=assume-cloudspin_examples-account", "use_lockfile=true"}
	if diff := cmp.Diff(want, init.flag("-backend-config")); diff != "" || !init.has("-reconfigure") {
		t.Errorf("init %v: -reconfigure %v, -backend-config (-want +got):\n%s", init.Args, init.has("-reconfigure"), diff)
	}
	hash, err := os.ReadFile(filepath.Join(s.dir, HashFile))
	if err != nil || strings.TrimSpace(string(hash)) != BackendHash(s.inv.BackendConfig) {
		t.Errorf("hash file: %q, %v", hash, err)
	}

	r, f, _ = s.runner(t)
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"plan"}, commands(f.calls())); diff != "" {
		t.Errorf("same backend: (-want +got):\n%s", diff)
	}

	s.inv.BackendConfig[0] = "bucket=state-2"
	r, f, _ = s.runner(t)
	f.script(tofuScript{Exit: map[string]int{"init": 1}})
	if _, err := r.Plan(ctx); err == nil {
		t.Fatal("plan ran after a failed init")
	}
	if diff := cmp.Diff([]string{"version", "init"}, commands(f.calls())); diff != "" {
		t.Errorf("failed init (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(s.dir, HashFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed init left the hash file: %v", err)
	}
	r, f, _ = s.runner(t)
	if _, err := r.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	calls = f.calls()
	if diff := cmp.Diff([]string{"version", "init", "plan"}, commands(calls)); diff != "" {
		t.Errorf("after a failed init: (-want +got):\n%s", diff)
	}
	if got := call(t, calls, "init").flag("-backend-config")[0]; got != "bucket=state-2" {
		t.Errorf("init after the change: -backend-config=%s", got)
	}
}

// What tofu gets: the stack's folder, spin's environment and nothing
// secret of the parent's, and the parameters in a private var-file that
// is gone after the run, whether tofu succeeded or not.
func TestWhatTofuGets(t *testing.T) {
	s := newTestStack(t)
	for _, planExit := range []int{0, 1} {
		r, f, out := s.runner(t)
		if planExit != 0 {
			f.script(tofuScript{Exit: map[string]int{"plan": planExit}})
		}
		_, err := r.Plan(context.Background())
		if (err != nil) != (planExit != 0) {
			t.Errorf("plan exiting %d: %v", planExit, err)
		}
		calls := f.calls()
		plan := call(t, calls, "plan")
		files := plan.flag("-var-file")
		if len(files) != 1 {
			t.Fatalf("plan %v: want one -var-file", plan.Args)
		}
		vf := plan.VarFiles[files[0]]
		if !strings.HasPrefix(files[0], r.TempDir+string(filepath.Separator)) || vf.Mode != 0o600 ||
			vf.Data != "{\n  \"api_user\": \"cloudspin_user\"\n}\n" {
			t.Errorf("var-file %s: %+v", files[0], vf)
		}
		if left, _ := os.ReadDir(r.TempDir); len(left) != 0 {
			t.Errorf("temp files left after the run (plan exit %d): %v", planExit, left)
		}
		wantEnv := slices.Sorted(func(yield func(string) bool) {
			for k := range s.inv.Env {
				if !yield(k) {
					return
				}
			}
			for _, k := range tfexecEnv {
				if _, ok := s.inv.Env[k]; !ok && !yield(k) {
					return
				}
			}
		})
		for _, c := range calls {
			if c.Dir != s.dir {
				t.Errorf("tofu %s ran in %s, want the stack folder %s", c.Args[0], c.Dir, s.dir)
			}
			if diff := cmp.Diff(wantEnv, c.Env); diff != "" {
				t.Errorf("tofu %s's environment names (-want +got):\n%s", c.Args[0], diff)
			}
			if len(c.Leaked) > 0 {
				t.Errorf("tofu %s got a secret of spin's environment: %v", c.Args[0], c.Leaked)
			}
		}
		// terraform-exec asks version -json; the user never sees it.
		if strings.Contains(out.String(), "terraform_version") {
			t.Errorf("the user's stdout got tofu's version JSON: %q", out)
		}
	}
	// The fake does see secrets it is given, so the checks above can fail.
	s.inv.Env["LEAK_CHECK"] = parent["AWS_SECRET_ACCESS_KEY"]
	defer delete(s.inv.Env, "LEAK_CHECK")
	r, f, _ := s.runner(t)
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := call(t, f.calls(), "plan"); !slices.Contains(c.Leaked, "env LEAK_CHECK") {
		t.Errorf("the fake missed a secret in the environment: %v", c.Leaked)
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
		{"up auto-approved", false, true, true, nil, []string{"version", "init", "plan", "apply"}, ""},
		{"up without changes asks nothing", false, false, false, no, []string{"version", "init", "plan"}, ""},
		{"up, user says yes", false, false, true, yes, []string{"version", "init", "plan", "apply"}, ""},
		{"up, user says no", false, false, true, no, []string{"version", "init", "plan"}, "nothing changed"},
		{"down without a terminal", true, false, true, nil, nil, "no terminal to ask on"},
		{"down auto-approved", true, true, true, nil, []string{"version", "init", "destroy"}, ""},
		{"down, user says yes", true, false, true, yes, []string{"version", "init", "plan", "apply"}, ""},
		{"down, interrupted while asking", true, false, true, func(context.Context, string) (bool, error) {
			return false, ErrInterrupted
		}, []string{"version", "init", "plan"}, "interrupted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStack(t)
			r, f, _ := s.runner(t)
			f.script(tofuScript{Changes: tc.changes})
			r.Confirm = tc.confirm
			var err error
			if tc.down {
				err = r.Down(context.Background(), tc.auto)
			} else {
				err = r.Up(context.Background(), tc.auto)
			}
			if tc.errContains == "" && err != nil || tc.errContains != "" && (err == nil || !strings.Contains(err.Error(), tc.errContains)) {
				t.Fatalf("got error %v, want one containing %q", err, tc.errContains)
			}
			calls := f.calls()
			if diff := cmp.Diff(tc.want, commands(calls)); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if slices.Contains(tc.want, "destroy") {
				if d := call(t, calls, "destroy"); len(d.flag("-var-file")) != 1 || !d.has("-auto-approve") {
					t.Errorf("destroy %v: want -auto-approve and the parameters", d.Args)
				}
			}
			if !slices.Contains(tc.want, "apply") {
				return
			}
			// What is applied is exactly the plan that was shown.
			plan, apply := call(t, calls, "plan"), call(t, calls, "apply")
			out := plan.flag("-out")
			if len(out) != 1 || !strings.HasSuffix(out[0], ".tfplan") || apply.Args[len(apply.Args)-1] != out[0] {
				t.Errorf("planned %v, applied %v", plan.Args, apply.Args)
			}
			if plan.has("-destroy") != tc.down {
				t.Errorf("down %v, plan %v", tc.down, plan.Args)
			}
			if len(apply.flag("-var-file")) != 0 {
				t.Errorf("apply of a saved plan got variables: %v", apply.Args)
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
			r, f, _ := s.runner(t)
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
			if calls := f.calls(); len(calls) > 0 {
				t.Errorf("tofu ran after a failed preflight: %v", commands(calls))
			}
		})
	}
	s := newTestStack(t)
	r, _, _ := s.runner(t)
	res := &fakeChecker{}
	r.Checker = res
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"assume-cloudspin_examples-account iam-roles-kief"}, res.asked); diff != "" {
		t.Errorf("asked spind (-want +got):\n%s", diff)
	}
}

func TestTofuExitCode(t *testing.T) {
	s := newTestStack(t)
	r, f, _ := s.runner(t)
	f.script(tofuScript{Exit: map[string]int{"plan": 3}})
	_, err := r.Plan(context.Background())
	var ee *ExitError
	if err == nil || err.Error() != "tofu plan failed (exit status 3); its messages are above" || !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("got %#v, want an ExitError with code 3", err)
	}
}

// Ctrl-C during a long apply reaches tofu as SIGINT (so it stops cleanly
// and releases the state lock) and spin says it was interrupted.
func TestTofuInterrupted(t *testing.T) {
	s := newTestStack(t)
	r, f, _ := s.runner(t)
	f.script(tofuScript{Changes: true, Hang: "apply"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Up(ctx, true) }()
	log := filepath.Join(f.dir, tofuLogFile)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if data, _ := os.ReadFile(log); strings.Contains(string(data), `"Args":["apply"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("tofu apply never started")
		}
	}
	cancel()
	err := <-done
	if !errors.Is(err, ErrInterrupted) || err.Error() != "interrupted: tofu apply was stopped" {
		t.Errorf("got %v, want interrupted: tofu apply was stopped", err)
	}
	calls := f.calls()
	if last := calls[len(calls)-1]; last.Signal != "interrupt" {
		t.Errorf("tofu was not sent SIGINT: %+v", last)
	}
}

func TestTfError(t *testing.T) {
	if err := tfError("plan", errors.New("fork failed")); err == nil || err.Error() != "tofu plan: fork failed" {
		t.Errorf("got %v", err)
	}
	if err := tfError("plan", fmt.Errorf("x: %w", context.Canceled)); !errors.Is(err, ErrInterrupted) {
		t.Errorf("got %v, want ErrInterrupted", err)
	}
	exitErr := exec.Command("sh", "-c", "exit 3").Run()
	var ee *ExitError
	if err := tfError("apply", exitErr); !errors.As(err, &ee) || ee.Code != 3 || ee.Command != "apply" {
		t.Errorf("got %#v", err)
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
	r, f, _ := s.runner(t)
	r.Checker = &fakeChecker{errs: map[string]error{"assume-cloudspin_examples-account": fmt.Errorf("ask spind: %w", context.Canceled)}}
	err := r.Up(context.Background(), true)
	if calls := f.calls(); !errors.Is(err, context.Canceled) || len(calls) > 0 {
		t.Errorf("got %v after %v; want context.Canceled and no tofu", err, commands(calls))
	}
}

func TestInitFailureHint(t *testing.T) {
	for _, tc := range []struct{ name, stderr, err, hint string }{
		{"any failure", "Error: something\n", "tofu init failed (exit status 1); its messages are above", "spin plan --show-config"},
		{"missing bucket", "Error: S3 bucket does not exist.\n", `terraform_backend.bucket "state-1" does not exist (set at `, "create the state bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStack(t)
			r, f, out := s.runner(t)
			f.script(tofuScript{Exit: map[string]int{"init": 1}, Stderr: map[string]string{"init": tc.stderr}})
			_, err := r.Plan(context.Background())
			var he *hint.Error
			if !errors.As(err, &he) || !strings.HasPrefix(he.Error(), tc.err) || !strings.Contains(he.Hint(), tc.hint) {
				t.Errorf("got %v (hint %q)", err, hint.Of(err))
			}
			if diff := cmp.Diff([]string{"version", "init"}, commands(f.calls())); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if !strings.Contains(out.String(), tc.stderr) {
				t.Errorf("the user did not see tofu's message: %q", out)
			}
		})
	}
}

// Output returns tofu's outputs without copying the JSON to the user.
func TestOutput(t *testing.T) {
	s := newTestStack(t)
	r, f, out := s.runner(t)
	f.script(tofuScript{Outputs: []byte(`{"account_role_arn":{"sensitive":false,"type":"string","value":"` + arn + `"}}`)})
	got, err := r.Output(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if string(got["account_role_arn"].Value) != `"`+arn+`"` {
		t.Errorf("outputs: %v", got)
	}
	if o := call(t, f.calls(), "output"); !o.has("-json") {
		t.Errorf("output %v: want -json", o.Args)
	}
	if strings.Contains(out.String(), arn) {
		t.Errorf("the user's stdout got the outputs' JSON: %q", out)
	}
}
