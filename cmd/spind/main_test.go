package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/sdkcheck/sdkchecktest"
)

// The checker's tests run the spind that sdkchecktest builds.
func TestMain(m *testing.M) { os.Exit(sdkchecktest.Main(m)) }

// An argument spind does not know is refused at once: neither a typo nor
// the command of a newer spin starts a daemon.
func TestUnexpectedArgument(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPIN_SOCKET": filepath.Join(dir, "s.sock"), "HOME": dir, "XDG_STATE_HOME": dir}
	for _, tt := range []struct {
		args []string
		bad  string
	}{{[]string{"statsu"}, "statsu"}, {[]string{"__check-aws-files", "x"}, "__check-aws-files"}, {[]string{"--log-level", "debug", "stop"}, "stop"}} {
		args := tt.args
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var stderr bytes.Buffer
		code := run(ctx, args, func(k string) string { return env[k] }, &stderr, nil)
		cancel()
		if code != 2 || !strings.Contains(stderr.String(), "spind: unexpected argument "+`"`+tt.bad+`"`) || !strings.Contains(stderr.String(), "Usage: spind [flags]") {
			t.Errorf("spind %q: exit %d, stderr %q; want 2 and a usage line", args, code, stderr.String())
		}
	}
}
