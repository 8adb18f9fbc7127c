// Package awssso is spind's client of IAM Identity Center: client
// registration, the device-code and authorization-code (PKCE) sign-ins,
// token refresh, role credentials and logout through aws-sdk-go-v2's
// ssooidc and sso clients, and the per-source token state (Source) that
// spind keeps in memory and the keyring, never in a file.
package awssso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// Grant types as SSO OIDC names them.
const (
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	GrantRefresh    = "refresh_token"
	GrantAuthCode   = "authorization_code"
)

// ClientName is how spind registers with SSO OIDC (what the portal shows).
const ClientName = "spin"

// Route returns the endpoint override for a service ("sso" or "sso_oidc";
// "" means AWS's own) and the HTTP client to reach it with.
type Route func(service string) (endpoint string, hc *http.Client, err error)

// Client calls SSO OIDC and the access portal of one Identity Center
// instance.
type Client struct {
	StartURL string
	Region   string
	Scopes   []string
	Route    Route
}

func (c *Client) route(svc string) (string, *http.Client, error) {
	if c.Route == nil {
		return "", nil, nil
	}
	return c.Route(svc)
}

func retryer() aws.Retryer {
	// Throttling (429) and 5xx are retried with jittered backoff; the
	// caller's context bounds the whole.
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 5
		o.MaxBackoff = 5 * time.Second
	})
}

func (c *Client) oidc() (*ssooidc.Client, error) {
	ep, hc, err := c.route("sso_oidc")
	if err != nil {
		return nil, err
	}
	o := ssooidc.Options{Region: c.Region, Retryer: retryer()}
	if hc != nil {
		o.HTTPClient = hc
	}
	if ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	return ssooidc.New(o), nil
}

func (c *Client) portal() (*sso.Client, error) {
	ep, hc, err := c.route("sso")
	if err != nil {
		return nil, err
	}
	o := sso.Options{Region: c.Region, Retryer: retryer()}
	if hc != nil {
		o.HTTPClient = hc
	}
	if ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	return sso.New(o), nil
}

// Registration is a client registration; it is reused until it expires.
type Registration struct {
	ClientID     string
	ClientSecret secret.String
	Expires      time.Time
	// RedirectURI is set for an authorization-code registration.
	RedirectURI string
}

// Usable reports whether r can still be used at now (with an hour to
// spare, so a sign-in never starts on a registration about to lapse).
func (r Registration) Usable(now time.Time) bool {
	return r.ClientID != "" && now.Add(time.Hour).Before(r.Expires)
}

// Token is an SSO access token and the refresh token that renews it.
type Token struct {
	Access  secret.String
	Expires time.Time
	Refresh secret.String
	// ClientID is the registration that issued the token; refreshing needs
	// the same one.
	ClientID string
}

// Register registers spind as a public client. With redirectURI it is an
// authorization-code client (as `aws sso login` registers), else a
// device-code one.
func (c *Client) Register(ctx context.Context, redirectURI string) (Registration, error) {
	cl, err := c.oidc()
	if err != nil {
		return Registration{}, err
	}
	in := &ssooidc.RegisterClientInput{ClientName: aws.String(ClientName), ClientType: aws.String("public"),
		Scopes: c.Scopes}
	if redirectURI != "" {
		in.GrantTypes = []string{GrantAuthCode, GrantRefresh}
		in.RedirectUris = []string{redirectURI}
		in.IssuerUrl = aws.String(c.StartURL)
	}
	out, err := cl.RegisterClient(ctx, in)
	if err != nil {
		return Registration{}, fmt.Errorf("registering with SSO OIDC: %w", classifyErr(err))
	}
	return Registration{ClientID: aws.ToString(out.ClientId), ClientSecret: secret.New(aws.ToString(out.ClientSecret)),
		Expires: time.Unix(out.ClientSecretExpiresAt, 0), RedirectURI: redirectURI}, nil
}

// Device is a device authorization in progress.
type Device struct {
	Code            secret.String
	UserCode        string
	URL             string
	URLComplete     string
	Expires         time.Time
	Interval        time.Duration
	RegistrationID  string
	registrationKey secret.String
}

// StartDevice begins a device authorization with reg.
func (c *Client) StartDevice(ctx context.Context, reg Registration, now time.Time) (*Device, error) {
	cl, err := c.oidc()
	if err != nil {
		return nil, err
	}
	out, err := cl.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: aws.String(reg.ClientID),
		ClientSecret: aws.String(reg.ClientSecret.Reveal()), StartUrl: aws.String(c.StartURL)})
	if err != nil {
		return nil, fmt.Errorf("starting the device authorization: %w", classifyErr(err))
	}
	interval := time.Duration(out.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second // RFC 8628's default
	}
	return &Device{Code: secret.New(aws.ToString(out.DeviceCode)), UserCode: aws.ToString(out.UserCode),
		URL: aws.ToString(out.VerificationUri), URLComplete: aws.ToString(out.VerificationUriComplete),
		Expires: now.Add(time.Duration(out.ExpiresIn) * time.Second), Interval: interval,
		RegistrationID: reg.ClientID, registrationKey: reg.ClientSecret}, nil
}

// Sleep waits d or until ctx ends; tests inject one that advances a clock.
type Sleep func(ctx context.Context, d time.Duration) error

// RealSleep is Sleep on the wall clock.
func RealSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PollDevice waits for the user to approve d, polling every interval and
// five seconds more after each slow_down (RFC 8628 3.5).
func (c *Client) PollDevice(ctx context.Context, d *Device, now func() time.Time, sleep Sleep) (Token, error) {
	cl, err := c.oidc()
	if err != nil {
		return Token{}, err
	}
	interval := d.Interval
	for {
		if err := sleep(ctx, interval); err != nil {
			return Token{}, err
		}
		if !now().Before(d.Expires) {
			return Token{}, &Error{Code: "ExpiredTokenException", Message: "the device code expired before it was approved"}
		}
		at := now()
		out, err := cl.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(d.RegistrationID),
			ClientSecret: aws.String(d.registrationKey.Reveal()), GrantType: aws.String(GrantDeviceCode),
			DeviceCode: aws.String(d.Code.Reveal())})
		if err == nil {
			return token(out, d.RegistrationID, at), nil
		}
		switch classify(err).Code {
		case "AuthorizationPendingException":
			continue
		case "SlowDownException":
			interval += 5 * time.Second
			continue
		}
		return Token{}, fmt.Errorf("waiting for the device authorization: %w", classifyErr(err))
	}
}

func token(out *ssooidc.CreateTokenOutput, clientID string, at time.Time) Token {
	return Token{Access: secret.New(aws.ToString(out.AccessToken)), Refresh: secret.New(aws.ToString(out.RefreshToken)),
		Expires: at.Add(time.Duration(out.ExpiresIn) * time.Second), ClientID: clientID}
}

// PKCE is a code verifier and its S256 challenge (RFC 7636).
type PKCE struct {
	Verifier  secret.String
	Challenge string
}

// NewPKCE makes a fresh verifier: 32 random bytes, base64url.
func NewPKCE() PKCE {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand docs)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return PKCE{Verifier: secret.New(v), Challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// RandomState is an unguessable OAuth state value.
func RandomState() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuthorizeURL is where the browser goes for the authorization-code flow.
func (c *Client) AuthorizeURL(ctx context.Context, reg Registration, redirectURI, state string, p PKCE) (string, error) {
	base, _, err := c.route("sso_oidc")
	if err != nil {
		return "", err
	}
	if base == "" {
		ep, err := ssooidc.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, ssooidc.EndpointParameters{Region: aws.String(c.Region)})
		if err != nil {
			return "", fmt.Errorf("the SSO OIDC endpoint of region %s: %w", c.Region, err)
		}
		base = ep.URI.String()
	}
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirectURI},
		"state": {state}, "code_challenge_method": {"S256"}, "scopes": {strings.Join(c.Scopes, " ")},
		"code_challenge": {p.Challenge}}
	return strings.TrimSuffix(base, "/") + "/authorize?" + q.Encode(), nil
}

// ExchangeCode trades an authorization code for tokens.
func (c *Client) ExchangeCode(ctx context.Context, reg Registration, code, redirectURI string, p PKCE, now time.Time) (Token, error) {
	cl, err := c.oidc()
	if err != nil {
		return Token{}, err
	}
	out, err := cl.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(reg.ClientID),
		ClientSecret: aws.String(reg.ClientSecret.Reveal()), GrantType: aws.String(GrantAuthCode),
		Code: aws.String(code), RedirectUri: aws.String(redirectURI), CodeVerifier: aws.String(p.Verifier.Reveal())})
	if err != nil {
		return Token{}, fmt.Errorf("exchanging the authorization code: %w", classifyErr(err))
	}
	return token(out, reg.ClientID, now), nil
}

// Refresh renews t with its refresh token. Identity Center rotates refresh
// tokens: the returned Token carries the new one (or the old one, if none
// came back).
func (c *Client) Refresh(ctx context.Context, reg Registration, t Token, now time.Time) (Token, error) {
	cl, err := c.oidc()
	if err != nil {
		return Token{}, err
	}
	out, err := cl.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(reg.ClientID),
		ClientSecret: aws.String(reg.ClientSecret.Reveal()), GrantType: aws.String(GrantRefresh),
		RefreshToken: aws.String(t.Refresh.Reveal())})
	if err != nil {
		return Token{}, fmt.Errorf("refreshing the access token: %w", classifyErr(err))
	}
	nt := token(out, reg.ClientID, now)
	if nt.Refresh.IsZero() {
		nt.Refresh = t.Refresh
	}
	return nt, nil
}

// RoleCredentials gets the permission set role's credentials in account.
func (c *Client) RoleCredentials(ctx context.Context, access secret.String, account, role string) (api.Credentials, error) {
	cl, err := c.portal()
	if err != nil {
		return api.Credentials{}, err
	}
	out, err := cl.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(access.Reveal()),
		AccountId: aws.String(account), RoleName: aws.String(role)})
	if err != nil {
		return api.Credentials{}, fmt.Errorf("GetRoleCredentials for %s in %s: %w", role, account, classifyErr(err))
	}
	rc := out.RoleCredentials
	if rc == nil || aws.ToString(rc.AccessKeyId) == "" {
		return api.Credentials{}, errors.New("GetRoleCredentials returned no credentials")
	}
	return api.Credentials{AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: secret.New(aws.ToString(rc.SecretAccessKey)),
		SessionToken: secret.New(aws.ToString(rc.SessionToken)), AccountID: account,
		Expiration: time.UnixMilli(rc.Expiration).UTC()}, nil // the portal speaks epoch milliseconds
}

// Logout ends the sign-in at the portal.
func (c *Client) Logout(ctx context.Context, access secret.String) error {
	cl, err := c.portal()
	if err != nil {
		return err
	}
	if _, err := cl.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(access.Reveal())}); err != nil {
		return fmt.Errorf("portal logout: %w", classifyErr(err))
	}
	return nil
}

// Assignment is an account and the permission sets the user has in it.
type Assignment struct {
	AccountID, AccountName string
	Roles                  []string
}

// Assignments lists every account and role the user is assigned, page by
// page; the retryer backs off on TooManyRequestsException, and at most
// four accounts' roles are listed at once, so a large organisation (granted
// needed a fix for 665 accounts) is listed without a storm of 429s.
func (c *Client) Assignments(ctx context.Context, access secret.String) ([]Assignment, error) {
	cl, err := c.portal()
	if err != nil {
		return nil, err
	}
	token := aws.String(access.Reveal())
	var out []Assignment
	pages := sso.NewListAccountsPaginator(cl, &sso.ListAccountsInput{AccessToken: token, MaxResults: aws.Int32(100)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListAccounts: %w", classifyErr(err))
		}
		for _, a := range p.AccountList {
			out = append(out, Assignment{AccountID: aws.ToString(a.AccountId), AccountName: aws.ToString(a.AccountName)})
		}
	}
	sem := make(chan struct{}, 4)
	errs := make(chan error, len(out))
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func(a *Assignment) {
			defer func() { <-sem; wg.Done() }()
			roles := sso.NewListAccountRolesPaginator(cl, &sso.ListAccountRolesInput{AccessToken: token,
				AccountId: aws.String(a.AccountID), MaxResults: aws.Int32(100)})
			for roles.HasMorePages() {
				p, err := roles.NextPage(ctx)
				if err != nil {
					errs <- fmt.Errorf("ListAccountRoles for %s: %w", a.AccountID, classifyErr(err))
					return
				}
				for _, r := range p.RoleList {
					a.Roles = append(a.Roles, aws.ToString(r.RoleName))
				}
			}
		}(&out[i])
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return out, nil
}
