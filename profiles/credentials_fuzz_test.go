package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRemoveCredentials: reading and removing a key pair never panics; a
// removal that succeeds leaves no key for the profile and only drops lines.
//
//	go test -fuzz=FuzzRemoveCredentials -fuzztime=30s ./profiles
func FuzzRemoveCredentials(f *testing.F) {
	files, _ := filepath.Glob("testdata/credentials/*.ini")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := ParseAWSConfig(data)
		c, err := ReadCredentials(doc, "cloudspin_user")
		if err != nil {
			return
		}
		if err := doc.RemoveCredentials("cloudspin_user", c.AccessKeyID); err != nil {
			return
		}
		if _, err := ReadCredentials(doc, "cloudspin_user"); !errors.Is(err, ErrNoCredentials) {
			t.Fatalf("after removal: %v, want ErrNoCredentials", err)
		}
		checkSubsequence(t, ParseAWSConfig(data).Lines(), doc.Lines())
	})
}
