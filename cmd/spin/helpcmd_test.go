package main

import (
	"bytes"
	"strings"
	"testing"
)

// `spin help` with a mistyped command or topic exits 2 naming the nearest
// one (cobra's help printed spin's own help and exited 0); known commands
// and topics still print their help.
func TestHelpUnknownTopicExit2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help", "confg"}, "spin: unknown help topic \"confg\" for \"spin\"\nspin: hint: did you mean 'spin help config'?\n"},
		{[]string{"help", "keys", "ad"}, "spin: unknown help topic \"ad\" for \"spin keys\"\nspin: hint: did you mean 'spin help keys add'?\n"},
		{[]string{"help", "prof"}, "spin: unknown help topic \"prof\" for \"spin\"\nspin: hint: did you mean 'spin help profiles'?\n"},
		{[]string{"help", "zzzzzzzz"}, "spin: unknown help topic \"zzzzzzzz\" for \"spin\"\nspin: hint: run 'spin --help' for its commands and topics\n"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &out, stderr: &errOut}
		if code := run(t.Context(), tt.args, e); code != 2 || errOut.String() != tt.want || out.Len() != 0 {
			t.Errorf("spin %v: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", tt.args, code, out.String(), errOut.String(), tt.want)
		}
	}
	for args, want := range map[string]string{
		"help config":           "config.yaml and environment reference",
		"help keys add":         "spin keys add NAME",
		"help export PROFILE":   "spin export PROFILE",
		"help":                  "Additional help topics",
		"__complete help co":    "config\t",
		"__complete help keys ": "add\t",
	} {
		var out, errOut bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &out, stderr: &errOut}
		if code := run(t.Context(), strings.Split(args, " "), e); code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("spin %s: exit %d, stdout\n%s\nstderr %s\nwant exit 0 and %q", args, code, out.String(), errOut.String(), want)
		}
	}
}
