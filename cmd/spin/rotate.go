package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/keycmd"
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
		RunE: g.withSpind(e, true, func(ctx context.Context, c *client.Client, args []string) error {
			return keycmd.Rotate(ctx, c, args[0], req, e.stdout)
		}),
	}
	cmd.Flags().BoolVar(&req.KeepOld, "keep-old", false, "deactivate the old key in IAM instead of deleting it")
	return cmd
}
