package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/docs"
)

// newHelpConfigTopic is `spin help config`: a help topic (a command that
// does not run) whose text is docs/config.md, embedded.
func newHelpConfigTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Reference of config.yaml (every key, its default, an example) and of spin's environment variables",
		Long:  docs.Config(),
	}
}
