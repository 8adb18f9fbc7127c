package cliusage

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// HelpCmd replaces cobra's help command, which showed spin's own help
// and exited 0 for a mistyped topic (`spin help confg`, `spin help keys
// ad`): like an unknown command, that is a usage error naming the nearest
// command or topic. Topics (`spin help config`) are completed too.
func HelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command | topic]",
		Short: "Help about any command, or a topic (spin help config)",
		Example: `  spin help keys add
  spin help config                      # config.yaml and the environment variables`,
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range helpNames(cmd) {
				if strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil {
				return err
			}
			// A command's own arguments (spin help export PROFILE) are
			// fine; a word left over under a group is a mistyped name.
			if len(rest) > 0 && cmd.HasSubCommands() {
				return unknownTopic(cmd, rest[0])
			}
			return cmd.Help()
		},
	}
}

// helpNames are the commands and help topics under cmd that help shows.
func helpNames(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range cmd.Commands() {
		if !sub.Hidden && sub.Deprecated == "" {
			out = append(out, sub)
		}
	}
	return out
}

func unknownTopic(cmd *cobra.Command, name string) error {
	var names []string
	for _, sub := range helpNames(cmd) {
		names = append(names, sub.Name())
	}
	// cobra's suggestions know prefixes (prof: profiles) but skip topics.
	near := cmd.SuggestionsFor(name)
	if s := yamlnode.Suggest(name, names); len(near) == 0 && s != "" {
		near = []string{s}
	}
	h := fmt.Sprintf("run '%s --help' for its commands and topics", cmd.CommandPath())
	if len(near) > 0 {
		group := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name())
		h = fmt.Sprintf("did you mean '%s help%s %s'?", cmd.Root().Name(), group, near[0])
	}
	return &Error{fmt.Sprintf("unknown help topic %q for %q", name, cmd.CommandPath()), h}
}
