package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Hand-edited config.yaml files with the usual mistakes: each error names
// the line and column of the mistake itself (yaml.v3 alone names the block
// around it: the bad indentation below at 4:1, profiles:), one per line.
func TestBrokenFilesErrorAtTheMistake(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"bad-indent.yaml", []string{
			"bad-indent.yaml:10:4: invalid YAML: did not find expected key"}},
		{"over-indent.yaml", []string{
			"over-indent.yaml:4:13: invalid YAML: mapping values are not allowed in this context"}},
		{"tab.yaml", []string{
			"tab.yaml:8:1: invalid YAML: found a tab character that violates indentation"}},
		{"duplicate-key.yaml", []string{
			`duplicate-key.yaml:10:3: duplicate key "assume-cloudspin_examples-account" in profiles (first at 4:3)`}},
		{"unknown-key-deep.yaml", []string{
			`unknown-key-deep.yaml:8:7: unknown key "scope" in source "work" (sso) (known: start_url, region, scopes; did you mean "scopes"?)`,
			`unknown-key-deep.yaml:19:5: unknown key "transitive_tag_key" in profile "deploy" (known: ` + strings.Join(profileKeys, ", ") + `; did you mean "transitive_tag_keys"?)`}},
		{"aws-config-names.yaml", []string{
			`aws-config-names.yaml:4:5: start_url is missing in source "work" (sso) (the AWS access portal URL, like https://d-1234567890.awsapps.com/start)`,
			`aws-config-names.yaml:4:5: region is missing in source "work" (sso) (the Identity Center region, sso_region in ~/.aws/config)`,
			`aws-config-names.yaml:5:7: unknown key "sso_start_url" in source "work" (sso) (known: start_url, region, scopes; did you mean "start_url"?)`,
			`aws-config-names.yaml:6:7: unknown key "sso_region" in source "work" (sso) (known: start_url, region, scopes; did you mean "region"?)`,
			`aws-config-names.yaml:8:3: profile "deploy" has no source: name the key set it uses (added with spin keys add NAME) or an entry of sources:`,
			`aws-config-names.yaml:9:5: unknown key "source_profile" in profile "deploy" (known: ` + strings.Join(profileKeys, ", ") + `; did you mean "source"?)`,
			`aws-config-names.yaml:11:5: unknown key "duration_seconds" in profile "deploy" (known: ` + strings.Join(profileKeys, ", ") + `; did you mean "duration"?)`}},
		{"several.yaml", []string{
			`several.yaml:3:3: unknown key "lockafter" in keyring (known: backend, file_dir, lock_after; did you mean "lock_after"?)`,
			`several.yaml:6:3: unknown key "duraton" in defaults (known: region, duration, min_validity, mfa_duration; did you mean "duration"?)`,
			`several.yaml:10:5: unknown key "regoin" in profile "bootstrap" (known: ` + strings.Join(profileKeys, ", ") + `; did you mean "region"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "broken", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(tt.file, data)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
