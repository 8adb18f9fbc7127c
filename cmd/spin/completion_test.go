package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command that takes a profile, source or key set name completes it,
// so a new command cannot forget to.
func TestNamesCompleteEverywhere(t *testing.T) {
	e := &env{getenv: func(string) string { return "" }, stdin: &bytes.Buffer{}, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	root := newRootCmd(e)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		f := strings.Fields(c.Use)
		if len(f) < 2 {
			return
		}
		if arg := strings.Trim(f[1], "[]"); arg == "PROFILE" || arg == "SOURCE" || arg == "NAME" {
			n++
			if c.ValidArgsFunction == nil {
				t.Errorf("%s (%s) does not complete its %s", c.CommandPath(), c.Use, arg)
			}
		}
		if c.Flags().Lookup("profile") != nil {
			if _, ok := c.GetFlagCompletionFunc("profile"); !ok {
				t.Errorf("%s --profile does not complete", c.CommandPath())
			}
		}
	}
	walk(root)
	if n < 10 {
		t.Errorf("found %d commands taking a name, want at least 10", n)
	}
}
