// Package cliusage holds the rules spin's command line keeps across its
// command tree, where cobra's defaults differ: a mistyped command or help
// topic is a usage error (exit 2) naming the nearest one, and flag errors
// say where the flags are listed.
package cliusage

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Error is a command line spin cannot parse: exit ExitCode, as shells and
// getopt-style tools do, with the likely command as the hint.
type Error struct{ msg, hint string }

func (u *Error) Error() string { return u.msg }

// Hint is the command to run instead.
func (u *Error) Hint() string { return u.hint }

// ExitCode is the exit code of an Error.
const ExitCode = 2

// OneLine is the annotation of a command whose every failure must be one
// line on stderr (the credential_process helper: SDKs show one line), so
// its usage errors carry no hint line.
const OneLine = "cliusage.one-line"

// Strict makes spin and every command group refuse an unknown
// subcommand (cobra prints the group's help and exits 0 for `spin keys
// lst`), suggesting the nearest one, and turns flag errors into usage
// errors, and argument errors into usage errors that show the usage line.
func Strict(c *cobra.Command) {
	for _, sub := range c.Commands() {
		Strict(sub)
	}
	c.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &Error{err.Error(), fmt.Sprintf("run '%s --help' for its flags", cmd.CommandPath())}
	})
	if !c.HasSubCommands() {
		if args := c.Args; args != nil {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					// cobra's "accepts 1 arg(s), received 0" does not say
					// which argument, nor where to look.
					h := fmt.Sprintf("run '%s --help' for examples", cmd.CommandPath())
					if cmd.Annotations[OneLine] != "" {
						h = ""
					}
					return &Error{fmt.Sprintf("%v (usage: %s)", err, cmd.UseLine()), h}
				}
				return nil
			}
		}
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
	return &Error{fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath()), h}
}

// RefuseEmpty makes every command whose first argument is placeholder
// (as its Use line names it) refuse an empty one with err, before the
// command runs: a script's unset variable ("$P") would otherwise reach
// spind as a path that is no endpoint. Call it after Strict, so that an
// empty argument is its own error, not a miscount.
func RefuseEmpty(root *cobra.Command, placeholder string, err error) {
	for _, c := range root.Commands() {
		RefuseEmpty(c, placeholder, err)
		if f := strings.Fields(c.Use); len(f) < 2 || f[1] != placeholder || c.Args == nil {
			continue
		}
		args := c.Args
		c.Args = func(cmd *cobra.Command, a []string) error {
			if len(a) > 0 && a[0] == "" {
				return err
			}
			return args(cmd, a)
		}
	}
}
