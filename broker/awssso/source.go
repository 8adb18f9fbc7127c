package awssso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// Store keeps a source's secret state: one keyring item per source.
// GetSource answers a zero String and no error when there is none.
type Store interface {
	PutSource(ctx context.Context, name string, data secret.String) error
	GetSource(ctx context.Context, name string) (secret.String, error)
	RemoveSource(ctx context.Context, name string) error
}

// RefreshAhead is how long before the access token expires it is
// refreshed: a role session obtained with it must not race its expiry.
const RefreshAhead = 5 * time.Minute

// Source is one sso source's sign-in state in spind: registrations, the
// token, the sign-in in progress. Its methods are safe for concurrent use;
// a refresh or a sign-in happens once however many callers need it.
type Source struct {
	Name   string
	Client *Client
	// Store, if set, keeps the state across spind restarts; nil keeps it
	// in memory only.
	Store  Store
	Now    func() time.Time
	Sleep  Sleep
	Logger *slog.Logger

	mu       sync.Mutex // guards everything below; held across a refresh
	loaded   bool
	st       state
	lastErr  string
	refresh  time.Time // last successful refresh
	device   *deviceFlow
	browsers map[string]*browserFlow // by state
}

// state is what the keyring item holds, as JSON.
type state struct {
	StartURL string       `json:"start_url"`
	Region   string       `json:"region"`
	Endpoint string       `json:"endpoint,omitempty"` // SSO OIDC override the registrations belong to
	Device   registration `json:"device_registration"`
	Browser  registration `json:"browser_registration"`
	// Imported is the AWS CLI's registration that issued an imported
	// token: used only to refresh that token.
	Imported registration `json:"imported_registration,omitzero"`
	Token    tokenJSON    `json:"token"`
}

type registration struct {
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
	Expires      time.Time `json:"expires"`
	RedirectURI  string    `json:"redirect_uri,omitempty"`
}

type tokenJSON struct {
	Access   string    `json:"access_token,omitempty"`
	Expires  time.Time `json:"expires"`
	Refresh  string    `json:"refresh_token,omitempty"`
	ClientID string    `json:"client_id,omitempty"`
}

func toReg(r registration) Registration {
	return Registration{ClientID: r.ClientID, ClientSecret: secret.New(r.ClientSecret), Expires: r.Expires, RedirectURI: r.RedirectURI}
}

func fromReg(r Registration) registration {
	return registration{ClientID: r.ClientID, ClientSecret: r.ClientSecret.Reveal(), Expires: r.Expires, RedirectURI: r.RedirectURI}
}

func (t tokenJSON) token() Token {
	return Token{Access: secret.New(t.Access), Expires: t.Expires, Refresh: secret.New(t.Refresh), ClientID: t.ClientID}
}

func fromToken(t Token) tokenJSON {
	return tokenJSON{Access: t.Access.Reveal(), Expires: t.Expires, Refresh: t.Refresh.Reveal(), ClientID: t.ClientID}
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Source) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// loadLocked reads the keyring item once. A state made for another start
// URL or region (the source was edited) is dropped.
func (s *Source) loadLocked(ctx context.Context) error {
	if s.loaded {
		return nil
	}
	if s.Store != nil {
		data, err := s.Store.GetSource(ctx, s.Name)
		if err != nil {
			return fmt.Errorf("source %s: %w", s.Name, err)
		}
		var st state
		if data.IsZero() {
		} else if jerr := json.Unmarshal([]byte(data.Reveal()), &st); jerr != nil {
			s.log().Warn("sso: ignoring an unreadable keyring item", "source", s.Name)
		} else if st.StartURL == s.Client.StartURL && st.Region == s.Client.Region && st.Endpoint == s.endpoint() {
			s.st = st
		}
	}
	s.st.StartURL, s.st.Region, s.st.Endpoint = s.Client.StartURL, s.Client.Region, s.endpoint()
	s.loaded = true
	return nil
}

// endpoint is the SSO OIDC endpoint override in use: registrations and
// tokens of another instance (an emulator, say) are worthless here.
func (s *Source) endpoint() string {
	ep, _, err := s.Client.route("sso_oidc")
	if err != nil {
		return ""
	}
	return ep
}

// saveLocked stores the state; its error only matters to a caller about
// to delete the tokens' other copy (an import).
func (s *Source) saveLocked(ctx context.Context) error {
	if s.Store == nil {
		return nil
	}
	data, err := json.Marshal(s.st)
	if err != nil {
		return err
	}
	if err := s.Store.PutSource(ctx, s.Name, secret.New(string(data))); err != nil {
		// Memory still holds it: this spind keeps working; a restart
		// will ask for a sign-in.
		s.lastErr = "keyring: " + err.Error()
		s.log().Warn("sso: could not store the tokens in the keyring", "source", s.Name, "err", err)
		return fmt.Errorf("store the tokens in the keyring: %w", err)
	}
	return nil
}

// AccessToken returns an access token with at least RefreshAhead left,
// refreshing it first if needed. ErrSigninRequired (wrapped) means only a
// new sign-in helps.
func (s *Source) AccessToken(ctx context.Context) (secret.String, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(ctx); err != nil {
		return secret.String{}, err
	}
	t := s.st.Token.token()
	now := s.now()
	if !t.Access.IsZero() && now.Add(RefreshAhead).Before(t.Expires) {
		return t.Access, nil
	}
	if t.Refresh.IsZero() {
		if !t.Access.IsZero() && now.Before(t.Expires) {
			return t.Access, nil // a sign-in without refresh token: use it to the end
		}
		return secret.String{}, fmt.Errorf("source %s: %w", s.Name, ErrSigninRequired)
	}
	nt, err := s.Client.Refresh(ctx, s.registrationLocked(t), t, now)
	if err != nil {
		s.lastErr = err.Error()
		if NeedsSignin(err) {
			s.st.Token = tokenJSON{}
			s.saveLocked(ctx)
			s.log().Info("sso: refresh token refused; a sign-in is needed", "source", s.Name, "err", err)
			return secret.String{}, fmt.Errorf("source %s: %w: %w", s.Name, ErrSigninRequired, err)
		}
		if now.Before(t.Expires) {
			return t.Access, nil // still valid: try again next time
		}
		return secret.String{}, fmt.Errorf("source %s: %w", s.Name, err)
	}
	s.st.Token, s.refresh, s.lastErr = fromToken(nt), now, ""
	s.saveLocked(ctx)
	s.log().Info("sso: access token refreshed", "source", s.Name, "expires", nt.Expires)
	return nt.Access, nil
}

// registrationLocked is the client registration that issued t: only it
// may refresh t.
func (s *Source) registrationLocked(t Token) Registration {
	switch t.ClientID {
	case s.st.Browser.ClientID:
		return toReg(s.st.Browser)
	case s.st.Imported.ClientID:
		return toReg(s.st.Imported)
	}
	return toReg(s.st.Device)
}

// RoleCredentials gets role credentials for account and role with the
// current access token; a token the portal refuses counts as signed out.
func (s *Source) RoleCredentials(ctx context.Context, account, role string) (api.Credentials, error) {
	access, err := s.AccessToken(ctx)
	if err != nil {
		return api.Credentials{}, err
	}
	c, err := s.Client.RoleCredentials(ctx, access, account, role)
	var e *Error
	if errors.As(err, &e) && e.Code == "UnauthorizedException" {
		s.mu.Lock()
		if s.st.Token.Access == access.Reveal() {
			s.st.Token = tokenJSON{}
			s.saveLocked(ctx)
		}
		s.mu.Unlock()
		return api.Credentials{}, fmt.Errorf("source %s: %w: %w", s.Name, ErrSigninRequired, err)
	}
	return c, err
}

// SignedIn reports whether the source has a token it can use or refresh,
// without calling AWS.
func (s *Source) SignedIn(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(ctx); err != nil {
		return false, err
	}
	t := s.st.Token
	return t.Refresh != "" || (t.Access != "" && s.now().Before(t.Expires)), nil
}

// Status is what `spin status` shows about a source.
type Status struct {
	SignedIn    bool
	Expires     time.Time // the access token's
	LastRefresh time.Time
	LastError   string
	Pending     bool // a sign-in is in progress
}

// Status reports the source's state without calling AWS or the keyring.
func (s *Source) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.Token
	return Status{SignedIn: t.Refresh != "" || (t.Access != "" && s.now().Before(t.Expires)), Expires: t.Expires,
		LastRefresh: s.refresh, LastError: s.lastErr, Pending: s.device != nil || len(s.browsers) > 0}
}

// Logout ends the sign-in at the portal (best effort: the tokens are
// dropped whatever it answers) and forgets the tokens; registrations stay.
func (s *Source) Logout(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(ctx); err != nil {
		return err
	}
	t := s.st.Token.token()
	var err error
	if !t.Refresh.IsZero() && !s.now().Before(t.Expires) {
		// The portal ends a sign-in only for a live access token, and the
		// refresh token would otherwise stay good at AWS for hours.
		if nt, rerr := s.Client.Refresh(ctx, s.registrationLocked(t), t, s.now()); rerr == nil {
			t = nt
		}
	}
	if !t.Access.IsZero() && s.now().Before(t.Expires) {
		err = s.Client.Logout(ctx, t.Access)
	}
	s.st.Token = tokenJSON{}
	s.lastErr = ""
	// A sign-in still waiting for its code or browser would sign spind in
	// again behind the logout.
	if s.device != nil {
		s.device.abandoned = true
		s.device = nil
	}
	s.browsers = nil
	if s.Store != nil {
		if rerr := s.Store.RemoveSource(ctx, s.Name); rerr != nil && err == nil {
			err = rerr
		}
		// Registrations are not secrets of the sign-in, but keep them only
		// in memory now that the item is gone.
	}
	return err
}

// setToken stores a fresh sign-in's token; callers hold s.mu.
func (s *Source) setTokenLocked(ctx context.Context, t Token) {
	s.st.Token, s.refresh, s.lastErr = fromToken(t), s.now(), ""
	s.saveLocked(ctx)
	s.log().Info("sso: signed in", "source", s.Name, "expires", t.Expires)
}

// Assignments lists the user's accounts and roles with the current token.
func (s *Source) Assignments(ctx context.Context) ([]Assignment, error) {
	access, err := s.AccessToken(ctx)
	if err != nil {
		return nil, err
	}
	return s.Client.Assignments(ctx, access)
}
