package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/webidentity"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/profiles"
)

// webIdentitySource is a CI's OIDC token exchanged with
// AssumeRoleWithWebIdentity. It needs no keyring: nothing it holds
// outlives the CI job. Every session gets a fresh token, fetched inside
// the cache's single flight, so N callers cost one token and one STS call.
type webIdentitySource struct {
	b     *Broker
	fetch *webidentity.Fetcher
	host  string

	mu sync.Mutex
	gh map[string]webidentity.GitHubRequest // by source name, from the CLI
}

func newWebIdentitySource(b *Broker, fetch *webidentity.Fetcher, host string) *webIdentitySource {
	return &webIdentitySource{b: b, fetch: fetch, host: host, gh: map[string]webidentity.GitHubRequest{}}
}

// hasGitHubRequest reports whether the CLI handed over the GitHub job's
// token request for source (status).
func (s *webIdentitySource) hasGitHubRequest(source string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.gh[source]
	return ok
}

func (s *webIdentitySource) Direct(context.Context, Request) (api.Credentials, bool, *api.Error) {
	return api.Credentials{}, false, nil // profiles of this source always have a role_arn
}

func (s *webIdentitySource) Prepare(_ context.Context, req Request) (Obtain, *api.Error) {
	p, w := req.Profile, req.Def.WebIdentity
	var gh webidentity.GitHubRequest
	if w.GitHubActions {
		s.mu.Lock()
		r, ok := s.gh[p.Source]
		s.mu.Unlock()
		if !ok {
			return nil, signinRequired(p.Source, profiles.KindWebIdentity,
				fmt.Sprintf("in the job, run the command under 'spin exec %s -- CMD', or use spin plan/up/down: they hand spind the job's token request", p.Name),
				"source %s uses GitHub Actions' OIDC token, and spind has not been given this job's token request yet", p.Source)
		}
		gh = r
	}
	sts, ok := s.b.cfg.STS.(WebIdentitySTS)
	if !ok {
		return nil, errorf(api.CodeInternal, "", "profile %s: this spind's STS client cannot call AssumeRoleWithWebIdentity", p.Name)
	}
	return func(ctx context.Context) (api.Credentials, error) {
		fetch := *s.fetch
		if w.GitHubActions {
			// GitHub's endpoint is reached like AWS: through config.yaml's
			// proxy and CA bundle, never spind's environment.
			_, hc, err := s.b.routeAs(awsnet.STS, "GitHub's OIDC token endpoint")
			if err != nil {
				return api.Credentials{}, err
			}
			fetch.HTTP = hc
		}
		tok, err := fetch.Fetch(ctx, w, gh)
		if err != nil {
			return api.Credentials{}, err
		}
		name := req.SessionName
		if !p.RoleSessionNameSet {
			// Traceable in CloudTrail to the CI run that made it.
			name = webidentity.SessionName(tok.Claims, s.host)
		}
		c, err := sts.AssumeRoleWithWebIdentity(ctx, WebIdentityInput{Region: p.Region, RoleARN: p.RoleARN,
			SessionName: name, Token: tok.Raw, Duration: p.Duration})
		if err != nil {
			return api.Credentials{}, &webIdentityError{err: err, claims: tok.Claims}
		}
		s.b.log.Info("web identity session", "profile", p.Name, "source", p.Source, "role_session_name", name,
			"subject", tok.Claims.Sub, "token_expires", tok.Claims.Expires())
		return c, nil
	}, nil
}

// webIdentityError is an STS refusal with what spind read of the token.
type webIdentityError struct {
	err    error
	claims webidentity.Claims
}

func (e *webIdentityError) Error() string { return e.err.Error() }
func (e *webIdentityError) Unwrap() error { return e.err }

// Explain says, in one line, why a token was refused and what to change:
// these are configuration mistakes in CI, found by reading a job's log.
func (s *webIdentitySource) Explain(req Request, err error) *api.Error {
	p, w := req.Profile, req.Def.WebIdentity
	at := fmt.Sprintf("profile %s (source %s)", p.Name, p.Source)
	if msg, hint, ok := noAnswer(err); ok {
		return errorf(api.CodeSTSFailed, hint, "%s: %s", at, msg)
	}
	var te *webidentity.Error
	if errors.As(err, &te) {
		return errorf(api.CodeSTSFailed, te.Hint, "%s: %s", at, te.Msg)
	}
	var we *webIdentityError
	errors.As(err, &we)
	var claims webidentity.Claims
	if we != nil {
		claims = we.claims
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return errorf(api.CodeSTSFailed, stsHint(err, p.Source, p.Name), "%s: assume %s: %s", at, p.RoleARN, stsMessage(err))
	}
	msg := ae.ErrorMessage()
	var cause, hint string
	switch code := ae.ErrorCode(); {
	case code == "InvalidIdentityToken" && strings.Contains(msg, "audience"):
		cause = fmt.Sprintf("the OIDC token's audience %q is not a client id of the role's IAM OIDC provider", w.Audience)
		hint = fmt.Sprintf("set audience: in source %s to a client id the provider lists (sts.amazonaws.com for GitHub Actions), or add %q to the provider's audiences", p.Source, w.Audience)
	case code == "InvalidIdentityToken" && strings.Contains(msg, "No OpenIDConnect provider"):
		cause = "the role's account has no IAM OIDC provider for the token's issuer"
		hint = "create the IAM OIDC identity provider for the CI's issuer in the role's account (README: Running in CI)"
	case code == "InvalidIdentityToken":
		cause = "STS refused the OIDC token"
		hint = fmt.Sprintf("check that %s yields the CI's ID token (a JWT) and nothing else", w)
	case code == "ExpiredTokenException" || code == "ExpiredToken":
		cause = "the OIDC token from " + w.String() + " has expired"
		if t := claims.Expires(); !t.IsZero() {
			cause += " (at " + t.Format(time.RFC3339) + ")"
		}
		switch {
		case w.TokenFile != "":
			hint = "whatever writes " + w.TokenFile + " must replace the token before it expires (spind re-reads the file for every session)"
		case w.TokenCommand != "":
			hint = "make token_command print a fresh token each time it runs"
		default:
			hint = "check the runner's clock, then re-run the job"
		}
	case code == "AccessDenied":
		cause = fmt.Sprintf("the trust policy of %s does not allow this token", p.RoleARN)
		if claims.Sub != "" {
			cause += fmt.Sprintf(" (sub %q)", claims.Sub)
		}
		hint = "allow the token's sub (StringLike, e.g. repo:OWNER/REPO:ref:refs/heads/main) and aud in the role's trust policy (README: Running in CI)"
	case code == "IDPRejectedClaim":
		cause = "STS rejected a claim of the OIDC token (it is not valid yet)"
		hint = "check the clocks of the runner and of the token's issuer"
	case code == "IDPCommunicationError":
		cause = "STS could not fetch the OIDC provider's signing keys"
		hint = "retry; the issuer's /.well-known/openid-configuration and keys must be reachable from AWS"
	default:
		return errorf(api.CodeSTSFailed, stsHint(err, p.Source, p.Name), "%s: assume %s: %s", at, p.RoleARN, stsMessage(err))
	}
	return errorf(api.CodeSTSFailed, hint, "%s: %s (%s: %s)", at, cause, ae.ErrorCode(), msg)
}

// handleGitHubRequest takes a GitHub Actions job's token request for a
// web_identity source with github_actions: true.
func (b *Broker) handleGitHubRequest(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("source")
	req, err := api.DecodeGitHubRequest(r.Body)
	if err != nil {
		writeError(w, bodyError(err))
		return
	}
	conf, aerr := b.config()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	def, ok := conf.Sources[name]
	if !ok || def.Kind != profiles.KindWebIdentity || !def.WebIdentity.GitHubActions {
		writeError(w, errorf(api.CodeNotFound, "add it under sources: with web_identity: {github_actions: true} in "+conf.Path,
			"%s is not a web_identity source with github_actions: true", name))
		return
	}
	if req.URL == "" || req.Token.IsZero() {
		writeError(w, errorf(api.CodeBadRequest, "add `permissions: id-token: write` to the job",
			"the GitHub token request for source %s is empty", name))
		return
	}
	src := b.webIdentity
	src.mu.Lock()
	prev, had := src.gh[name]
	src.gh[name] = webidentity.GitHubRequest{URL: req.URL, Token: req.Token}
	src.mu.Unlock()
	if had && (prev.URL != req.URL || !prev.Token.Equal(req.Token)) {
		// Another job on the same runner (self-hosted runners run theirs
		// one after the other as one user, sharing spind): the sessions
		// made with the last job's tokens are not this job's, whose own
		// token the role's trust policy may refuse.
		b.dropSessionsOf(name)
		b.log.Info("GitHub Actions token request replaced; the source's sessions dropped", "source", name)
	} else if !had {
		b.log.Info("GitHub Actions token request received", "source", name)
	}
	w.WriteHeader(http.StatusNoContent)
}
