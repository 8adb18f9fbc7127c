package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// signIn does what spind's signin_required asks of the CLI, where the CLI
// can. A web_identity source with github_actions: true needs the job's
// OIDC token request, which only the job's own processes see; spind never
// inherits it (an autostarted spind gets an allow-listed environment, and
// the request token is a secret, so it goes over the socket). It reports
// whether it did something worth retrying for.
func signIn(ctx context.Context, e *env, c *client.Client, ce *client.Error) (bool, error) {
	if ce.Body.SourceKind == string(profiles.KindWebIdentity) {
		return true, handOverGitHubRequest(ctx, e, c, ce.Body.Source)
	}
	return false, nil
}

// handOverGitHubRequest gives spind ACTIONS_ID_TOKEN_REQUEST_URL and
// _TOKEN, which GitHub sets only for jobs with `permissions: id-token:
// write`.
func handOverGitHubRequest(ctx context.Context, e *env, c *client.Client, source string) error {
	u, tok := e.getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), e.getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if u == "" || tok == "" {
		var missing []string
		for _, v := range []string{"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"} {
			if e.getenv(v) == "" {
				missing = append(missing, v)
			}
		}
		cause := fmt.Sprintf("source %s uses GitHub Actions' OIDC token, but %s is not set", source, strings.Join(missing, " and "))
		if e.getenv("GITHUB_ACTIONS") != "true" {
			return hint.New(cause+": this is not a GitHub Actions job",
				"run this in a GitHub Actions job, or give source "+source+" a token_file or token_command")
		}
		return hint.New(cause+": the job may not request OIDC tokens", "add `permissions: id-token: write` to the job")
	}
	return c.SetGitHubRequest(ctx, source, api.GitHubRequest{URL: u, Token: secret.New(tok)})
}
