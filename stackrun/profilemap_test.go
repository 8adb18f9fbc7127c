package stackrun

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

const spinYAML = `defaults:
  region: eu-west-1
profiles:
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: ` + arn + `
  state:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/state
    region: us-east-2
  state-too:
    source: other_user
    role_arn: arn:aws:iam::123456789012:role/state
  bootstrap:
    source: bootstrap_admin
`

func spinConfig(t *testing.T) *profiles.Config {
	t.Helper()
	c, err := profiles.Parse("/home/u/.config/spin/config.yaml", []byte(spinYAML))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMapProfiles(t *testing.T) {
	const bucket = "terraform_backend: {bucket: b-1}\n"
	cases := []struct {
		name, src string
		want      Credentials
	}{
		{"no credentials settings", "instance: {group: g}\n", Credentials{}},
		{"bootstrap profile for both", "instance: {group: g}\n" + bucket + "resources: {aws_profile: bootstrap}\n", Credentials{
			Backend: "bootstrap", BackendRegion: "eu-west-1", Providers: "bootstrap", Region: "eu-west-1",
			Uses: []ProfileUse{{"bootstrap", "resources.aws_profile"}}}},
		{"role ARNs win over aws_profile", "instance: {group: g}\nterraform_backend: {bucket: b-1, role_arn: " + arn + "}\n" +
			"resources: {aws_profile: bootstrap, assume_role_arn: " + arn + ", region: us-west-2}\n", Credentials{
			Backend: "assume-cloudspin_examples-account", BackendRegion: "us-west-2",
			Providers: "assume-cloudspin_examples-account", Region: "us-west-2",
			Uses: []ProfileUse{{"assume-cloudspin_examples-account", "resources.assume_role_arn"}}}},
		{"profile and ARN that agree", "instance: {group: g}\n" + bucket +
			"resources: {assume_role_profile: assume-cloudspin_examples-account, assume_role_arn: " + arn + "}\n", Credentials{
			Backend: "assume-cloudspin_examples-account", BackendRegion: "eu-west-1",
			Providers: "assume-cloudspin_examples-account", Region: "eu-west-1",
			Uses: []ProfileUse{{"assume-cloudspin_examples-account", "resources.assume_role_profile"}}}},
		{"shared ARN picks the providers' profile", "instance: {group: g}\n" +
			"terraform_backend: {bucket: b-1, role_arn: 'arn:aws:iam::123456789012:role/state'}\nresources: {aws_profile: state-too}\n", Credentials{
			Backend: "state-too", BackendRegion: "eu-west-1", Providers: "state-too", Region: "eu-west-1",
			Uses: []ProfileUse{{"state-too", "resources.aws_profile"}}}},
		{"backend role of its own, region from its profile", "instance: {group: g}\n" +
			"terraform_backend: {bucket: b-1, profile: state}\nresources: {aws_profile: bootstrap}\n", Credentials{
			Backend: "state", BackendRegion: "us-east-2", Providers: "bootstrap", Region: "eu-west-1",
			Uses: []ProfileUse{{"bootstrap", "resources.aws_profile"}, {"state", "terraform_backend.profile"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := MapProfiles(c, spinConfig(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapProfilesErrors(t *testing.T) {
	const other = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-delivery"
	cases := []struct{ name, src, msg, hint string }{
		{"ARN no profile defines", "instance: {group: g}\nresources:\n  region: eu-west-1\n  assume_role_arn: " + other + "\n",
			"resources.assume_role_arn " + other + " (st/stack-instance-defaults.yaml:4:20) is not the role_arn of any profile in /home/u/.config/spin/config.yaml",
			`add it to /home/u/.config/spin/config.yaml, then run 'spin profiles write':
  profiles:
    assume-cloudspin_examples-delivery:
      source: cloudspin_user
      role_arn: ` + other + `
      region: eu-west-1`},
		{"unknown bootstrap profile", "instance: {group: g}\nresources: {aws_profile: admin}\n",
			"resources.aws_profile admin (st/stack-instance-defaults.yaml:2:26) is not a profile in /home/u/.config/spin/config.yaml (known: assume-cloudspin_examples-account, state, state-too, bootstrap)",
			`add it to /home/u/.config/spin/config.yaml, then run 'spin profiles write':
  profiles:
    admin:
      source: bootstrap_admin`},
		{"profile and ARN disagree", "instance: {group: g}\nresources: {assume_role_profile: state, assume_role_arn: " + arn + "}\n",
			"resources.assume_role_arn " + arn + " (st/stack-instance-defaults.yaml:2:58) does not match resources.assume_role_profile: profile state has role_arn \"arn:aws:iam::123456789012:role/state\" in /home/u/.config/spin/config.yaml",
			"make them agree, or drop one of resources.assume_role_profile and resources.assume_role_arn"},
		{"ARN of two profiles", "instance: {group: g}\nterraform_backend: {bucket: b-1, role_arn: 'arn:aws:iam::123456789012:role/state'}\n",
			"terraform_backend.role_arn arn:aws:iam::123456789012:role/state (st/stack-instance-defaults.yaml:2:44) is the role_arn of several profiles in /home/u/.config/spin/config.yaml: state, state-too",
			"name the one to use with terraform_backend.profile"},
		{"backend without credentials", "instance: {group: g}\nterraform_backend: {bucket: b-1, region: eu-west-1}\n",
			"terraform_backend in st has no credentials",
			"set terraform_backend.role_arn (or .profile), or resources.aws_profile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = MapProfiles(c, spinConfig(t))
			var he *hint.Error
			if !errors.As(err, &he) {
				t.Fatalf("got %v, want a hint.Error", err)
			}
			if he.Error() != tc.msg {
				t.Errorf("message:\n got %s\nwant %s", he.Error(), tc.msg)
			}
			if he.Hint() != tc.hint {
				t.Errorf("hint:\n got %s\nwant %s", he.Hint(), tc.hint)
			}
		})
	}
}

// The snippet suggests the name `spin profiles write --from-stack` would
// give the role, so following either leads to the same profile.
func TestSuggestName(t *testing.T) {
	for in, want := range map[string]string{
		arn: "assume-cloudspin_examples-account",
		"arn:aws:iam::123456789012:role/team/deployer": "assume-deployer",
		// As --from-stack names it: the role's name after its first -.
		"arn:aws:iam::123456789012:role/ops-admin": "assume-admin",
	} {
		if got := suggestName(in); got != want {
			t.Errorf("suggestName(%s): got %s, want %s", in, got, want)
		}
	}
}

// The snippet's name and --from-stack's are one renderer's: they agree
// for every role, prefixed spin_role- or not.
func TestSuggestNameAgreesWithFromStack(t *testing.T) {
	cfg, err := profiles.Parse("config.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"spin_role-cloudspin_examples-account", "deployer", "ops-admin", "team/a/ci_runner",
		"spin_role-x", "admin-", "a-b-c", "Spin_Role-upper"} {
		arn := "arn:aws:iam::123456789012:role/" + role
		plan, err := profiles.PlanStackProfiles(cfg, []profiles.StackRole{{Output: "x_role_arn", RoleARN: arn}}, "u", profiles.DefaultNameTemplate, false)
		if err != nil {
			t.Errorf("%s: --from-stack: %v", role, err)
			continue
		}
		if got, want := suggestName(arn), plan[0].Profile.Name; got != want {
			t.Errorf("%s: snippet suggests %s, --from-stack writes %s", role, got, want)
		}
	}
}
