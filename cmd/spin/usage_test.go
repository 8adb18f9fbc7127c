package main

import (
	"bytes"
	"testing"
)

// An unknown command, at the top or in a group, an unknown flag or a
// missing argument exits 2 with the nearest command or the usage as the hint (cobra printed the group's help and
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
		{[]string{"profiles", "remove"}, "spin: accepts 1 arg(s), received 0 (usage: spin profiles remove NAME [flags])\nspin: hint: run 'spin profiles remove --help' for examples\n"},
		// The helper's failures stay one line, even by hand.
		{[]string{"credential-process"}, "spin: accepts 1 arg(s), received 0 (usage: spin credential-process PROFILE [flags])\n"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &out, stderr: &errOut}
		if code := run(t.Context(), tt.args, e); code != 2 || errOut.String() != tt.want || out.Len() != 0 {
			t.Errorf("spin %v: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", tt.args, code, out.String(), errOut.String(), tt.want)
		}
	}
}

// An empty PROFILE is refused with its own message, which the usage
// wrapping of argument errors leaves alone: it is no miscount.
func TestEmptyProfileIsNotAUsageError(t *testing.T) {
	for _, args := range [][]string{{"mfa", ""}, {"credential-process", ""}} {
		var out, errOut bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &out, stderr: &errOut}
		want := "spin: the profile name is empty: name one of the profiles in config.yaml ('spin list' shows them)\n"
		if code := run(t.Context(), args, e); code != 1 || errOut.String() != want {
			t.Errorf("spin %q: exit %d, stderr %q; want exit 1 and %q", args, code, errOut.String(), want)
		}
	}
}
