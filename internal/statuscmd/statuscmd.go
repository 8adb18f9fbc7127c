// Package statuscmd is `spin status`: spind's sources and sessions as
// text (or JSON), with what the user's files get in their way: profiles
// that keys in ~/.aws/credentials shadow, and key sets due for rotation.
package statuscmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/hint"
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
// through getenv) are warned about on stderr. A config.yaml spind cannot
// use is an error after the status: spind still shows what it holds, but
// no new session can be made until the file is fixed, so "all well" (exit
// 0) would be wrong, in every output form.
func Run(ctx context.Context, d Daemon, cfg *profiles.Config, getenv func(string) string, o Options, stdout, stderr io.Writer) error {
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	switch {
	case o.JSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(st)
	case o.Callers:
		err = audit.WriteRecent(stdout, st.Callers)
	default:
		if cfg != nil {
			credPath, _ := profiles.CredentialsPath(getenv)
			profilecmd.PrintShadows(profilecmd.Out{Stdout: stdout, Stderr: stderr}, cfg, credPath)
		}
		apitext.KeyWarnings(stderr, st.KeyWarnings)
		err = apitext.Status(stdout, st, time.Now())
	}
	if err != nil {
		return err
	}
	return configError(st)
}

// configError is spind's config.yaml error, one error per problem (each
// its own `spin:` line, file:line:col first) with spind's fix, or nil.
func configError(st api.Status) error {
	if st.ConfigError == "" {
		return nil
	}
	var errs []error
	for line := range strings.Lines(st.ConfigError) {
		if line = strings.TrimSpace(line); line != "" {
			errs = append(errs, errors.New(line))
		}
	}
	// An older spind says no fix.
	return hint.Wrap(errors.Join(errs...), cmp.Or(st.ConfigHint, "fix "+st.ConfigPath))
}
