package stackrun

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/hint"
)

const arn = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"

// parse merges named YAML sources of a stack called "iam-roles" in "st".
func parse(t *testing.T, srcs ...string) (*Config, error) {
	t.Helper()
	names := []string{DefaultsFile, LocalFile, EnvironmentFile("prod")}
	var files []File
	for i, s := range srcs {
		files = append(files, File{filepath.Join("st", names[i]), []byte(s)})
	}
	return Parse("iam-roles", "st", "", files)
}

func TestMerge(t *testing.T) {
	defaults := `instance:
  group: shared
parameters:
  api_user: cloudspin_user
  tags: {team: a, env: dev}
  zones: [a, b]
terraform_backend:
  bucket: statebucket-cloudspin-examples-123456789012
  region: eu-west-1
resources:
  aws_profile: bootstrap
  region: eu-west-1
`
	local := `instance:
  group: kief_sandbox
parameters:
  tags: {env: sandbox}
  zones: [c]
  count: 3
resources:
  aws_profile: null
  assume_role_arn: ` + arn + `
`
	env := `terraform_backend:
  key: custom/key.tfstate
  use_path_style: true
  endpoints: {s3: "http://127.0.0.1:9000"}
parameters:
  ratio: 0.5
  enabled: false
  nothing: ~
`
	c, err := parse(t, defaults, local, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Group != "kief_sandbox" {
		t.Errorf("group: got %q, want kief_sandbox", c.Group)
	}
	wantParams := map[string]any{
		"api_user": "cloudspin_user",
		"tags":     map[string]any{"team": "a", "env": "sandbox"}, // mappings merge
		"zones":    []any{"c"},                                    // lists are replaced
		"count":    3,
		"ratio":    0.5,
		"enabled":  false,
		"nothing":  nil,
	}
	if diff := cmp.Diff(wantParams, c.Parameters); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	wantRes := Resources{AssumeRoleARN: arn, Region: "eu-west-1"} // null unsets aws_profile
	if c.Resources != wantRes {
		t.Errorf("resources: got %+v, want %+v", c.Resources, wantRes)
	}
	wantBackend := &Backend{
		Bucket: "statebucket-cloudspin-examples-123456789012", Key: "custom/key.tfstate", Region: "eu-west-1",
		Endpoints: map[string]string{"s3": "http://127.0.0.1:9000"}, Flags: map[string]bool{"use_path_style": true},
	}
	if diff := cmp.Diff(wantBackend, c.Backend); diff != "" {
		t.Errorf("backend (-want +got):\n%s", diff)
	}
	for key, want := range map[string]string{
		"instance.group":            "st/stack-instance-local.yaml:2:10",
		"parameters.tags.team":      "st/stack-instance-defaults.yaml:5:16",
		"parameters.tags.env":       "st/stack-instance-local.yaml:4:15",
		"terraform_backend.key":     "st/" + EnvironmentFile("prod") + ":2:8",
		"terraform_backend.profile": "default",
	} {
		if got := c.Origin(key).String(); got != want {
			t.Errorf("Origin(%s): got %s, want %s", key, got, want)
		}
	}
}

func TestDefaultKey(t *testing.T) {
	c, err := parse(t, "instance: {group: g1}\nterraform_backend: {bucket: b-1, region: eu-west-1}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend.Key != "iam-roles/g1.tfstate" {
		t.Errorf("key: got %q, want iam-roles/g1.tfstate", c.Backend.Key)
	}
}

// configErrors are bad files and the exact errors, one per line.
var configErrors = []struct {
	name string
	srcs []string
	want []string
}{
	{"unknown top-level key", []string{"instance: {group: g}\nresource:\n  region: eu-west-1\n"}, []string{
		`st/stack-instance-defaults.yaml:2:1: unknown key "resource" at the top level (known: instance, parameters, terraform_backend, resources; did you mean "resources"?)`}},
	{"unknown backend key in the local file", []string{"instance: {group: g}\n", "terraform_backend:\n  buckett: b\n"}, []string{
		`st/stack-instance-local.yaml:2:3: unknown key "buckett" in terraform_backend (known: bucket, key, region, role_arn, profile, endpoints, encrypt, use_path_style, skip_credentials_validation, skip_region_validation, skip_requesting_account_id, skip_metadata_api_check, skip_s3_checksum; did you mean "bucket"?)`}},
	{"unknown endpoint", []string{"terraform_backend:\n  endpoints:\n    dynamodb: http://x\n"}, []string{
		`st/stack-instance-defaults.yaml:3:5: unknown key "dynamodb" in terraform_backend.endpoints (known: s3, sts, iam)`}},
	{"number for a string", []string{"instance:\n  group: 2024\n"}, []string{
		`st/stack-instance-defaults.yaml:2:10: group in instance must be a string, got a number (quote it: "2024")`}},
	{"string for a boolean", []string{"terraform_backend:\n  use_path_style: yes\n"}, []string{
		`st/stack-instance-defaults.yaml:2:19: use_path_style in terraform_backend must be true or false, got a string`}},
	{"list for a section", []string{"resources:\n  - aws_profile\n"}, []string{
		`st/stack-instance-defaults.yaml:2:3: resources must be a mapping, got a list`}},
	{"not a mapping", []string{"- a\n"}, []string{
		`st/stack-instance-defaults.yaml:1:1: a stack-instance file must be a mapping with the keys instance, parameters, terraform_backend, resources, got a list`}},
	{"placeholder account", []string{"resources:\n  assume_role_arn: arn:aws:iam::XXXXXXXXXXXX:role/r\n"}, []string{
		`st/stack-instance-defaults.yaml:2:20: assume_role_arn "arn:aws:iam::XXXXXXXXXXXX:role/r" in resources still holds the placeholder XXXXXXXXXXXX: put your AWS account id`}},
	{"user ARN", []string{"terraform_backend:\n  role_arn: arn:aws:iam::123456789012:user/u\n"}, []string{
		`st/stack-instance-defaults.yaml:2:13: role_arn "arn:aws:iam::123456789012:user/u" in terraform_backend is not an IAM role ARN (want arn:aws:iam::<12-digit account>:role/<name>)`}},
	{"placeholder bucket", []string{"terraform_backend:\n  bucket: statebucket-cloudspin-examples-XXXXXXXXXXXX\n"}, []string{
		`st/stack-instance-defaults.yaml:2:11: bucket "statebucket-cloudspin-examples-XXXXXXXXXXXX" in terraform_backend still holds the placeholder XXXXXXXXXXXX: put your state bucket's name`}},
	{"endpoint without scheme", []string{"terraform_backend:\n  endpoints: {s3: 127.0.0.1:9000}\n"}, []string{
		`st/stack-instance-defaults.yaml:2:19: s3 "127.0.0.1:9000" in terraform_backend.endpoints is not an http:// or https:// URL`}},
	{"bad parameter name", []string{"parameters:\n  api user: x\n"}, []string{
		`st/stack-instance-defaults.yaml:2:3: parameter "api user" is not a tofu variable name (a letter or _, then letters, digits, _ and -)`}},
	{"infinite parameter", []string{"parameters:\n  n: .inf\n"}, []string{
		`st/stack-instance-defaults.yaml:2:6: parameter n is .inf, which tofu variables cannot hold`}},
	{"alias", []string{"parameters:\n  a: &x 1\n  b: *x\n"}, []string{
		`st/stack-instance-defaults.yaml:3:6: aliases (*x) are not supported in stack-instance files: write the value out`}},
	{"duplicate key", []string{"resources:\n  region: eu-west-1\n  region: us-east-1\n"}, []string{
		`st/stack-instance-defaults.yaml:3:3: duplicate key "region" in resources (first at 2:3)`}},
	{"syntax error", []string{"instance: {group: g}\nparameters:\n  a: 'x\n"}, []string{
		`st/stack-instance-defaults.yaml:3:6: invalid YAML: found unexpected end of stream`}},
	{"tab character", []string{"instance:\n\tgroup: g\n"}, []string{
		`st/stack-instance-defaults.yaml:2:1: invalid YAML: found character that cannot start any token (a tab: YAML indents with spaces only)`}},
	{"errors in two files", []string{"instance:\n  grup: g\n", "resources: {region: EU}\n"}, []string{
		`st/stack-instance-defaults.yaml:2:3: unknown key "grup" in instance (known: group; did you mean "group"?)`,
		`st/stack-instance-local.yaml:1:21: region "EU" in resources is not an AWS region name (lowercase letters, digits and -, like eu-west-1)`}},
	{"no group after merging", []string{"parameters: {a: 1}\n", "resources: {}\n"}, []string{
		`instance.group is not set in st/stack-instance-defaults.yaml, st/stack-instance-local.yaml`}},
	{"backend without bucket", []string{"instance: {group: g}\nterraform_backend: {region: eu-west-1}\n"}, []string{
		`terraform_backend.bucket is not set in st/stack-instance-defaults.yaml`}},
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range configErrors {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.srcs...)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tc.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "00-iam-roles")
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hint := func(err error) string {
		var he *hint.Error
		if !errors.As(err, &he) {
			t.Fatalf("got %v, want a hint.Error", err)
		}
		return he.Error() + " | " + he.Hint()
	}

	_, err := Load(dir, "")
	if got, want := hint(err), "stack folder "+dir+" does not exist | run spin in a stack folder, or name one: spin plan examples/00-iam-roles"; got != want {
		t.Errorf("missing folder:\n got %s\nwant %s", got, want)
	}
	write(ExampleFile, "instance: {group: YOURNAME_sandbox}\n")
	_, err = Load(dir, "")
	want := "no stack-instance-defaults.yaml or stack-instance-local.yaml in " + dir + " | copy the example and edit it: cp " +
		filepath.Join(dir, ExampleFile) + " " + filepath.Join(dir, LocalFile)
	if got := hint(err); got != want {
		t.Errorf("no files:\n got %s\nwant %s", got, want)
	}
	write(DefaultsFile, "instance: {group: shared}\n")
	write(EnvironmentFile("staging"), "instance: {group: staging}\n")
	c, err := Load(dir, "")
	if err != nil || c.Group != "shared" || c.Name != "00-iam-roles" {
		t.Fatalf("defaults only: got %+v, %v", c, err)
	}
	write(LocalFile, "instance: {group: mine}\n")
	if c, err = Load(dir, "staging"); err != nil || c.Group != "staging" || len(c.Files) != 3 {
		t.Fatalf("with environment: got %+v, %v", c, err)
	}
	_, err = Load(dir, "prod")
	want = "no " + filepath.Join(dir, EnvironmentFile("prod")) + " for environment prod | create it, or use one of: staging"
	if got := hint(err); got != want {
		t.Errorf("missing environment:\n got %s\nwant %s", got, want)
	}
}
