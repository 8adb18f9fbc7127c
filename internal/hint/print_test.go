package hint_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hint"
)

// Every carrier of a next step prints the same way, through one printer.
func TestPrint(t *testing.T) {
	spind := &client.Error{Status: 404, Body: api.Error{Code: api.CodeKeySetMissing, Message: "no key set k", Hint: "run 'spin keys add k'"}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom\nagain"), "spin: boom again\n"},
		{"spind's answer", fmt.Errorf("store key set k: %w (nothing was removed)", spind),
			"spin: store key set k: no key set k (nothing was removed)\nspin: hint: run 'spin keys add k'\n"},
		{"no daemon", fmt.Errorf("%w (socket /s)", launch.ErrNoDaemon), "spin: spind is not running (socket /s)\nspin: hint: run 'spin daemon start'\n"},
		{"several problems", errors.Join(errors.New("a.yaml:1:1: one"), hint.Wrap(errors.New("a.yaml:2:1: two"), "fix it")),
			"spin: a.yaml:1:1: one\nspin: a.yaml:2:1: two\nspin: hint: fix it\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		hint.Print(&b, tt.err)
		if b.String() != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, b.String(), tt.want)
		}
	}
}

// An unknown command, at the top or in a group, or an unknown flag exits 2
// with the nearest command as the hint (cobra printed the group's help and
// exited 0 for `spin keys lst`).
func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lgin"}, "spin: unknown command \"lgin\" for \"spin\"\nspin: hint: did you mean 'spin login'?\n"},
		{[]string{"keys", "lst"}, "spin: unknown command \"lst\" for \"spin keys\"\nspin: hint: did you mean 'spin keys list'?\n"},
		{[]string{"daemon", "strt"}, "spin: unknown command \"strt\" for \"spin daemon\"\nspin: hint: did you mean 'spin daemon start'?\n"},
		{[]string{"keys", "list", "--bogus"}, "spin: unknown flag: --bogus\nspin: hint: run 'spin keys list --help' for its flags\n"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &out, stderr: &errOut}
		if code := run(t.Context(), tt.args, e); code != 2 || errOut.String() != tt.want || out.Len() != 0 {
			t.Errorf("spin %v: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", tt.args, code, out.String(), errOut.String(), tt.want)
		}
	}
}
