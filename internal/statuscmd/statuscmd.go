// Package statuscmd is `spin status`: spind's sources and sessions as
// text (or JSON), with what the user's files get in their way: profiles
// that keys in ~/.aws/credentials shadow, and key sets due for rotation.
package statuscmd

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/profilecmd"
)

// Daemon is the part of spind's client `spin status` uses.
type Daemon interface {
	Status(ctx context.Context) (api.Status, error)
}

// Options are the flags of `spin status`.
type Options struct {
	JSON    bool // spind's status as it answered it
	Callers bool // the recent callers per profile instead
}

// Run prints spind's status. cfg, spin's config (nil when it does not
// load), names the profiles whose shadows in the credentials file (found
// through getenv) are warned about on stderr.
func Run(ctx context.Context, d Daemon, cfg *profiles.Config, getenv func(string) string, o Options, stdout, stderr io.Writer) error {
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if o.Callers {
		return audit.WriteRecent(stdout, st.Callers)
	}
	if cfg != nil {
		credPath, _ := profiles.CredentialsPath(getenv)
		profilecmd.PrintShadows(profilecmd.Out{Stdout: stdout, Stderr: stderr}, cfg, credPath)
	}
	apitext.KeyWarnings(stderr, st.KeyWarnings)
	return apitext.Status(stdout, st, time.Now())
}
