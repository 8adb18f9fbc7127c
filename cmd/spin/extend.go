package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/cliusage"
)

// extendRoot adds what spans the command tree: help and its topics, `spin list`,
// and name completion for the commands that take a profile, source or
// key set name.
func extendRoot(root *cobra.Command, e *env, g *globals) {
	root.AddCommand(newHelpConfigTopic(), newListCmd(e, g))
	root.SetHelpCommand(cliusage.HelpCmd(root))
	completeNames(root, e, g)
}
