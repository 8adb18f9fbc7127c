// Package sessionscmd is the CLI's side of `spin sessions`: it lists the
// role sessions spind holds and asks spind to drop them.
package sessionscmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
)

// Daemon is the part of spind's client (broker/client) these commands use.
type Daemon interface {
	Status(ctx context.Context) (api.Status, error)
	Clear(ctx context.Context, profile string, mfa bool) (api.ClearedSessions, error)
}

// List is `spin sessions list`: the sessions spind holds, as a table
// or a JSON array.
func List(ctx context.Context, d Daemon, stdout, stderr io.Writer, asJSON bool) error {
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return apitext.JSONList(stdout, st.Sessions)
	}
	if len(st.Sessions) == 0 {
		fmt.Fprintln(stderr, "spin: no sessions held")
		return nil
	}
	return apitext.Sessions(stdout, st.Sessions, time.Now())
}

// Clear is `spin sessions clear`: profile's cached role sessions (all,
// for ""), with mfa its key set's MFA sessions too, and how many.
func Clear(ctx context.Context, d Daemon, profile string, mfa bool, stdout io.Writer) error {
	n, err := d.Clear(ctx, profile, mfa)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cleared %d session(s); the next request makes a new one\n", n.Cleared)
	if mfa {
		fmt.Fprintf(stdout, "cleared %d MFA session(s); the next new session asks for a code\n", n.MFACleared)
	}
	return nil
}
