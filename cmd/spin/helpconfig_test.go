package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// `spin help config` prints docs/config.md itself: one source for the
// page and the command, so the two cannot drift.
func TestHelpConfigPrintsTheReference(t *testing.T) {
	want, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &out, stderr: &errOut}
	if code := run(t.Context(), []string{"help", "config"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := strings.TrimSpace(out.String()); got != strings.TrimSpace(string(want)) {
		t.Errorf("spin help config printed\n%s\nwant docs/config.md:\n%s", got, want)
	}
	// The root's help lists the topic.
	out.Reset()
	run(t.Context(), []string{"--help"}, e)
	if !strings.Contains(out.String(), "Additional help topics:\n  spin config") {
		t.Errorf("spin --help does not list the config topic:\n%s", out.String())
	}
}
