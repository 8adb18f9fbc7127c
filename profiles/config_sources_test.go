package profiles

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sourcesExample = `
sources:
  corp:
    sso:
      start_url: https://d-1234567890.awsapps.com/start
      region: us-east-1
  me:
    login:
      region: us-east-1
  ci:
    web_identity:
      github_actions: true
  k8s:
    web_identity:
      token_file: /var/run/secrets/eks.amazonaws.com/serviceaccount/token
      audience: sts.example
profiles:
  sso-dev:      {source: corp, sso_account_id: "123456789012", sso_role_name: Developer}
  console-ops:  {source: me, role_arn: "arn:aws:iam::123456789012:role/ops"}
  console:      {source: me}
  deploy:       {source: ci, role_arn: "arn:aws:iam::123456789012:role/deploy"}
  keys:         {source: cloudspin_user, role_arn: "arn:aws:iam::123456789012:role/deploy"}
`

func TestParseSources(t *testing.T) {
	c := parse(t, sourcesExample)
	if diff := cmp.Diff([]string{"corp", "me", "ci", "k8s"}, c.SourceOrder); diff != "" {
		t.Errorf("source order (-want +got):\n%s", diff)
	}
	want := map[string]SourceDef{
		"corp": {Name: "corp", Kind: KindSSO, SSO: SSOSource{StartURL: "https://d-1234567890.awsapps.com/start", Region: "us-east-1", Scopes: []string{DefaultSSOScope}}},
		"me":   {Name: "me", Kind: KindLogin, Login: LoginSource{Region: "us-east-1"}},
		"ci":   {Name: "ci", Kind: KindWebIdentity, WebIdentity: WebIdentitySource{GitHubActions: true, Audience: DefaultAudience}},
		"k8s":  {Name: "k8s", Kind: KindWebIdentity, WebIdentity: WebIdentitySource{TokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token", Audience: "sts.example"}},
	}
	if diff := cmp.Diff(want, c.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	kinds := map[string]SourceKind{"sso-dev": KindSSO, "console-ops": KindLogin, "console": KindLogin, "deploy": KindWebIdentity, "keys": KindKeySet}
	for name, kind := range kinds {
		r, err := c.Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		if r.SourceKind != kind || r.Bootstrap() {
			t.Errorf("%s: got kind %s, bootstrap %v; want %s, false", name, r.SourceKind, r.Bootstrap(), kind)
		}
	}
	if r, _ := c.Resolve("sso-dev"); r.SSOAccountID != "123456789012" || r.SSORoleName != "Developer" {
		t.Errorf("sso-dev: got account %q role %q", r.SSOAccountID, r.SSORoleName)
	}
	if got := c.Origin("sources.ci.web_identity.github_actions"); got != "config.yaml:12:7" {
		t.Errorf("origin of github_actions: got %s", got)
	}
	if r, _ := c.Resolve("deploy"); r.RoleSessionNameSet {
		t.Error("deploy: RoleSessionNameSet is true, but the profile leaves it to the default")
	}
}

// sourceErrorCases are bad sources: sections and their exact errors.
var sourceErrorCases = []struct {
	name, src string
	want      []string
}{
	{"no kind", "sources:\n  ci: {}\n", []string{
		`config.yaml:2:3: source "ci" has no kind: give it one of sso, login, web_identity (see 'spin help config', sources)`}},
	{"two kinds", "sources:\n  ci:\n    login: {}\n    web_identity: {github_actions: true}\n", []string{
		`config.yaml:4:5: source "ci" has both login and web_identity: a source is one kind (split it into two sources)`}},
	{"unknown kind", "sources:\n  ci:\n    oidc: {}\n", []string{
		`config.yaml:2:3: source "ci" has no kind: give it one of sso, login, web_identity (see 'spin help config', sources)`,
		`config.yaml:3:5: unknown key "oidc" in source "ci" (known: sso, login, web_identity)`}},
	{"web_identity without token", "sources:\n  ci:\n    web_identity:\n      audience: sts.amazonaws.com\n", []string{
		`config.yaml:3:5: source "ci" (web_identity) needs one of github_actions: true, token_file: PATH or token_command: CMD`}},
	{"web_identity with two tokens", "sources:\n  ci:\n    web_identity:\n      github_actions: true\n      token_file: /t\n", []string{
		`config.yaml:5:7: source "ci" (web_identity) sets both github_actions and token_file: give exactly one place to get the token from`}},
	{"github_actions not a bool", "sources:\n  ci:\n    web_identity:\n      github_actions: yes\n", []string{
		`config.yaml:3:5: source "ci" (web_identity) needs one of github_actions: true, token_file: PATH or token_command: CMD`,
		`config.yaml:4:23: github_actions in source "ci" (web_identity) must be true or false, got a string`}},
	{"relative token_file", "sources:\n  ci:\n    web_identity:\n      token_file: token\n", []string{
		`config.yaml:3:5: source "ci" (web_identity) needs one of github_actions: true, token_file: PATH or token_command: CMD`,
		`config.yaml:4:19: token_file "token" in source "ci" (web_identity) must be an absolute path or start with ~/ (only the current user's ~ is expanded)`}},
	{"typo in web_identity", "sources:\n  ci:\n    web_identity:\n      github_actions: true\n      audiance: x\n", []string{
		`config.yaml:5:7: unknown key "audiance" in source "ci" (web_identity) (known: github_actions, token_file, token_command, audience; did you mean "audience"?)`}},
	{"sso without start_url", "sources:\n  corp:\n    sso: {region: us-east-1}\n", []string{
		`config.yaml:3:5: start_url is missing in source "corp" (sso) (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)`}},
	{"sso with http start_url", "sources:\n  corp:\n    sso: {start_url: http://x, region: us-east-1}\n", []string{
		`config.yaml:3:22: start_url "http://x" in source "corp" (sso) is not an https URL (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)`}},
	{"bad source name", "sources:\n  a/b:\n    login: {}\n", []string{
		`config.yaml:2:3: invalid source name "a/b": '/' not allowed at position 2 (use letters, digits and . _ - @ +, start with a letter, digit or _, at most 64 characters)`}},
	{"web_identity profile without role", "sources:\n  ci: {web_identity: {github_actions: true}}\nprofiles:\n  deploy: {source: ci}\n", []string{
		`config.yaml:4:3: profile "deploy" uses web_identity source "ci" and needs a role_arn: the role whose trust policy allows the token (see README, Running in CI)`}},
	{"sso profile without account", "sources:\n  corp: {sso: {start_url: https://x.awsapps.com/start, region: us-east-1}}\nprofiles:\n  dev: {source: corp, sso_role_name: Dev}\n", []string{
		`config.yaml:4:3: profile "dev" uses sso source "corp" and needs sso_account_id (the account and the permission set's role, as in the access portal)`}},
	{"unquoted account id", "sources:\n  corp: {sso: {start_url: https://x.awsapps.com/start, region: us-east-1}}\nprofiles:\n  dev: {source: corp, sso_account_id: 123456789012, sso_role_name: Dev}\n", []string{
		`config.yaml:4:3: profile "dev" uses sso source "corp" and needs sso_account_id (the account and the permission set's role, as in the access portal)`,
		`config.yaml:4:39: sso_account_id in profile "dev" must be a string, got a number (quote it: "123456789012")`}},
	{"sso keys on a key set profile", "profiles:\n  dev: {source: k, role_arn: " + arn + ", sso_role_name: Dev}\n", []string{
		`config.yaml:2:79: sso_role_name in profile "dev" only applies to profiles of an sso source, and "k" is a key set`}},
	{"mfa_serial on a web_identity profile", "sources:\n  ci: {web_identity: {github_actions: true}}\nprofiles:\n  deploy: {source: ci, role_arn: " + arn + ", mfa_serial: arn:aws:iam::123456789012:mfa/a}\n", []string{
		`config.yaml:4:80: mfa_serial in profile "deploy" only applies to key sets: source "ci" is a web_identity source, whose sign-in does MFA itself`}},
}

func TestParseSourceErrors(t *testing.T) {
	for _, tt := range sourceErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("config.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("got %+v and no error, want %q", c, tt.want)
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// The CI examples are configs a user copies: they must load.
func TestExampleCIConfigs(t *testing.T) {
	for _, name := range []string{"spin-config.yaml", "spin-config-gitlab.yaml"} {
		c, err := Load(filepath.Join("..", "examples", "ci", name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Resolve("deploy")
		if err != nil || r.SourceKind != KindWebIdentity || r.RoleSessionNameSet {
			t.Errorf("%s: deploy resolves to %+v, %v; want a web_identity profile with the default session name", name, r, err)
		}
	}
}
