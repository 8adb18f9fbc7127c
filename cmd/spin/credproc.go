package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newCredentialProcessCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "credential-process PROFILE",
		Short: "Print a profile's credentials for an AWS SDK (credential_process helper)",
		Long: `Print a profile's credentials as credential_process JSON. AWS SDKs and CLIs
run this from ~/.aws/config; 'spin profiles write' adds the lines:

  [profile assume-cloudspin_examples-account]
  credential_process = '/usr/local/bin/spin' credential-process assume-cloudspin_examples-account

It asks spind (starting it if needed) and never reads the keyring itself.
SPIN_SESSION_NAME, when set, names the role session.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 50*time.Second)
			defer cancel()
			var out bytes.Buffer
			err := credentialProcess(ctx, e, g, args[0], &out)
			if err != nil {
				// SDKs show the helper's stderr: exactly one line.
				msg, hint := describe(err)
				if hint != "" {
					msg += ": " + hint
				}
				fmt.Fprintf(e.stderr, "spin: %s\n", msg)
				return &exitError{code: 1}
			}
			_, err = e.stdout.Write(out.Bytes())
			return err
		},
	}
}

func credentialProcess(ctx context.Context, e *env, g *globals, profile string, out *bytes.Buffer) error {
	c, err := g.daemon(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	creds, err := c.Credentials(ctx, profile, e.getenv("SPIN_SESSION_NAME"))
	if err != nil {
		return err
	}
	return creds.WriteProcessJSON(out)
}
