//go:build unix

package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// As the helper, spin leaves SIGINT to end it, as spin-credential-process
// does: it does not catch the signal and wait on for spind's answer.
func TestHelperEndsAtSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds spin")
	}
	bin := filepath.Join(t.TempDir(), "spin")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cloudspin/spin/cmd/spin").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	asked := make(chan struct{}, 1)
	sock := fakeSpind(t, func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		<-r.Context().Done() // a spind that never answers
	})
	// The form an SDK runs, and one through cobra (a flag after the
	// subcommand).
	for _, args := range [][]string{{"credential-process", "p"}, {"credential-process", "--socket", sock, "p"}} {
		endsAtSIGINT(t, bin, sock, asked, args)
	}
}

func endsAtSIGINT(t *testing.T, bin, sock string, asked chan struct{}, args []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SPIN_SOCKET="+sock)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("spin did not ask spind")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("spin %v after SIGINT: %v, stderr %q; want it ended by the signal", args, cmd.ProcessState, stderr.String())
	}
}
