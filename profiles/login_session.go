package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// LoginSessions maps the profiles of conf (the AWS config file) that use
// `aws login` console credentials to their login_session, the name of the
// session in the AWS CLI's login cache.
func LoginSessions(conf *AWSConfig) map[string]string {
	out := map[string]string{}
	for _, s := range conf.Sections() {
		name, ok := s.Profile()
		if !ok {
			continue
		}
		settings, _ := conf.Settings(s)
		if v, ok := lookupSetting(settings, "login_session"); ok && strings.TrimSpace(v.Value) != "" {
			out[name] = strings.TrimSpace(v.Value)
		}
	}
	return out
}

// LoginCachePath is where the AWS CLI keeps the login session named
// session: $AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache, then the
// hex SHA-256 of the name with ".json" (awscli's LoginCredentialsLoader).
func LoginCachePath(getenv func(string) string, session string) (string, error) {
	dir := getenv("AWS_LOGIN_CACHE_DIRECTORY")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("HOME is not set: cannot find ~/.aws/login/cache")
		}
		dir = filepath.Join(home, ".aws", "login", "cache")
	}
	if strings.HasPrefix(dir, "~/") {
		dir = filepath.Join(getenv("HOME"), dir[2:])
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), nil
}

// LoginSessionOf returns profile's login_session.
func LoginSessionOf(conf *AWSConfig, profile string) (string, error) {
	s, ok := LoginSessions(conf)[profile]
	if !ok {
		return "", fmt.Errorf("profile %s has no login_session (it does not use 'aws login')", profile)
	}
	return s, nil
}
