// Package sdkchecktest lets a package's tests run sdkcheck.Run for real:
// it builds spind once and puts it first on PATH, where sdkcheck finds it.
// (A test binary standing in for spind would be simpler, but one built with
// -race takes over a second to start, and writers wait for each other's
// check.)
package sdkchecktest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Main is a package's TestMain: os.Exit(sdkchecktest.Main(m)).
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sdkcheck-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkchecktest:", err)
		return 2
	}
	defer os.RemoveAll(dir)
	name := "spind"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), "github.com/cloudspin/spin/cmd/spind").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "sdkchecktest: build spind: %v\n%s", err, out)
		return 2
	}
	// os.Setenv, not t.Setenv: TestMain has no *testing.T, and every
	// test of the package must find this spind on PATH (sdkcheck.Run
	// looks there). The process ends after m.Run: nothing to restore.
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}
