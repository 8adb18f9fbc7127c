//go:build unix

package service

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Install writes the unit only where a user manager runs it, then says
// how to enable it; a second run changes nothing; Uninstall removes it.
func TestUserInstallAndUninstall(t *testing.T) {
	home := t.TempDir()
	u := User{Kind: Systemd, Path: Path(Systemd, home, "")}
	spind := func() (string, error) { return "/opt/spin/spind", nil }
	var out strings.Builder

	fakeSystemctl(t, "echo 'Failed to connect to bus: No medium found' >&2\nexit 1\n")
	if err := u.Install(t.Context(), spind, "", &out); err == nil || !strings.Contains(err.Error(), "no systemd user instance") {
		t.Fatalf("without a user manager: %v", err)
	}
	if _, err := os.Stat(u.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a unit was written that would never start: %v", err)
	}

	fakeSystemctl(t, "echo Version=252\n")
	if err := u.Install(t.Context(), spind, "/etc/spin.yaml", &out); err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile(filepath.Join(home, ".config", "systemd", "user", "spind.service"))
	if err != nil || !strings.Contains(string(unit), "/opt/spin/spind") || !strings.Contains(string(unit), "/etc/spin.yaml") {
		t.Fatalf("unit %q, %v", unit, err)
	}
	if want := "wrote " + u.Path + "\nenable it with: systemctl --user daemon-reload && systemctl --user enable --now spind.service\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := u.Install(t.Context(), spind, "/etc/spin.yaml", &out); err != nil || !strings.HasPrefix(out.String(), "unchanged: ") {
		t.Errorf("again: %v, stdout %q", err, out.String())
	}
	if err := u.Install(t.Context(), func() (string, error) { return "", errors.New("spind not found") }, "", &out); err == nil {
		t.Error("no spind: want an error")
	}

	out.Reset()
	if err := u.Uninstall(&out); err != nil || !strings.Contains(out.String(), "if it was enabled, also run: systemctl --user disable --now spind.service") {
		t.Errorf("uninstall: %v, stdout %q", err, out.String())
	}
	out.Reset()
	if err := u.Uninstall(&out); err != nil || out.String() != "no service definition at "+u.Path+"\n" {
		t.Errorf("uninstall again: %v, stdout %q", err, out.String())
	}
}
