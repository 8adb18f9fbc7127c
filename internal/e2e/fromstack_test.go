package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rolesStack is an offline stand-in for examples/00-iam-roles: no
// provider, just its role outputs, with api_user as a variable because spin
// passes parameters as a var-file.
const rolesStack = `terraform {
  backend "s3" {}
}

variable "api_user" {
  type = string
}

resource "terraform_data" "roles" {
  input = var.api_user
}

output "account_role_arn" {
  value = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"
}

output "delivery_role_arn" {
  value = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-delivery"
}
`

// The walkthrough's step from the iam-roles stack to profiles: `spin up`,
// then `spin profiles write --from-stack` turns the role outputs into
// assume-cloudspin_examples-* profiles in config.yaml and ~/.aws/config,
// and the AWS CLI assumes the new role through spin. A second run changes
// nothing.
func TestProfilesWriteFromStack(t *testing.T) {
	w, _ := newStackWorld(t, worldOptions{}, "")
	dir := filepath.Join(w.root, "roles")
	w.writeFile(filepath.Join(dir, "main.tf"), rolesStack)
	// The state goes to the emulator's S3 like the offline demo's, with
	// the account role newStackWorld's config.yaml already defines.
	w.writeFile(filepath.Join(dir, "stack-instance-defaults.yaml"), fmt.Sprintf(`instance:
  group: demo
parameters:
  api_user: %s
terraform_backend:
  bucket: %s
  region: us-east-1
  endpoints: {s3: %q, sts: %q}
  use_path_style: true
  skip_credentials_validation: true
  skip_region_validation: true
  skip_requesting_account_id: true
  skip_metadata_api_check: true
  skip_s3_checksum: true
resources:
  assume_role_arn: arn:aws:iam::%s:role/%s
  region: us-east-1
`, w.keySet, demoBucket, w.url, w.url, account, demoRole))
	if out, errOut, err := w.try("", "up", "--auto-approve", dir); err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	// The outputs below come from this state, read with brokered credentials.
	if _, err := w.emu.Object(demoBucket, "roles/demo.tfstate"); err != nil {
		t.Fatalf("state in the emulator's S3: %v", err)
	}

	out := w.run("", "profiles", "write", "--from-stack", dir)
	for _, want := range []string{
		"unchanged profile assume-cloudspin_examples-account in " + w.config + "\n",
		"added profile assume-cloudspin_examples-delivery to " + w.config,
		"wrote " + w.awsConf,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("profiles write --from-stack output lacks %q:\n%s", want, out)
		}
	}
	cfg := readWorldFile(t, w.config)
	for _, role := range []string{"account", "delivery"} {
		want := fmt.Sprintf("  assume-cloudspin_examples-%s:\n    source: %s\n    role_arn: arn:aws:iam::%s:role/spin_role-cloudspin_examples-%s\n", role, w.keySet, account, role)
		if !strings.Contains(cfg, want) {
			t.Errorf("config.yaml lacks\n%s\nin:\n%s", want, cfg)
		}
	}
	aws := readWorldFile(t, w.awsConf)
	for _, role := range []string{"account", "delivery"} {
		if want := "[profile assume-cloudspin_examples-" + role + "]\n# managed by spin"; !strings.Contains(aws, want) {
			t.Errorf("~/.aws/config lacks the managed %q:\n%s", want, aws)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Debian's CLI ignores AWS_ENDPOINT_URL_STS, hence --endpoint-url.
	cli, err := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", "assume-cloudspin_examples-delivery",
		"--endpoint-url", w.url, "--query", "Arn", "--output", "text").CombinedOutput()
	if err != nil {
		t.Fatalf("aws: %v\n%s", err, cli)
	}
	want := fmt.Sprintf("arn:aws:sts::%s:assumed-role/spin_role-cloudspin_examples-delivery/spin-%s", account, currentUser(t))
	if got := strings.TrimSpace(string(cli)); got != want {
		t.Errorf("aws sts get-caller-identity = %q, want %q", got, want)
	}

	out = w.run("", "profiles", "write", "--from-stack", dir)
	wantOut := "unchanged profile assume-cloudspin_examples-account in " + w.config + "\n" +
		"unchanged profile assume-cloudspin_examples-delivery in " + w.config + "\n" +
		w.awsConf + " is up to date (2 spin profiles)\n"
	if out != wantOut {
		t.Errorf("second run printed:\n%s\nwant:\n%s", out, wantOut)
	}
	if got := readWorldFile(t, w.config); got != cfg {
		t.Errorf("second run changed config.yaml:\n%s", got)
	}
	if got := readWorldFile(t, w.awsConf); got != aws {
		t.Errorf("second run changed ~/.aws/config:\n%s", got)
	}
}
