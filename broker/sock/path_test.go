package sock

import (
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"override", map[string]string{"SPIN_SOCKET": "/x/s.sock", "XDG_RUNTIME_DIR": "/run/user/1"}, "/x/s.sock", ""},
		{"runtime dir", map[string]string{"XDG_RUNTIME_DIR": "/run/user/1", "HOME": "/h"}, "/run/user/1/spin/broker.sock", ""},
		{"home", map[string]string{"HOME": "/h"}, "/h/.cache/spin/broker.sock", ""},
		{"nothing", map[string]string{}, "", "set SPIN_SOCKET"},
		{"too long", map[string]string{"SPIN_SOCKET": "/" + strings.Repeat("d", 120) + "/s.sock"}, "", "over the linux limit of 107"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Path(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPipeName(t *testing.T) {
	for user, want := range map[string]string{
		"alice":            `\\.\pipe\spin-alice`,
		`CORP\bob`:         `\\.\pipe\spin-CORP-bob`,
		"eve smith":        `\\.\pipe\spin-eve-smith`,
		"zoë":              `\\.\pipe\spin-zo-`,
		`..\..\pipe\other`: `\\.\pipe\spin-..-..-pipe-other`,
	} {
		if got := PipeName(user); got != want {
			t.Errorf("PipeName(%q) = %q, want %q", user, got, want)
		}
		if got, err := pipePath("", user); err != nil || got != want {
			t.Errorf("pipePath(\"\", %q) = %q, %v", user, got, err)
		}
	}
	if got, _ := pipePath(`\\.\pipe\mine`, "alice"); got != `\\.\pipe\mine` {
		t.Errorf("SPIN_SOCKET ignored: %q", got)
	}
	if _, err := pipePath("", ""); err == nil || !strings.Contains(err.Error(), "set SPIN_SOCKET or USERNAME") {
		t.Errorf("no user: %v", err)
	}
}
