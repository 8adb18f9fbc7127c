package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzInsertProfiles: InsertProfiles never panics, and what it returns is
// the input with one insertion (the result's parse is checked inside).
//
//	go test -fuzz=FuzzInsertProfiles -fuzztime=30s ./profiles
func FuzzInsertProfiles(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "testdata/record/*.yaml", "testdata/import/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, false)
		}
	}
	f.Add([]byte("profiles:\n  plain:\n    source: x\n  b:\n    source: y\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, replace bool) {
		out, err := InsertProfiles("fuzz.yaml", data, importedProfiles, replace)
		if err != nil || replace {
			return
		}
		checkOneInsertion(t, data, out)
	})
}
