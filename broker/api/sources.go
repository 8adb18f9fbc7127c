package api

import (
	"encoding/json"
	"io"

	"github.com/cloudspin/spin/internal/secret"
)

// PathSources is the prefix of a source's endpoints: /v1/sources/{name}/….
const PathSources = "/v1/sources/"

// GitHubRequestSuffix ends PUT /v1/sources/{name}/github-request: the CLI
// hands spind the GitHub Actions job's ACTIONS_ID_TOKEN_REQUEST_URL and
// _TOKEN, which spind uses to get a fresh OIDC token for every session.
// spind never sees the job's environment (it may have been started by a
// helper with an allow-listed one), and the request token is a secret, so
// it travels over the user-only socket rather than through environ.
const GitHubRequestSuffix = "/github-request"

// GitHubRequest is the body of PUT /v1/sources/{name}/github-request.
type GitHubRequest struct {
	URL   string
	Token secret.String
}

type gitHubRequestJSON struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// Encode writes the request body. The token leaves the process only here.
func (g GitHubRequest) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(gitHubRequestJSON{URL: g.URL, Token: g.Token.Reveal()})
}

// DecodeGitHubRequest reads a PUT /v1/sources/{name}/github-request body.
func DecodeGitHubRequest(r io.Reader) (GitHubRequest, error) {
	return decodeStrict(r, "GitHub token request", func(j gitHubRequestJSON) GitHubRequest {
		return GitHubRequest{URL: j.URL, Token: secret.New(j.Token)}
	})
}
