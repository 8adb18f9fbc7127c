package audit

import (
	"errors"
	"io"
	"time"
)

// Query is what `spin audit` asks for: requests since a duration ago or a
// time (ParseSince; empty: all), for one profile (empty: all), as a
// table or JSON.
type Query struct {
	Since, Profile string
	JSON           bool
}

// Show is `spin audit`: the requests of the log at DefaultPath(getenv)
// that match q, as of now.
func Show(w io.Writer, getenv func(string) string, q Query, now time.Time) error {
	path := DefaultPath(getenv)
	if path == "" {
		return errors.New("cannot locate the audit log: set HOME or XDG_STATE_HOME")
	}
	from, err := ParseSince(q.Since, now)
	if err != nil {
		return err
	}
	return Report(w, path, Filter{Since: from, Profile: q.Profile}, q.JSON)
}
