package api

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/cloudspin/spin/internal/secret"
)

// PathConsole is the prefix of POST /v1/console/{profile}: spind makes an
// AWS console sign-in URL for the profile (see internal/console).
const PathConsole = "/v1/console/"

// ConsoleRequest is the body of POST /v1/console/{profile}.
type ConsoleRequest struct {
	Path            string `json:"path,omitempty"`             // console page, e.g. /s3
	DurationSeconds int    `json:"duration_seconds,omitempty"` // console session; 0: one hour
}

// ConsoleURL is spind's answer. URL is a bearer secret: whoever opens it
// within 15 minutes is signed in.
type ConsoleURL struct {
	URL      secret.String
	Identity string // who the console signs in as (a role or federated user)
}

type consoleURLJSON struct {
	URL      string `json:"url"`
	Identity string `json:"identity"`
}

// Encode writes the answer; the URL leaves spind only here.
func (c ConsoleURL) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(consoleURLJSON{URL: c.URL.Reveal(), Identity: c.Identity})
}

// DecodeConsoleURL reads spind's answer.
func DecodeConsoleURL(r io.Reader) (ConsoleURL, error) {
	var j consoleURLJSON
	if err := json.NewDecoder(io.LimitReader(r, 64<<10)).Decode(&j); err != nil || j.URL == "" {
		return ConsoleURL{}, fmt.Errorf("spind answered without a console URL")
	}
	return ConsoleURL{URL: secret.New(j.URL), Identity: j.Identity}, nil
}
