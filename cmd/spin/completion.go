package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/complete"
	"github.com/cloudspin/spin/profiles"
)

// completeNames gives every command whose first argument is a profile,
// source or key set (by its Use line), and every --profile flag, shell
// completion of those names (internal/complete): never a prompt, never a
// spind start.
func completeNames(c *cobra.Command, e *env, g *globals) {
	for _, sub := range c.Commands() {
		completeNames(sub, e, g)
	}
	if k := complete.ArgKind(c.CommandPath(), c.Use); k != complete.None {
		rest := cobra.ShellCompDirectiveNoFileComp
		if strings.Contains(c.Use, "CMD") { // spin exec PROFILE -- CMD: a program, then its files
			rest = cobra.ShellCompDirectiveDefault
		}
		names := namesFunc(e, g, k)
		c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, rest
			}
			return names(cmd, args, toComplete)
		}
	}
	if c.Flags().Lookup("from-credentials-file") != nil {
		_ = c.RegisterFlagCompletionFunc("from-credentials-file", func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			path, _ := profiles.CredentialsPath(e.getenv)
			return complete.CredentialsProfiles(path, toComplete), cobra.ShellCompDirectiveNoFileComp
		})
	}
	if c.Flags().Lookup("profile") != nil {
		_ = c.RegisterFlagCompletionFunc("profile", namesFunc(e, g, complete.Profiles))
	}
}

func namesFunc(e *env, g *globals, k complete.Kind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg, _ := g.loadConfig(e) // none: names from spind only
		var keys complete.Keys
		if c, err := g.spind(e, false); err == nil && (k == complete.KeySets || k == complete.NewKeySet) { // never starts spind
			c.AnswerTimeout = complete.Wait
			defer c.Close()
			keys = c
		}
		return complete.Names(cmd.Context(), k, toComplete, cfg, keys), cobra.ShellCompDirectiveNoFileComp
	}
}
