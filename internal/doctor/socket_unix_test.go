//go:build unix

package doctor

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSocketCheck(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "broker.sock")
	if got := socketCheck(sock); got.Status != Fail || got.Fix != "chmod 700 "+dir {
		t.Errorf("group-readable directory: got %v", got)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := socketCheck(sock); got.Status != Warn || got.Fix != "spin daemon start" {
		t.Errorf("no socket: got %v", got)
	}
	write(t, sock, "")
	if got := socketCheck(sock); got.String() != "ok   socket: user-only ("+sock+")" {
		t.Errorf("user-only: got %v", got)
	}
	if err := os.Chmod(sock, 0o666); err != nil {
		t.Fatal(err)
	}
	if got := socketCheck(sock); got.Status != Fail {
		t.Errorf("world-writable socket: got %v", got)
	}
}
