package main

import (
	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/service"
	"github.com/cloudspin/spin/internal/spindbin"
)

func newDaemonInstallCmds(e *env, g *globals) []*cobra.Command {
	install := &cobra.Command{
		Use:   "install",
		Short: "Start spind at login: a systemd user unit (Linux) or a launchd agent (macOS)",
		Example: `  spin daemon install
  systemctl --user daemon-reload && systemctl --user enable --now spind.service`,
		Long: `Write a per-user service definition that starts spind at login, the way
'spin daemon start' does. It prints the command that enables it. With the
file keyring backend, run 'spin unlock' after login: the passphrase never
goes into a service definition. Without a systemd user instance (containers,
WSL, SSH logins without lingering) or a launchd session it writes nothing and
says what to do instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := service.ForUser(e.getenv)
			if err != nil {
				return err
			}
			return u.Install(cmd.Context(), spindbin.Spind, g.config, e.stdout)
		},
	}
	uninstall := &cobra.Command{
		Use:     "uninstall",
		Short:   "Remove the service definition written by 'spin daemon install'",
		Example: "  systemctl --user disable --now spind.service\n  spin daemon uninstall",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := service.ForUser(e.getenv)
			if err != nil {
				return err
			}
			return u.Uninstall(e.stdout)
		},
	}
	return []*cobra.Command{install, uninstall}
}
