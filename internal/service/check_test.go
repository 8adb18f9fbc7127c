package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/hint"
)

// fakeSystemctl puts a systemctl running script first on PATH.
func fakeSystemctl(t *testing.T, script string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+"/bin")
}

func TestCheckSystemd(t *testing.T) {
	tests := []struct {
		name, script string
		wantErr      string // empty: no error
		wantHint     string
	}{
		{"user instance answers", "echo Version=252\n", "", ""},
		{"no bus", "echo 'Failed to connect to bus: No medium found' >&2\nexit 1\n",
			"no systemd user instance for this user (systemctl --user: Failed to connect to bus: No medium found)", "loginctl enable-linger"},
		{"silent failure", "exit 1\n", "systemctl --user: exit status 1", "spin daemon start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeSystemctl(t, tt.script)
			err := Check(context.Background(), Systemd)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check: %v, want it to contain %q", err, tt.wantErr)
			}
			if h := hint.Of(err); !strings.Contains(h, tt.wantHint) {
				t.Errorf("hint %q, want it to contain %q", h, tt.wantHint)
			}
		})
	}
}

func TestCheckWithoutSystemctl(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Check(context.Background(), Systemd)
	if err == nil || !strings.Contains(err.Error(), "systemctl not found") {
		t.Fatalf("Check: %v, want systemctl not found", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "spin daemon start") {
		t.Errorf("hint %q, want the shell-profile start", h)
	}
}
