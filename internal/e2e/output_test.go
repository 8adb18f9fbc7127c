package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spin output and --from-stack read state only, so they install no
// provider: in a fresh clone of a stack whose provider cannot be
// downloaded here (hashicorp/random: no registry is reachable), the
// outputs still come back from the S3 backend, through brokered
// credentials. The folder is marked as backend-only, so a later plan
// still runs the complete init.
func TestOutputWithoutProviders(t *testing.T) {
	if testing.Short() {
		t.Skip("runs OpenTofu against the emulator")
	}
	w, _ := newStackWorld(t, worldOptions{}, "")
	instance := fmt.Sprintf(`instance:
  group: demo
parameters:
  api_user: %s
terraform_backend:
  bucket: %s
  key: roles/demo.tfstate   # the clone's folder has another name
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
`, w.keySet, demoBucket, w.url, w.url, account, demoRole)
	applied := filepath.Join(w.root, "roles")
	w.writeFile(filepath.Join(applied, "main.tf"), rolesStack)
	w.writeFile(filepath.Join(applied, "stack-instance-defaults.yaml"), instance)
	if out, errOut, err := w.try("", "up", "--auto-approve", applied); err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}

	// Another clone, one commit later: the stack now needs a provider.
	clone := filepath.Join(w.root, "clone")
	w.writeFile(filepath.Join(clone, "main.tf"), strings.Replace(rolesStack, "terraform {\n",
		"terraform {\n  required_providers {\n    random = { source = \"hashicorp/random\", version = \"3.6.0\" }\n  }\n", 1))
	w.writeFile(filepath.Join(clone, "stack-instance-defaults.yaml"), instance)

	out, errOut, err := w.try("", "output", "--json", clone)
	if err != nil {
		t.Fatalf("spin output: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	want := fmt.Sprintf(`"value": "arn:aws:iam::%s:role/spin_role-cloudspin_examples-delivery"`, "123456789012")
	if !strings.Contains(out, want) {
		t.Errorf("spin output --json lacks %s:\n%s", want, out)
	}
	if strings.Contains(errOut, "provider") {
		t.Errorf("tofu's complaint about the providers reached the user:\n%s", errOut)
	}
	if _, err := os.Stat(filepath.Join(clone, ".terraform", "providers")); err == nil {
		t.Errorf("a provider was installed in %s/.terraform", clone)
	}
	if _, err := os.Stat(filepath.Join(clone, ".terraform", "plugin_path")); err == nil {
		t.Errorf(".terraform/plugin_path stayed: the next init would look for providers in a removed folder")
	}
	if _, err := os.Stat(filepath.Join(clone, ".terraform", "spin-backend.sha256")); err == nil {
		t.Errorf("a backend-only init was recorded as complete: plan would skip the provider install")
	}

	// profiles diff --from-stack reads the same outputs, again without init.
	out = w.run("", "profiles", "diff", "--from-stack", clone)
	if !strings.Contains(out, "assume-cloudspin_examples-delivery") {
		t.Errorf("profiles diff --from-stack lacks the delivery profile:\n%s", out)
	}

	// A stack whose backend cannot be reached is still an init error.
	broken := filepath.Join(w.root, "broken")
	w.writeFile(filepath.Join(broken, "main.tf"), rolesStack)
	w.writeFile(filepath.Join(broken, "stack-instance-defaults.yaml"), strings.Replace(instance, "bucket: "+demoBucket, "bucket: no-such-bucket", 1))
	if _, errOut, err := w.try("", "output", broken); err == nil || !strings.Contains(errOut, `terraform_backend.bucket "no-such-bucket" does not exist`) {
		t.Errorf("output with a missing bucket: %v\n%s", err, errOut)
	}
}
