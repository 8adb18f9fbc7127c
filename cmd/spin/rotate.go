package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
)

func newKeysRotateCmd(e *env, g *globals) *cobra.Command {
	var req api.RotateRequest
	cmd := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Replace a key set's access key with a new one, verified, and delete the old one",
		Example: `  spin keys rotate cloudspin_user              # new key, verified, old key deleted
  spin keys rotate cloudspin_user --keep-old   # deactivate the old key instead of deleting it`,
		Long: `spind creates a new access key with the key set's own credentials (its MFA
session when the key set has an MFA device: run 'spin mfa PROFILE' first),
stores it in the keyring as pending before anything else, waits until STS
accepts it, makes it current and deletes the old key in IAM (--keep-old
deactivates it). Sessions already handed out keep working. If the rotation
stops halfway, running it again finishes it. IAM allows two keys per user:
with two already, nothing is changed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.daemon(cmd.Context(), e)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := c.RotateKey(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "key set %s: access key %s is current; the old key %s is %s\n", res.Name, res.NewKeyID, res.OldKeyID, res.OldKey)
			return nil
		},
	}
	cmd.Flags().BoolVar(&req.KeepOld, "keep-old", false, "deactivate the old key in IAM instead of deleting it")
	return cmd
}

// printKeyWarnings shows key sets past keys.max_age (or with a rotation
// stopped halfway), each with its fix.
func printKeyWarnings(e *env, ws []api.KeyWarning) {
	for _, w := range ws {
		fmt.Fprintf(e.stderr, "spin: warning: %s\nspin: hint: run '%s'\n", w.Message, w.Hint())
	}
}
