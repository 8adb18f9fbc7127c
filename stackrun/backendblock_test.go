package stackrun

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/hint"
)

func TestBackendBlock(t *testing.T) {
	const withBackend = "instance: {group: g}\nterraform_backend: {bucket: b-1, region: eu-west-1}\nresources: {aws_profile: bootstrap}\n"
	const local = "instance: {group: g}\n"
	cases := []struct {
		name, tf, instance, err string
	}{
		{"s3 block and settings", "terraform {\n  backend \"s3\" {}\n}\n", withBackend, ""},
		{"neither", "# backend \"s3\" {}\nresource \"terraform_data\" \"x\" {}\n", local, ""},
		{"no *.tf files: tofu says so itself", "", withBackend, ""},
		{"settings but no block", "# backend \"s3\" {}\n", withBackend,
			"terraform_backend is set, but no *.tf file in DIR declares a backend, so tofu would keep the state in the folder"},
		{"another backend", "terraform {\n  backend \"gcs\" {}\n}\n", withBackend,
			`terraform_backend is for the s3 backend, but DIR/main.tf:2 declares backend "gcs"`},
		{"block but no settings", "terraform {\n  backend \"s3\" {}\n}\n", local,
			`DIR/main.tf:2 declares backend "s3", but no stack-instance file sets terraform_backend`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{DefaultsFile: tc.instance}
			if tc.tf != "" {
				files["main.tf"] = tc.tf
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Prepare(c, spinConfig(t), Host{Getenv: func(string) string { return "" }})
			want := strings.ReplaceAll(tc.err, "DIR", dir)
			var he *hint.Error
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("got %v", err)
			case tc.err != "" && (!errors.As(err, &he) || he.Error() != want):
				t.Errorf("got %v\nwant %s", err, want)
			}
		})
	}
}
