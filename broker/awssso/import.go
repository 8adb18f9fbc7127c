package awssso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/secret"
)

// cacheToken is a token file of the AWS CLI's ~/.aws/sso/cache, which
// aws-sdk-go-v2's ssocreds reads too.
type cacheToken struct {
	StartURL              string `json:"startUrl"`
	Region                string `json:"region"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	RefreshToken          string `json:"refreshToken"`
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	RegistrationExpiresAt string `json:"registrationExpiresAt"`
}

// ImportCache adopts the token `aws sso login` cached for this source.
// With a refresh token and its registration the token is refreshed once
// first, so a stale or foreign file is refused now and the refresh token
// is known to work; a bare access token is kept until it expires. It
// never names a token in an error.
func (s *Source) ImportCache(ctx context.Context, data []byte) error {
	var c cacheToken
	if err := json.Unmarshal(data, &c); err != nil {
		return errors.New("the cache file is not an AWS CLI SSO token (not JSON of that shape)")
	}
	if c.AccessToken == "" || c.ExpiresAt == "" {
		return errors.New("the cache file holds no access token")
	}
	if c.StartURL != "" && strings.TrimRight(c.StartURL, "/") != strings.TrimRight(s.Client.StartURL, "/") {
		return fmt.Errorf("the cached token is for %s, not for this source's %s", c.StartURL, s.Client.StartURL)
	}
	if c.Region != "" && c.Region != s.Client.Region {
		return fmt.Errorf("the cached token is for region %s, not for this source's %s", c.Region, s.Client.Region)
	}
	expires, err := time.Parse(time.RFC3339, c.ExpiresAt)
	if err != nil {
		return fmt.Errorf("the cached token's expiresAt %q is not a time", c.ExpiresAt)
	}
	t := Token{Access: secret.New(c.AccessToken), Expires: expires, Refresh: secret.New(c.RefreshToken), ClientID: c.ClientID}
	var reg Registration
	now := s.now()
	if c.RefreshToken != "" && c.ClientID != "" && c.ClientSecret != "" {
		reg = Registration{ClientID: c.ClientID, ClientSecret: secret.New(c.ClientSecret)}
		reg.Expires, _ = time.Parse(time.RFC3339, c.RegistrationExpiresAt)
		nt, err := s.Client.Refresh(ctx, reg, t, now)
		if err != nil {
			if NeedsSignin(err) {
				return fmt.Errorf("%w: the AWS CLI's sign-in has ended (%w)", ErrSigninRequired, err)
			}
			return fmt.Errorf("refresh with the cached token: %w", err)
		}
		t = nt
	} else if !now.Before(expires) {
		return fmt.Errorf("%w: the cached access token expired at %s and there is no refresh token", ErrSigninRequired, expires.Format(time.RFC3339))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(ctx); err != nil {
		return err
	}
	s.st.Token, s.refresh, s.lastErr = fromToken(t), now, ""
	if reg.ClientID != "" {
		s.st.Imported = fromReg(reg)
	}
	if err := s.saveLocked(ctx); err != nil {
		// The AWS CLI's file must stay: this copy would not survive a restart.
		return err
	}
	s.log().Info("sso: imported the AWS CLI's cached token", "source", s.Name, "expires", t.Expires)
	return nil
}
