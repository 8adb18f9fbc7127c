// Package awslogin is spind's client of AWS Sign-In, the service behind
// `aws login` (console credentials): the authorize URL with PKCE, the code
// exchange and the refresh, every call carrying a fresh DPoP proof made
// with the login session's own key. It follows the AWS CLI
// (awscli/customizations/login) and botocore's signin model; the login
// session it returns is spind's to keep in memory and the keyring.
package awslogin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// The client ids the AWS CLI signs in as; Sign-In knows no others for
// public clients.
const (
	SameDeviceClient  = "arn:aws:signin:::devtools/same-device"
	CrossDeviceClient = "arn:aws:signin:::devtools/cross-device"
)

// confirmationPath is where the cross-device flow sends the browser: a page
// showing the code the user pastes.
const confirmationPath = "/v1/sessions/confirmation"

// Client calls AWS Sign-In in one region.
type Client struct {
	Region string
	// Endpoint overrides https://REGION.signin.aws.amazon.com (endpoints.signin,
	// AWS_ENDPOINT_URL_SIGNIN).
	Endpoint   string
	HTTPClient *http.Client
	Now        func() time.Time
}

// Base returns the Sign-In base URL the browser and the token calls use.
func (c *Client) Base(ctx context.Context) (string, error) {
	if c.Endpoint != "" {
		return strings.TrimSuffix(c.Endpoint, "/"), nil
	}
	ep, err := signin.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, signin.EndpointParameters{Region: aws.String(c.Region)})
	if err != nil {
		return "", fmt.Errorf("the Sign-In endpoint of region %s: %w", c.Region, err)
	}
	return strings.TrimSuffix(ep.URI.String(), "/"), nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Flow is one sign-in in progress: what spind keeps between handing out
// the authorize URL and receiving the code.
type Flow struct {
	ClientID    string
	RedirectURI string
	State       string
	pkce        PKCE
	key         *Key
}

// Start begins a sign-in. redirectURI is the CLI's loopback callback;
// empty means the cross-device flow, whose page shows a code to paste. It
// returns the flow and the URL to open in the browser.
func (c *Client) Start(ctx context.Context, redirectURI string) (*Flow, string, error) {
	base, err := c.Base(ctx)
	if err != nil {
		return nil, "", err
	}
	key, err := NewKey()
	if err != nil {
		return nil, "", err
	}
	f := &Flow{ClientID: SameDeviceClient, RedirectURI: redirectURI, State: randomState(), pkce: NewPKCE(), key: key}
	if redirectURI == "" {
		f.ClientID, f.RedirectURI = CrossDeviceClient, base+confirmationPath
	}
	q := url.Values{"response_type": {"code"}, "client_id": {f.ClientID}, "state": {f.State},
		"code_challenge_method": {"SHA-256"}, "scope": {"openid"}, "redirect_uri": {f.RedirectURI},
		"code_challenge": {f.pkce.Challenge}}
	return f, base + "/v1/authorize?" + q.Encode(), nil
}

func randomState() string {
	return strings.ToLower(NewPKCE().verifier[:32])
}

// ParsePastedCode decodes what the cross-device confirmation page shows:
// base64 of "code=...&state=...".
func ParsePastedCode(pasted string) (code, state string, err error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(pasted))
	if err != nil {
		return "", "", errors.New("the pasted code is not what the Sign-In page shows: copy it again")
	}
	q, err := url.ParseQuery(string(raw))
	if err != nil || q.Get("code") == "" || q.Get("state") == "" {
		return "", "", errors.New("the pasted code holds no authorization code: copy it again")
	}
	return q.Get("code"), q.Get("state"), nil
}

// Session is a login session: the refresh token, the DPoP key it is bound
// to and the console credentials last obtained.
type Session struct {
	ClientID     string
	RefreshToken secret.String
	Key          *Key
	// ARN is the signed-in principal (the id token's sub), the name the
	// AWS CLI gives the session (login_session).
	ARN         string
	AccountID   string
	Credentials api.Credentials
	// SignedIn is when the user signed in; zero when unknown (imported).
	SignedIn time.Time
}

// Exchange redeems the code the browser was given for a login session. The
// state must be the flow's: anything else is a forged or crossed redirect.
func (c *Client) Exchange(ctx context.Context, f *Flow, code, state string) (*Session, error) {
	if state != f.State {
		return nil, errors.New("the sign-in answer belongs to another sign-in (state mismatch): run the sign-in again")
	}
	out, err := c.call(ctx, f.key, &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(f.ClientID), GrantType: aws.String("authorization_code"),
		Code: aws.String(code), CodeVerifier: aws.String(f.pkce.verifier), RedirectUri: aws.String(f.RedirectURI),
	})
	if err != nil {
		return nil, err
	}
	s := &Session{ClientID: f.ClientID, Key: f.key, SignedIn: c.now()}
	if err := s.update(out, c.now()); err != nil {
		return nil, err
	}
	arn, err := subject(aws.ToString(out.IdToken))
	if err != nil {
		return nil, err
	}
	s.ARN = arn
	s.AccountID = accountOf(arn)
	return s, nil
}

// Refresh gets new console credentials for the session with a fresh
// proof, updating s. Errors from Sign-In are *Error.
func (c *Client) Refresh(ctx context.Context, s *Session) error {
	out, err := c.call(ctx, s.Key, &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(s.ClientID), GrantType: aws.String("refresh_token"),
		RefreshToken: aws.String(s.RefreshToken.Reveal()),
	})
	if err != nil {
		return err
	}
	return s.update(out, c.now())
}

func (s *Session) update(out *types.CreateOAuth2TokenResponseBody, now time.Time) error {
	if out == nil || out.AccessToken == nil || out.ExpiresIn == nil || out.AccessToken.AccessKeyId == nil ||
		out.AccessToken.SecretAccessKey == nil || out.AccessToken.SessionToken == nil {
		return errors.New("Sign-In answered without console credentials")
	}
	s.Credentials = api.Credentials{
		AccessKeyID:     *out.AccessToken.AccessKeyId,
		SecretAccessKey: secret.New(*out.AccessToken.SecretAccessKey),
		SessionToken:    secret.New(*out.AccessToken.SessionToken),
		// From our clock at the answer, as the AWS CLI does: expiresIn is
		// relative, and the request took a moment.
		Expiration: now.Add(time.Duration(*out.ExpiresIn) * time.Second),
	}
	if rt := aws.ToString(out.RefreshToken); rt != "" {
		s.RefreshToken = secret.New(rt)
	}
	return nil
}

func (c *Client) call(ctx context.Context, key *Key, body *types.CreateOAuth2TokenRequestBody) (*types.CreateOAuth2TokenResponseBody, error) {
	o := signin.Options{
		Region: c.Region,
		// Token calls are not idempotent for codes; a refresh is retried by
		// the session cache with its own backoff.
		Retryer: retry.AddWithMaxAttempts(retry.NewStandard(), 1),
		APIOptions: []func(*middleware.Stack) error{func(st *middleware.Stack) error {
			return st.Finalize.Add(dpopMiddleware(key, c.now), middleware.After)
		}},
	}
	if c.Endpoint != "" {
		o.BaseEndpoint = aws.String(c.Endpoint)
	}
	if c.HTTPClient != nil {
		o.HTTPClient = c.HTTPClient
	}
	out, err := signin.New(o).CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: body})
	if err != nil {
		return nil, classify(err)
	}
	if out.TokenOutput == nil {
		return nil, errors.New("Sign-In answered without a token")
	}
	return out.TokenOutput, nil
}

// dpopMiddleware signs each attempt with a fresh proof for the URL it is
// sent to.
func dpopMiddleware(key *Key, now func() time.Time) middleware.FinalizeMiddleware {
	return middleware.FinalizeMiddlewareFunc("DPoP", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		req, ok := in.Request.(*smithyhttp.Request)
		if !ok {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("unexpected transport %T", in.Request)
		}
		u := *req.URL
		u.RawQuery, u.Fragment = "", ""
		proof, err := key.Proof(req.Method, u.String(), now())
		if err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		req.Header.Set("DPoP", proof)
		return next.HandleFinalize(ctx, in)
	})
}

// subject reads the sub claim of the id token; the AWS CLI trusts the TLS
// channel for it and so does spind.
func subject(idToken string) (string, error) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return "", errors.New("Sign-In's id token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", errors.New("Sign-In's id token is not base64url")
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(b, &c); err != nil || !strings.HasPrefix(c.Sub, "arn:") {
		return "", errors.New("Sign-In's id token names no principal")
	}
	return c.Sub, nil
}

// accountOf is the account field of an ARN.
func accountOf(arn string) string {
	if f := strings.SplitN(arn, ":", 6); len(f) == 6 {
		return f[4]
	}
	return ""
}
