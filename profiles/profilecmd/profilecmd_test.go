package profilecmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

const role = "arn:aws:iam::123456789012:role/spin_role-app"

// setup is a config.yaml in a temp dir with text, and an AWS config file
// beside it (absent).
func setup(t *testing.T, text string) *profiles.Setup {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if text != "" {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := profiles.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return &profiles.Setup{Config: cfg, Helper: profiles.Helper{Path: "/usr/bin/spin"}, AWSPath: filepath.Join(dir, "aws-config")}
}

func outs() (Out, *strings.Builder, *strings.Builder) {
	var o, e strings.Builder
	return Out{Stdout: &o, Stderr: &e}, &o, &e
}

func TestWriteThenUpToDateThenList(t *testing.T) {
	s := setup(t, "profiles:\n  assume-app:\n    source: user\n    role_arn: "+role+"\n")
	out, stdout, _ := outs()
	if err := Write(t.Context(), s, WriteOptions{DryRun: true}, out); err != nil {
		t.Fatal(err)
	}
	if want := "would add profile assume-app\ndry run: " + s.AWSPath + " not written\n"; stdout.String() != want {
		t.Errorf("dry run: got %q, want %q", stdout.String(), want)
	}
	if _, err := os.Stat(s.AWSPath); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote the file: %v", err)
	}
	stdout.Reset()
	if err := Write(t.Context(), s, WriteOptions{}, out); err != nil {
		t.Fatal(err)
	}
	if want := "added profile assume-app\nwrote " + s.AWSPath + "\n"; stdout.String() != want {
		t.Errorf("write: got %q, want %q", stdout.String(), want)
	}
	data, _ := os.ReadFile(s.AWSPath)
	if !strings.Contains(string(data), "credential_process = '/usr/bin/spin' credential-process assume-app") {
		t.Errorf("the file lacks the helper line:\n%s", data)
	}
	stdout.Reset()
	if err := Write(t.Context(), s, WriteOptions{}, out); err != nil || stdout.String() != s.AWSPath+" is up to date (1 spin profiles)\n" {
		t.Errorf("again: got %q, %v", stdout.String(), err)
	}
	stdout.Reset()
	if err := List(t.Context(), s, out, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "assume-app  yes      up to date  1") {
		t.Errorf("list:\n%s", stdout.String())
	}
	// --json: the same rows under stable names.
	stdout.Reset()
	if err := List(t.Context(), s, out, true); err != nil {
		t.Fatal(err)
	}
	if want := "[\n  {\n    \"name\": \"assume-app\",\n    \"managed\": true,\n    \"state\": \"up to date\",\n    \"line\": 1\n  }\n]\n"; stdout.String() != want {
		t.Errorf("list --json:\n%s\nwant\n%s", stdout.String(), want)
	}
}

func TestWriteWithoutConfigSaysWhereToDefineProfiles(t *testing.T) {
	s := setup(t, "")
	out, _, _ := outs()
	err := Write(t.Context(), s, WriteOptions{}, out)
	if err == nil || !strings.Contains(err.Error(), "does not exist") || hint.Of(err) == "" {
		t.Errorf("got %v (hint %q)", err, hint.Of(err))
	}
}

func TestRemoveOnlyWhatSpinWrote(t *testing.T) {
	s := setup(t, "profiles:\n  assume-app:\n    source: user\n    role_arn: "+role+"\n")
	out, stdout, stderr := outs()
	if err := Write(t.Context(), s, WriteOptions{}, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(s.AWSPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("[profile mine]\nregion = eu-west-1\n")
	f.Close()
	load := func() (*profiles.Setup, error) { return s, nil }
	err = Remove(t.Context(), s.AWSPath, "mine", load, out)
	if err == nil || !strings.Contains(hint.Of(err), "spin removes only profiles it wrote") {
		t.Errorf("removing a profile spin did not write: got %v (hint %q)", err, hint.Of(err))
	}
	stdout.Reset()
	if err := Remove(t.Context(), s.AWSPath, "assume-app", load, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "still defines assume-app: the next 'spin profiles write' adds it back") {
		t.Errorf("no note that config.yaml still has it: %q", stderr.String())
	}
	data, _ := os.ReadFile(s.AWSPath)
	if strings.Contains(string(data), "assume-app") || !strings.Contains(string(data), "[profile mine]") {
		t.Errorf("after remove:\n%s", data)
	}
}

func TestWriteFromStackAddsToConfigThenAWSConfig(t *testing.T) {
	s := setup(t, "keyring:\n  backend: file\n")
	out, stdout, _ := outs()
	st := StackRoles{Source: "user", Roles: []profiles.StackRole{{Output: "app_role_arn", RoleARN: role}}}
	if err := WriteFromStack(t.Context(), s, st, WriteOptions{}, out); err != nil {
		t.Fatal(err)
	}
	want := "added profile assume-app to " + s.Config.Path + " (role_arn " + role + ", source user)\nadded profile assume-app\nwrote " + s.AWSPath + "\n"
	if stdout.String() != want {
		t.Errorf("got\n%s\nwant\n%s", stdout.String(), want)
	}
	cfg, err := profiles.Load(s.Config.Path)
	if err != nil || cfg.Profiles["assume-app"].RoleARN != role {
		t.Errorf("config.yaml after: %+v, %v", cfg.Profiles, err)
	}
}

type lister []api.SSOAccount

func (l lister) SSOAccounts(context.Context, string) ([]api.SSOAccount, error) { return l, nil }

func TestGenerate(t *testing.T) {
	s := setup(t, `sources:
  corp:
    sso: {start_url: "https://d-1234567890.awsapps.com/start", region: us-east-1}
profiles:
  mine: {source: corp, sso_account_id: "111111111111", sso_role_name: Admin}
`)
	asked := false
	l := func(context.Context) (SSOLister, func(), error) {
		asked = true
		return lister{{AccountID: "111111111111", AccountName: "Prod", Roles: []string{"Admin"}}, {AccountID: "222222222222", AccountName: "Dev", Roles: []string{"Admin"}}}, func() {}, nil
	}
	out, stdout, _ := outs()
	if err := Generate(t.Context(), s.Config, "nosuch", l, GenerateOptions{Template: profiles.DefaultSSONameTemplate}, out); err == nil || asked {
		t.Errorf("unknown source: got %v, spind asked: %v", err, asked)
	}
	if err := Generate(t.Context(), s.Config, "corp", l, GenerateOptions{Template: profiles.DefaultSSONameTemplate}, out); err != nil {
		t.Fatal(err)
	}
	want := "+ Dev-Admin (account 222222222222, role Admin)\nadded 1 profiles to " + s.Config.Path + " (2 accounts, 1 already there)\nnext: spin profiles write\n"
	if stdout.String() != want {
		t.Errorf("got\n%s\nwant\n%s", stdout.String(), want)
	}
	cfg, err := profiles.Load(s.Config.Path)
	if err != nil || cfg.Profiles["Dev-Admin"].SSOAccountID != "222222222222" {
		t.Errorf("config.yaml after: %v", err)
	}
}
