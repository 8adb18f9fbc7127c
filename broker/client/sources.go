package client

import (
	"bytes"
	"context"
	"net/http"
	"net/url"

	"github.com/cloudspin/spin/broker/api"
)

// SetGitHubRequest hands spind a GitHub Actions job's OIDC token request
// (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN) for a web_identity source.
func (c *Client) SetGitHubRequest(ctx context.Context, source string, req api.GitHubRequest) error {
	var buf bytes.Buffer
	if err := req.Encode(&buf); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, api.PathSources+url.PathEscape(source)+api.GitHubRequestSuffix, &buf, nil)
}
