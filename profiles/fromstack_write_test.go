package profiles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/hint"
)

var stackRoles = []StackRole{
	{Output: "account_role_arn", RoleARN: "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"},
	{Output: "delivery_role_arn", RoleARN: "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-delivery"},
}

func stackHome(t *testing.T, spinConfig, awsConfig string) (cfg *Config, awsPath string) {
	t.Helper()
	dir := t.TempDir()
	path, awsPath := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "aws", "config")
	for p, data := range map[string]string{path: spinConfig, awsPath: awsConfig} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, awsPath
}

func TestStackWrite(t *testing.T) {
	cfg, awsPath := stackHome(t, "# mine\nprofiles:\n  bootstrap:\n    source: admin\n", "")
	w, err := PlanStackWrite(cfg, stackRoles, "cloudspin_user", "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "# mine\nprofiles:\n  bootstrap:\n    source: admin\n" +
		"  assume-cloudspin_examples-account:\n    source: cloudspin_user\n    role_arn: " + stackRoles[0].RoleARN + "\n" +
		"  assume-cloudspin_examples-delivery:\n    source: cloudspin_user\n    role_arn: " + stackRoles[1].RoleARN + "\n"
	if string(w.New) != want || len(w.Config.Profiles) != 3 || w.Config.User != cfg.User {
		t.Fatalf("planned config.yaml:\n%s\nwant\n%s", w.New, want)
	}
	if got, _ := os.ReadFile(cfg.Path); string(got) != string(w.Old) {
		t.Fatalf("planning wrote config.yaml")
	}
	if err := w.Apply(context.Background(), awsPath, Helper{Path: "/usr/bin/spin"}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(cfg.Path); string(got) != want {
		t.Errorf("config.yaml:\n%s\nwant\n%s", got, want)
	}
	// Writing ~/.aws/config is `spin profiles write`'s job, after Apply.
	if got, _ := os.ReadFile(awsPath); len(got) != 0 {
		t.Errorf("Apply wrote the AWS config file:\n%s", got)
	}
}

// A profile of the AWS config file that spin did not write stops the
// write before config.yaml changes.
func TestStackWriteRefusedByAWSConfig(t *testing.T) {
	cfg, awsPath := stackHome(t, "", "[profile new-account]\nregion = eu-west-1\n")
	w, err := PlanStackWrite(cfg, stackRoles, "cloudspin_user", "new-{{output}}", false)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Apply(context.Background(), awsPath, Helper{Path: "/usr/bin/spin"}, SyncOptions{})
	var ue *UnmanagedError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want an UnmanagedError", err)
	}
	if got, _ := os.ReadFile(cfg.Path); len(got) != 0 {
		t.Errorf("config.yaml changed:\n%s", got)
	}
}

// Conflicts come one per line, with one way out.
func TestStackWriteConflicts(t *testing.T) {
	cfg, _ := stackHome(t, "profiles:\n  assume-cloudspin_examples-delivery:\n    source: other\n    role_arn: arn:aws:iam::123456789012:role/old\n", "")
	_, err := PlanStackWrite(cfg, stackRoles, "cloudspin_user", "", false)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Unwrap()) != 2 {
		t.Fatalf("got %v, want two conflicts", err)
	}
	if got := ce.Unwrap()[1].Error(); got != cfg.Path+": profile assume-cloudspin_examples-delivery has source other, not cloudspin_user" {
		t.Errorf("second conflict: %q", got)
	}
	if h := hint.Of(err); !strings.HasPrefix(h, "add --force to update them") {
		t.Errorf("hint %q", h)
	}
}
