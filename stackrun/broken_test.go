package stackrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Hand-edited stack-instance files with the usual mistakes: each error
// names the line and column of the mistake itself (yaml.v3 alone names
// the block around it: the bad indentation below at 6:1), one per line.
func TestBrokenFilesErrorAtTheMistake(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"bad-indent.yaml", []string{
			"bad-indent.yaml:9:2: invalid YAML: did not find expected key"}},
		{"tab.yaml", []string{
			"tab.yaml:5:1: invalid YAML: found a tab character that violates indentation"}},
		{"duplicate-key.yaml", []string{
			`duplicate-key.yaml:8:5: duplicate key "s3" in terraform_backend.endpoints (first at 6:5)`}},
		{"unknown-key-deep.yaml", []string{
			`unknown-key-deep.yaml:7:5: unknown key "sst" in terraform_backend.endpoints (known: s3, sts, iam; did you mean "sts"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "broken", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse("iam-roles", ".", "", []File{{tt.file, data}})
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
