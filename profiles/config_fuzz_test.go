package profiles

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	positioned    = regexp.MustCompile(`^fuzz\.yaml:[1-9][0-9]*:[1-9][0-9]*: \S`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// FuzzParse: Parse never panics, every error and warning line starts with
// path:line:col, every profile it accepts resolves to settings STS takes,
// and recording a backend in an accepted file keeps it loadable.
//
//	go test -fuzz=FuzzParse -fuzztime=30s ./profiles
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/record/*.yaml")
	for _, name := range append(files, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tt := range errorCases {
		f.Add([]byte(tt.src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !positioned.MatchString(line) {
					t.Fatalf("error line %q lacks fuzz.yaml:line:col", line)
				}
			}
			return
		}
		for _, w := range c.Warnings {
			if !positioned.MatchString(w) || strings.Contains(w, "\n") {
				t.Fatalf("warning %q is not one fuzz.yaml:line:col line", w)
			}
		}
		c.User = "fuzz user"
		for _, name := range c.Order {
			r, err := c.Resolve(name)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", name, err)
			}
			if r.Source == "" || !sessionNameRE.MatchString(r.RoleSessionName) {
				t.Fatalf("Resolve(%q) = %+v: want a source and a valid session name", name, r)
			}
			if !r.Bootstrap() && r.Duration <= r.MinValidity+RefreshMargin(r.Duration) {
				t.Fatalf("Resolve(%q) = %+v: sessions too short to hand out", name, r)
			}
		}
		// Only a panic or a bad result matters here; refusing is allowed.
		if out, err := addKeyringBackend("fuzz.yaml", data, "file"); err == nil && out != nil {
			if c2, err := Parse("fuzz.yaml", out); err != nil || c2.Keyring.Backend != "file" {
				t.Fatalf("after recording the backend: %v", err)
			}
		}
	})
}
