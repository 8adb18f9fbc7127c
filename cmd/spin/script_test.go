package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cloudspin/spin/broker/client"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"spin": func() { os.Exit(run(context.Background(), os.Args[1:], newEnv())) },
	})
}

// CLI behaviour as txtar scripts under testdata/script; each script says
// what it covers.
func TestScripts(t *testing.T) {
	spindDir := buildSpind(t)
	otherDir := buildSpind(t, "-ldflags=-X github.com/cloudspin/spin/internal/version.Version=v0.0.1-other")
	tofu, err := filepath.Abs(filepath.Join("..", "..", ".tools", "bin", "tofu"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// [tofu]: the OpenTofu of scripts/install-tofu.sh is there.
		Condition: func(cond string) (bool, error) {
			if cond != "tofu" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			_, err := os.Stat(tofu)
			return err == nil, nil
		},
		Setup: func(e *testscript.Env) error {
			// Only the directory holding the test's spin: no spind, no aws,
			// whatever the developer's machine has installed. Scripts that
			// want spind add $SPIND_DIR.
			path := e.Getenv("PATH")
			if i := strings.IndexByte(path, os.PathListSeparator); i >= 0 {
				path = path[:i]
			}
			e.Setenv("PATH", path)
			// The helper path spin writes into ~/.aws/config.
			e.Setenv("SPIN_EXE", filepath.Join(path, "spin"))
			e.Setenv("SPIND_DIR", spindDir)
			e.Setenv("TOFU", tofu)
			e.Setenv("OTHER_SPIND_DIR", otherDir)
			run := filepath.Join(e.WorkDir, "run")
			e.Setenv("XDG_RUNTIME_DIR", run)
			e.Setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:")
			// Never leave a spind behind, whatever the script did.
			e.Defer(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				c := client.New(filepath.Join(run, "spin", "broker.sock"))
				_ = c.Shutdown(ctx)
				c.Close()
			})
			return nil
		},
	})
}

// buildSpind builds spind once for the scripts. -buildvcs=false gives it
// the test binary's version, "dev", so doctor sees the two match; flags
// can stamp another version.
func buildSpind(t *testing.T, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"build", "-buildvcs=false", "-o", filepath.Join(dir, "spind")}, flags...)
	out, err := exec.Command("go", append(args, "github.com/cloudspin/spin/cmd/spind")...).CombinedOutput()
	if err != nil {
		t.Fatalf("build spind: %v\n%s", err, out)
	}
	return dir
}
