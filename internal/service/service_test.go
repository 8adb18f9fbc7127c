package service

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSystemdUnitPassesVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if testing.Short() {
			t.Skip("systemd-analyze missing")
		}
		t.Fatal("systemd-analyze missing (apt-get install systemd)")
	}
	dir := t.TempDir()
	spind := filepath.Join(dir, "spind")
	if err := os.WriteFile(spind, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	text, err := Render(Systemd, Unit{Spind: spind, Config: filepath.Join(dir, "my config.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	path := Path(Systemd, dir, "")
	if want := filepath.Join(dir, ".config", "systemd", "user", "spind.service"); path != want {
		t.Errorf("Path = %s, want %s", path, want)
	}
	if changed, err := Install(path, text); err != nil || !changed {
		t.Fatalf("Install: changed %v, err %v", changed, err)
	}
	if changed, _ := Install(path, text); changed {
		t.Errorf("second Install reported a change")
	}
	verify := func() ([]byte, error) {
		cmd := exec.Command(analyze, "verify", "--user", path)
		// --user needs a runtime dir; there is no user manager here.
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
		return cmd.CombinedOutput()
	}
	out, err := verify()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	if !strings.Contains(string(text), `ExecStart="`+spind+`" "--config" "`+filepath.Join(dir, "my config.yaml")+`"`) {
		t.Errorf("unit lacks the ExecStart line:\n%s", text)
	}
	// The check can fail: a unit whose ExecStart does not exist is refused.
	os.Remove(spind)
	if out, err := verify(); err == nil {
		t.Errorf("verify passed with a missing ExecStart:\n%s", out)
	}
	if removed, err := Uninstall(path); err != nil || !removed {
		t.Errorf("Uninstall: %v %v", removed, err)
	}
	if removed, err := Uninstall(path); err != nil || removed {
		t.Errorf("second Uninstall: %v %v", removed, err)
	}
}

func TestRenderRefusesUnsafePathsAndRendersPlist(t *testing.T) {
	if _, err := Render(Systemd, Unit{Spind: "relative/spind"}); err == nil {
		t.Errorf("relative path accepted")
	}
	if _, err := Render(Systemd, Unit{Spind: "/opt/100%/spind"}); err == nil {
		t.Errorf("%% in path accepted")
	}
	text, err := Render(Launchd, Unit{Spind: "/Applications/a&b/spind"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "<string>/Applications/a&amp;b/spind</string>") || !strings.Contains(string(text), "<string>"+label+"</string>") {
		t.Errorf("plist:\n%s", text)
	}
}
