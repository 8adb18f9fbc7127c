// Package sdkchecktest lets a package's tests run sdkcheck.Run for real,
// without building spind: the test binary itself, started as "spind
// __check-aws-files", answers with package sdkread.
package sdkchecktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/cloudspin/spin/internal/sdkcheck"
	"github.com/cloudspin/spin/internal/sdkcheck/sdkread"
)

// Main is a package's TestMain: os.Exit(sdkchecktest.Main(m)). It answers
// a check when the binary was started as one, else puts a "spind" that is
// this binary first on PATH and runs the tests.
func Main(m *testing.M) int {
	if len(os.Args) == 2 && os.Args[1] == sdkcheck.Command {
		return sdkread.Serve(context.Background(), os.Stdin, os.Stdout, os.Stderr)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkchecktest:", err)
		return 2
	}
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
	if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
		fmt.Fprintln(os.Stderr, "sdkchecktest:", err)
		return 2
	}
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}
