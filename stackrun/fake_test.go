package stackrun

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

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

// runner returns a Runner over a fresh recording fake tofu (see
// faketofu_test.go) that knows the parent's secrets, with spin's temp dir
// in tmp and the user's two streams in out.
func (s *testStack) runner(t *testing.T) (*Runner, *fakeTofu, *bytes.Buffer) {
	t.Helper()
	f := newFakeTofu(t, parentSecrets())
	tf, err := NewTerraform(s.inv.Config, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	out := &bytes.Buffer{}
	r := &Runner{TF: tf, Inv: s.inv, Checker: &fakeChecker{}, Stdout: out, Stderr: out, TempDir: t.TempDir()}
	return r, f, out
}

// parentSecrets are the secret values of parent, the environment spin
// runs in, which tofu must never get.
func parentSecrets() []string {
	var out []string
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SPIN_KEYRING_PASSPHRASE"} {
		out = append(out, parent[k])
	}
	return out
}
