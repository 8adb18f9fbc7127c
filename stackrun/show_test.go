package stackrun

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShow(t *testing.T) {
	c, err := parse(t, `instance: {group: shared}
parameters:
  api_user: cloudspin_user
  tags: {team: a}
  zones: [a, "1"]
  empty: []
terraform_backend:
  bucket: b-1
  region: eu-west-1
`, `instance:
  group: kief
resources:
  assume_role_arn: `+arn+`
  aws_profile: null
`)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Prepare(c, spinConfig(t), Host{Getenv: func(k string) string { return map[string]string{"PATH": "/bin"}[k] },
		Socket: "/run/s.sock", AWSConfigFile: "/home/u/.aws/config"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := inv.Show(&b); err != nil {
		t.Fatal(err)
	}
	want := `# stack iam-roles in st
# merged in this order: st/stack-instance-defaults.yaml, st/stack-instance-local.yaml
instance:
  group: kief                                     # stack-instance-local.yaml:2:10
parameters:
  api_user: cloudspin_user                        # stack-instance-defaults.yaml:3:13
  tags:
    team: a                                       # stack-instance-defaults.yaml:4:16
  zones:
    - a                                           # stack-instance-defaults.yaml:5:11
    - "1"                                         # stack-instance-defaults.yaml:5:14
  empty: []                                       # stack-instance-defaults.yaml:6:10
terraform_backend:
  bucket: b-1                                     # stack-instance-defaults.yaml:8:11
  region: eu-west-1                               # stack-instance-defaults.yaml:9:11
  key: iam-roles/kief.tfstate                     # default
resources:
  assume_role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account  # stack-instance-local.yaml:4:20
  aws_profile: null                               # stack-instance-local.yaml:5:16

# what spin passes to tofu:
#   profile assume-cloudspin_examples-account (from resources.assume_role_arn)
#   -backend-config bucket=b-1
#   -backend-config key=iam-roles/kief.tfstate
#   -backend-config region=eu-west-1
#   -backend-config profile=assume-cloudspin_examples-account
#   -backend-config use_lockfile=true
#   -var-file (JSON, in a temp dir, removed afterwards) with api_user, empty, tags, zones
#   env AWS_CONFIG_FILE=/home/u/.aws/config
#   env AWS_DEFAULT_REGION=eu-west-1
#   env AWS_PROFILE=assume-cloudspin_examples-account
#   env AWS_REGION=eu-west-1
#   env PATH=/bin
#   env SPIN_SESSION_NAME=iam-roles-kief
#   env SPIN_SOCKET=/run/s.sock
#   env TF_IN_AUTOMATION=1 (set by terraform-exec)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
