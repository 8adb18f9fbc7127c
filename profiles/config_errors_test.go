package profiles

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// The role ARN most cases below use, so their columns stay easy to count.
const arn = "arn:aws:iam::123456789012:role/r"

// errorCases are bad configs and the exact errors, one per line, that Parse
// returns. They are also FuzzParse's seed corpus.
var errorCases = []struct {
	name, src string
	want      []string
}{
	{"unknown top-level key", "keyrin:\n  backend: file\n", []string{
		`config.yaml:1:1: unknown key "keyrin" at the top level (known: keyring, defaults, sources, profiles, endpoints, network, keys; did you mean "keyring"?)`}},
	{"unknown profile key", "profiles:\n  x:\n    source: k\n    rolearn: " + arn + "\n", []string{
		`config.yaml:4:5: unknown key "rolearn" in profile "x" (known: source, role_arn, role_session_name, external_id, mfa_serial, region, duration, min_validity, sso_account_id, sso_role_name, source_identity, session_tags, transitive_tag_keys, allowed_callers; did you mean "role_arn"?)`}},
	{"unknown key without a suggestion", "defaults:\n  colour: red\n", []string{
		`config.yaml:2:3: unknown key "colour" in defaults (known: region, duration, min_validity, mfa_duration)`}},
	{"list for a mapping", "profiles:\n  - x\n", []string{
		`config.yaml:2:3: profiles must be a mapping, got a list`}},
	{"string for a profile", "profiles:\n  x: k\n", []string{
		`config.yaml:2:6: profile "x" must be a mapping, got a string`}},
	{"not a mapping at all", "- a\n", []string{
		`config.yaml:1:1: the config must be a mapping with the keys keyring, defaults, sources, profiles, endpoints, network, keys, got a list`}},
	{"bad duration", "defaults:\n  duration: 1hour\n", []string{
		`config.yaml:2:13: duration "1hour" in defaults is not a duration (use a number and a unit: 900s, 15m, 1h30m)`}},
	{"duration without unit", "profiles:\n  x:\n    source: k\n    min_validity: 900\n", []string{
		`config.yaml:4:19: min_validity "900" in profile "x" is not a duration (use a number and a unit: 900s, 15m, 1h30m)`}},
	{"duration as a mapping", "defaults:\n  duration: {h: 1}\n", []string{
		`config.yaml:2:13: duration in defaults must be a duration such as 15m or 1h, got a mapping`}},
	{"fractional seconds", "defaults:\n  duration: 1500.5s\n", []string{
		`config.yaml:2:13: duration 1500.5s in defaults must be whole seconds (STS takes seconds)`}},
	{"zero mfa_duration", "defaults:\n  mfa_duration: 0s\n", []string{
		`config.yaml:2:17: mfa_duration 0s in defaults must be positive`}},
	{"negative min_validity", "defaults:\n  min_validity: -1m\n", []string{
		`config.yaml:2:17: min_validity -1m in defaults must be positive`}},
	{"number for a string", "profiles:\n  x:\n    source: k\n    external_id: 123456\n", []string{
		`config.yaml:4:18: external_id in profile "x" must be a string, got a number (quote it: "123456")`}},
	{"unquoted template", "profiles:\n  x:\n    source: k\n    role_session_name: {{user}}\n", []string{
		`config.yaml:4:24: role_session_name in profile "x" must be a string, got a mapping (quote a value that starts with { or [, e.g. "{{user}}")`}},
	{"duplicate key", "defaults:\n  region: eu-west-1\n  region: us-east-1\n", []string{
		`config.yaml:3:3: duplicate key "region" in defaults (first at 2:3)`}},
	{"duplicate profile", "profiles:\n  x: {source: k}\n  x: {source: k}\n", []string{
		`config.yaml:3:3: duplicate key "x" in profiles (first at 2:3)`}},
	{"short account id", "profiles:\n  x:\n    source: k\n    role_arn: arn:aws:iam::1234:role/r\n", []string{
		`config.yaml:4:15: role_arn "arn:aws:iam::1234:role/r" in profile "x" is not an IAM role ARN (want arn:aws:iam::<12-digit account>:role/<name>, or arn:aws-cn:, arn:aws-us-gov: and so on in other partitions)`}},
	{"user ARN", "profiles:\n  x:\n    source: k\n    role_arn: arn:aws:iam::123456789012:user/r\n", []string{
		`config.yaml:4:15: role_arn "arn:aws:iam::123456789012:user/r" in profile "x" is not an IAM role ARN (want arn:aws:iam::<12-digit account>:role/<name>, or arn:aws-cn:, arn:aws-us-gov: and so on in other partitions)`}},
	{"profile name with ]", "profiles:\n  a]b: {source: k}\n", []string{
		`config.yaml:2:3: invalid profile name "a]b": ']' not allowed at position 2 (use letters, digits and . _ - @ +, start with a letter, digit or _, at most 64 characters)`}},
	{"profile name with a space", "profiles:\n  \"a b\": {source: k}\n", []string{
		`config.yaml:2:3: invalid profile name "a b": ' ' not allowed at position 2 (use letters, digits and . _ - @ +, start with a letter, digit or _, at most 64 characters)`}},
	{"no source", "profiles:\n  x:\n    role_arn: " + arn + "\n", []string{
		`config.yaml:2:3: profile "x" has no source: name the key set it uses (added with spin keys add NAME) or an entry of sources:`}},
	{"empty profile", "profiles:\n  x:\n", []string{
		`config.yaml:2:3: profile "x" has no source: name the key set it uses (added with spin keys add NAME) or an entry of sources:`}},
	{"empty source", "profiles:\n  x:\n    source: \"\"\n", []string{
		`config.yaml:3:13: source in profile "x" is empty: name the key set it uses (added with spin keys add NAME) or an entry of sources:`}},
	{"bad source", "profiles:\n  x:\n    source: a/b\n", []string{
		`config.yaml:3:13: source "a/b" in profile "x" is not a key set or source name: '/' not allowed at position 2 (use letters, digits and . _ - @ +, start with a letter, digit or _, at most 64 characters)`}},
	{"duration too short for min_validity", "profiles:\n  x:\n    source: k\n    role_arn: " + arn + "\n    duration: 16m\n", []string{
		`config.yaml:5:15: duration 16m in profile "x" must exceed min_validity 15m + refresh margin 1m36s + expiry skew 5s = 16m41s (the refresh margin is min(5m, 10% of duration), the skew min(5s, 10%))`}},
	{"min_validity too long for the default duration", "profiles:\n  x:\n    source: k\n    role_arn: " + arn + "\n    min_validity: 55m\n", []string{
		`config.yaml:5:19: duration 1h in profile "x" must exceed min_validity 55m + refresh margin 5m + expiry skew 5s = 1h0m5s (the refresh margin is min(5m, 10% of duration), the skew min(5s, 10%))`}},
	{"defaults too short", "defaults:\n  duration: 15m\n", []string{
		`config.yaml:2:13: duration 15m in defaults must exceed min_validity 15m + refresh margin 1m30s + expiry skew 5s = 16m35s (the refresh margin is min(5m, 10% of duration), the skew min(5s, 10%))`}},
	{"mfa_duration too short", "defaults:\n  min_validity: 12h\n  duration: 13h\n", []string{
		`config.yaml:2:17: mfa_duration 12h in defaults must exceed min_validity 12h + refresh margin 5m + expiry skew 5s = 12h5m5s (the refresh margin is min(5m, 10% of mfa_duration), the skew min(5s, 10%))`}},
	{"unknown keyring backend", "keyring:\n  backend: gnome\n", []string{
		`config.yaml:2:12: unknown keyring backend "gnome" (known: auto, keychain, wincred, secret-service, kwallet, pass, keyctl, file)`}},
	{"relative file_dir", "keyring:\n  file_dir: keys\n", []string{
		`config.yaml:2:13: file_dir "keys" in keyring: must be an absolute path or start with ~/ (only the current user's ~ is expanded)`}},
	{"bad lock_after", "keyring:\n  lock_after: 8 hours\n", []string{
		`config.yaml:2:15: lock_after "8 hours" in keyring is not a duration (use a number and a unit: 900s, 15m, 1h30m)`}},
	{"negative lock_after", "keyring:\n  lock_after: -1h\n", []string{
		`config.yaml:2:15: lock_after -1h in keyring must be positive`}},
	{"bad region", "defaults:\n  region: EU-WEST-1\n", []string{
		`config.yaml:2:11: region "EU-WEST-1" in defaults is not an AWS region name (lowercase letters, digits and -, like eu-west-1)`}},
	{"unknown placeholder", "profiles:\n  x:\n    source: k\n    role_arn: " + arn + "\n    role_session_name: ci-{{host}}\n", []string{
		`config.yaml:5:24: role_session_name "ci-{{host}}" in profile "x" has an unknown placeholder {{host}} (allowed: {{user}})`}},
	{"bad mfa_serial", "profiles:\n  x:\n    source: k\n    mfa_serial: abc\n", []string{
		`config.yaml:4:17: mfa_serial "abc" in profile "x" is not an MFA device (an ARN like arn:aws:iam::123456789012:mfa/NAME, or a hardware serial: 9 to 256 of letters, digits and _+=/:,.@-)`}},
	{"bad external_id", "profiles:\n  x:\n    source: k\n    role_arn: " + arn + "\n    external_id: a b\n", []string{
		`config.yaml:5:18: external_id "a b" in profile "x" must be 2 to 1224 characters from letters, digits and _+=,.@:/-`}},
	{"alias", "profiles:\n  x: &base\n    source: k\n  y: *base\n", []string{
		`config.yaml:4:6: aliases (*base) are not supported in spin's config: write the value out`}},
	{"merge key", "profiles:\n  x:\n    <<: {source: k}\n", []string{
		`config.yaml:2:3: profile "x" has no source: name the key set it uses (added with spin keys add NAME) or an entry of sources:`,
		`config.yaml:3:5: merge keys (<<) are not supported in spin's config: write the settings out`}},
	{"two documents", "profiles: {}\n---\nprofiles: {}\n", []string{
		`config.yaml:3:1: a second YAML document: spin's config is one document (remove the ---)`}},
	{"syntax error", "profiles:\n  x:\n    source: k\n  role_arn: a: b\n", []string{
		`config.yaml:4:14: invalid YAML: mapping values are not allowed in this context`}},
	{"control character", "profiles:\n  x\x07: {source: k}\n", []string{
		`config.yaml:2:4: character U+0007 is not allowed in YAML (no control characters)`}},
	{"invalid UTF-8", "defaults:\n  region: \xff\n", []string{
		`config.yaml:2:11: invalid UTF-8 (config.yaml must be UTF-8 text)`}},
	{"endpoint over plain http off loopback", "endpoints:\n  sts: http://sts.example.com\n", []string{
		`config.yaml:2:8: sts endpoint "http://sts.example.com" in endpoints: http:// is only allowed to a loopback address (localhost, 127.0.0.1, ::1); use https://sts.example.com`}},
	{"endpoint not a URL", "endpoints:\n  sso_oidc: oidc.example.com\n", []string{
		`config.yaml:2:13: sso_oidc endpoint "oidc.example.com" in endpoints: not an absolute URL (want https://host[:port])`}},
	{"unknown endpoint service", "endpoints:\n  stss: https://x\n", []string{
		`config.yaml:2:3: unknown key "stss" in endpoints (known: sts, sso, sso_oidc, signin, s3, iam; did you mean "sts"?)`}},
	{"proxy without scheme", "network:\n  https_proxy: proxy:3128\n", []string{
		`config.yaml:2:16: https_proxy "proxy:3128" in network: want http://host:port or https://host:port`}},
	{"missing CA bundle", "network:\n  ca_bundle: /nonexistent/corp.pem\n", []string{
		`config.yaml:2:14: ca_bundle "/nonexistent/corp.pem" in network: open /nonexistent/corp.pem: no such file or directory`}},
	{"unknown network key", "network:\n  http_proxy: http://p:1\n", []string{
		`config.yaml:2:3: unknown key "http_proxy" in network (known: https_proxy, no_proxy, ca_bundle; did you mean "https_proxy"?)`}},
	{"several errors, in file order", "profiles:\n  x:\n    source: k\n    duration: 1d\ndefaults:\n  region: Mars\n", []string{
		`config.yaml:4:15: duration "1d" in profile "x" is not a duration (use a number and a unit: 900s, 15m, 1h30m)`,
		`config.yaml:6:11: region "Mars" in defaults is not an AWS region name (lowercase letters, digits and -, like eu-west-1)`}},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorCases {
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

func TestParseTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("defaults:\n")
	for i := range 30 {
		b.WriteString("  k" + strings.Repeat("x", i) + ": 1\n")
	}
	_, err := Parse("config.yaml", []byte(b.String()))
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != yamlnode.MaxErrors+1 || lines[yamlnode.MaxErrors] != "config.yaml:22:3: too many errors" {
		t.Errorf("got %d lines ending %q, want %d ending with too many errors at 22:3", len(lines), lines[len(lines)-1], yamlnode.MaxErrors+1)
	}
}
