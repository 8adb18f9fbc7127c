package service

import (
	"context"
	"fmt"
	"io"
)

// User is this user's service definition: the manager of this OS and
// where its definition goes.
type User struct {
	Kind Kind
	Path string
}

// ForUser is the User for the running OS and the environment's HOME and
// XDG_CONFIG_HOME.
func ForUser(getenv func(string) string) (User, error) {
	k, err := Current()
	if err != nil {
		return User{}, err
	}
	return User{Kind: k, Path: Path(k, getenv("HOME"), getenv("XDG_CONFIG_HOME"))}, nil
}

// Install is `spin daemon install`: once Check says a service manager
// will run it, the definition that starts spind (found by findSpind) with
// config is written, and the command that enables it printed.
func (u User) Install(ctx context.Context, findSpind func() (string, error), config string, stdout io.Writer) error {
	if err := Check(ctx, u.Kind); err != nil {
		return err
	}
	spind, err := findSpind()
	if err != nil {
		return err
	}
	text, err := Render(u.Kind, Unit{Spind: spind, Config: config})
	if err != nil {
		return err
	}
	changed, err := Install(u.Path, text)
	if err != nil {
		return fmt.Errorf("install %s: %w", u.Path, err)
	}
	verb := "wrote"
	if !changed {
		verb = "unchanged:"
	}
	fmt.Fprintf(stdout, "%s %s\nenable it with: %s\n", verb, u.Path, EnableHint(u.Kind, u.Path))
	return nil
}

// Uninstall is `spin daemon uninstall`: the definition removed, and what
// to run if it was enabled.
func (u User) Uninstall(stdout io.Writer) error {
	removed, err := Uninstall(u.Path)
	if err != nil {
		return fmt.Errorf("remove %s: %w", u.Path, err)
	}
	if !removed {
		fmt.Fprintf(stdout, "no service definition at %s\n", u.Path)
		return nil
	}
	fmt.Fprintf(stdout, "removed %s\nif it was enabled, also run: %s\n", u.Path, DisableHint(u.Kind, u.Path))
	return nil
}
