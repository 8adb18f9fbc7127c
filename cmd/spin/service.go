package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/service"
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
			kind, err := service.Current()
			if err != nil {
				return err
			}
			if err := service.Check(cmd.Context(), kind); err != nil {
				return err
			}
			spind, err := launch.FindSpind()
			if err != nil {
				return err
			}
			text, err := service.Render(kind, service.Unit{Spind: spind, Config: g.config})
			if err != nil {
				return err
			}
			path := service.Path(kind, e.getenv("HOME"), e.getenv("XDG_CONFIG_HOME"))
			changed, err := service.Install(path, text)
			if err != nil {
				return fmt.Errorf("install %s: %w", path, err)
			}
			verb := "wrote"
			if !changed {
				verb = "unchanged:"
			}
			fmt.Fprintf(e.stdout, "%s %s\nenable it with: %s\n", verb, path, service.EnableHint(kind, path))
			return nil
		},
	}
	uninstall := &cobra.Command{
		Use:     "uninstall",
		Short:   "Remove the service definition written by 'spin daemon install'",
		Example: "  systemctl --user disable --now spind.service\n  spin daemon uninstall",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kind, err := service.Current()
			if err != nil {
				return err
			}
			path := service.Path(kind, e.getenv("HOME"), e.getenv("XDG_CONFIG_HOME"))
			removed, err := service.Uninstall(path)
			if err != nil {
				return fmt.Errorf("remove %s: %w", path, err)
			}
			if !removed {
				fmt.Fprintf(e.stdout, "no service definition at %s\n", path)
				return nil
			}
			fmt.Fprintf(e.stdout, "removed %s\nif it was enabled, also run: %s\n", path, service.DisableHint(kind, path))
			return nil
		},
	}
	return []*cobra.Command{install, uninstall}
}
