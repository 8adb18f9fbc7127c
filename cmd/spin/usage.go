package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// usageError is a command line spin cannot parse: exit 2, as shells and
// getopt-style tools do, with the likely command as the hint.
type usageError struct{ msg, hint string }

func (u *usageError) Error() string { return u.msg }
func (u *usageError) Hint() string  { return u.hint }

// exitUsage is the exit code of a usageError.
const exitUsage = 2

// strictGroups makes spin and every command group refuse an unknown
// subcommand (cobra prints the group's help and exits 0 for `spin keys
// lst`), suggesting the nearest one, and turns flag errors into usage
// errors.
func strictGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		strictGroups(sub)
	}
	c.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{err.Error(), fmt.Sprintf("run '%s --help' for its flags", cmd.CommandPath())}
	})
	if !c.HasSubCommands() {
		return
	}
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, set only in its own path
	}
	run := c.RunE
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(cmd, args[0])
		}
		if run != nil {
			return run(cmd, args)
		}
		return cmd.Help()
	}
}

func unknownCommand(cmd *cobra.Command, name string) error {
	h := fmt.Sprintf("run '%s --help' for its commands", cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		h = fmt.Sprintf("did you mean '%s %s'?", cmd.CommandPath(), s[0])
	}
	return &usageError{fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath()), h}
}
