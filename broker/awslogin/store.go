package awslogin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// item is a login session as one keyring item. The console credentials
// are left out: they last minutes and a restarted spind refreshes.
type item struct {
	Version      int       `json:"v"`
	ClientID     string    `json:"client_id"`
	RefreshToken string    `json:"refresh_token"`
	DPoPKey      []byte    `json:"dpop_key"` // PKCS #8 DER
	ARN          string    `json:"arn"`
	AccountID    string    `json:"account_id"`
	SignedIn     time.Time `json:"signed_in,omitzero"`
}

// Marshal renders the session for the keyring. The result holds the
// refresh token and the private key: it goes nowhere but the keyring.
func (s *Session) Marshal() (secret.String, error) {
	der, err := s.Key.pkcs8()
	if err != nil {
		return secret.String{}, err
	}
	b, err := json.Marshal(item{Version: 1, ClientID: s.ClientID, RefreshToken: s.RefreshToken.Reveal(),
		DPoPKey: der, ARN: s.ARN, AccountID: s.AccountID, SignedIn: s.SignedIn})
	if err != nil {
		return secret.String{}, err
	}
	return secret.New(string(b)), nil
}

// Unmarshal reads a session Marshal wrote.
func Unmarshal(data secret.String) (*Session, error) {
	var it item
	if err := json.Unmarshal([]byte(data.Reveal()), &it); err != nil || it.Version != 1 {
		return nil, errors.New("the stored login session is unreadable: run 'spin login' again")
	}
	key, err := parsePKCS8(it.DPoPKey)
	if err != nil {
		return nil, fmt.Errorf("the stored login session: %w", err)
	}
	if it.RefreshToken == "" || it.ClientID == "" {
		return nil, errors.New("the stored login session has no refresh token: run 'spin login' again")
	}
	return &Session{ClientID: it.ClientID, RefreshToken: secret.New(it.RefreshToken), Key: key, ARN: it.ARN, AccountID: it.AccountID, SignedIn: it.SignedIn}, nil
}

// CachePath is where the AWS CLI keeps a login session:
// DIR/<hex sha256 of the session name>.json, DIR being ~/.aws/login/cache
// unless AWS_LOGIN_CACHE_DIRECTORY says otherwise.
func CachePath(dir, session string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
}

// cacheFile is the AWS CLI's login cache file.
type cacheFile struct {
	AccessToken *struct {
		AccessKeyID     string    `json:"accessKeyId"`
		SecretAccessKey string    `json:"secretAccessKey"`
		SessionToken    string    `json:"sessionToken"`
		AccountID       string    `json:"accountId"`
		ExpiresAt       time.Time `json:"expiresAt"`
	} `json:"accessToken"`
	ClientID     string `json:"clientId"`
	RefreshToken string `json:"refreshToken"`
	IDToken      string `json:"idToken"`
	DPoPKey      string `json:"dpopKey"`
}

// ParseCacheFile reads a login session the AWS CLI wrote for the session
// named session (its login_session value), for `spin profiles import`.
func ParseCacheFile(data []byte, session string) (*Session, error) {
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not an AWS CLI login cache file: %w", err)
	}
	switch {
	case f.RefreshToken == "":
		return nil, errors.New("the login cache file has no refreshToken")
	case f.ClientID == "":
		return nil, errors.New("the login cache file has no clientId")
	case f.DPoPKey == "":
		return nil, errors.New("the login cache file has no dpopKey")
	}
	key, err := ParseKeyPEM([]byte(f.DPoPKey))
	if err != nil {
		return nil, err
	}
	s := &Session{ClientID: f.ClientID, RefreshToken: secret.New(f.RefreshToken), Key: key, ARN: session}
	if sub, err := subject(f.IDToken); err == nil {
		s.ARN = sub
	}
	s.AccountID = accountOf(s.ARN)
	if a := f.AccessToken; a != nil && a.AccessKeyID != "" && a.SecretAccessKey != "" && a.SessionToken != "" {
		if s.AccountID == "" {
			s.AccountID = a.AccountID
		}
		s.Credentials = api.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: secret.New(a.SecretAccessKey),
			SessionToken: secret.New(a.SessionToken), Expiration: a.ExpiresAt}
	}
	return s, nil
}
