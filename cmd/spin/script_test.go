package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"spin": func() { os.Exit(run(context.Background(), os.Args[1:], newEnv())) },
	})
}

// CLI behaviour as txtar scripts under testdata/script; each script says
// what it covers.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			// Only the directory holding the test's spin: no spind, no aws,
			// whatever the developer's machine has installed.
			path := e.Getenv("PATH")
			if i := strings.IndexByte(path, os.PathListSeparator); i >= 0 {
				e.Setenv("PATH", path[:i])
			}
			return nil
		},
	})
}
