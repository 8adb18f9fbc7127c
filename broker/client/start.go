package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/passphrase"
	"github.com/cloudspin/spin/internal/secret"
)

// starter starts spind before a client's first request.
type starter struct {
	o    launch.Options
	mu   sync.Mutex
	done bool
}

// Starting returns a client for the spind on o.Socket that starts one
// (launch.Ensure) before its first request, so a command starts spind only
// once it needs it: after its own input was read and checked.
func Starting(o launch.Options) *Client {
	c := New(o.Socket)
	c.start = &starter{o: o}
	return c
}

// ensure starts spind once; a failed start is tried again by the next
// request.
func (s *starter) ensure(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil
	}
	if err := launch.Ensure(ctx, s.o); err != nil {
		return err
	}
	s.done = true
	return nil
}

// KeyringReady has spind open its keyring and says why it cannot take
// key sets (locked, no backend), before anyone types a secret.
func (c *Client) KeyringReady(ctx context.Context) error {
	st, err := c.CheckKeyring(ctx)
	switch {
	case err != nil:
		return err
	case st.Locked:
		return hint.Wrap(fmt.Errorf("spind's %s keyring is locked", st.Backend), "run 'spin unlock' (or 'spin daemon start'), then again")
	case st.KeyringError != "":
		return hint.Wrap(errors.New(st.KeyringError), st.KeyringHint)
	}
	return nil
}

// UnlockIfNeeded hands a locked spind its passphrase: fromEnv
// (SPIN_KEYRING_PASSPHRASE) or asked, for the file backend
// (passphrase.Obtain); other backends guard themselves and just reopen.
func (c *Client) UnlockIfNeeded(ctx context.Context, fromEnv secret.String, ask passphrase.Ask) error {
	st, err := c.Status(ctx)
	if err != nil || !st.Locked {
		return err
	}
	var pass secret.String
	if st.Backend == "file" {
		if pass, err = passphrase.Obtain(fromEnv, st.KeyringNew, ask); err != nil {
			return err
		}
	}
	return c.Unlock(ctx, pass)
}
