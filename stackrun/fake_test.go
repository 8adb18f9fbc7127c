package stackrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
)

// fakeTF records the runner's calls to tofu. Options are opaque structs;
// their %+v form is enough to see which they are and their paths.
type fakeTF struct {
	calls   []string // "plan &{path:/tmp/...} ...": one per call
	env     map[string]string
	stdout  io.Writer
	stderr  io.Writer
	changes bool             // what Plan reports
	errs    map[string]error // per command
	// during is called inside each command, e.g. to look at temp files.
	during  func(cmd string, opts []string)
	outputs map[string]tfexec.OutputMeta
}

func (f *fakeTF) record(cmd string, opts ...any) error {
	var s []string
	for _, o := range opts {
		s = append(s, fmt.Sprintf("%+v", o))
	}
	f.calls = append(f.calls, strings.TrimSpace(cmd+" "+strings.Join(s, " ")))
	if f.during != nil {
		f.during(cmd, s)
	}
	return f.errs[cmd]
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func (f *fakeTF) Init(_ context.Context, o ...tfexec.InitOption) error {
	return f.record("init", anys(o)...)
}

func (f *fakeTF) Plan(_ context.Context, o ...tfexec.PlanOption) (bool, error) {
	err := f.record("plan", anys(o)...)
	return f.changes && err == nil, err
}

func (f *fakeTF) Apply(_ context.Context, o ...tfexec.ApplyOption) error {
	return f.record("apply", anys(o)...)
}

func (f *fakeTF) Destroy(_ context.Context, o ...tfexec.DestroyOption) error {
	return f.record("destroy", anys(o)...)
}

func (f *fakeTF) Output(_ context.Context, o ...tfexec.OutputOption) (map[string]tfexec.OutputMeta, error) {
	return f.outputs, f.record("output", anys(o)...)
}

func (f *fakeTF) Version(context.Context, bool) (*version.Version, map[string]*version.Version, error) {
	return version.Must(version.NewVersion("1.10.6")), nil, f.errs["version"]
}

func (f *fakeTF) SetEnv(env map[string]string) error { f.env = env; return nil }
func (f *fakeTF) SetStdout(w io.Writer)              { f.stdout = w }
func (f *fakeTF) SetStderr(w io.Writer)              { f.stderr = w }

var pathRE = regexp.MustCompile(`path:([^ }]+)`)

// optPath returns the path inside an option's %+v form.
func optPath(opt string) string {
	if m := pathRE.FindStringSubmatch(opt); m != nil {
		return m[1]
	}
	return ""
}

// fakeChecker answers for profiles from a map of errors (nil: success).
type fakeChecker struct {
	errs  map[string]error
	asked []string // "profile session"
}

func (r *fakeChecker) Check(_ context.Context, profile, session string) error {
	r.asked = append(r.asked, profile+" "+session)
	return r.errs[profile]
}

// testStack is a stack folder in a temp dir with a backend, a parameter
// and a role ARN, and an AWS config holding spin's profile.
type testStack struct {
	dir, awsConfig string // HOME is the folder above dir
	inv            *Invocation
}

func newTestStack(t *testing.T) *testStack {
	t.Helper()
	root := t.TempDir()
	s := &testStack{dir: filepath.Join(root, "iam-roles"), awsConfig: filepath.Join(root, "aws-config")}
	if err := os.Mkdir(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "instance: {group: kief}\nparameters: {api_user: cloudspin_user}\n" +
		"terraform_backend: {bucket: state-1, role_arn: " + arn + "}\nresources: {assume_role_arn: " + arn + "}\n"
	if err := os.WriteFile(filepath.Join(s.dir, LocalFile), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	aws := "[profile assume-cloudspin_examples-account]\n" +
		"# managed by spin: edit ~/.config/spin/config.yaml and run `spin profiles write`\n" +
		"credential_process = '/usr/bin/spin' credential-process assume-cloudspin_examples-account\n"
	if err := os.WriteFile(s.awsConfig, []byte(aws), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(s.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "HOME" {
			return root
		}
		return parent[k]
	}
	s.inv, err = Prepare(c, spinConfig(t), Host{Getenv: getenv, AWSConfigFile: s.awsConfig})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runner returns a Runner over a fresh fake, with spin's temp dir in tmp.
func (s *testStack) runner(t *testing.T) (*Runner, *fakeTF) {
	f := &fakeTF{errs: map[string]error{}}
	return &Runner{TF: f, Inv: s.inv, Checker: &fakeChecker{}, Stdout: io.Discard, Stderr: io.Discard, TempDir: t.TempDir()}, f
}
