package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cloudspin/spin/internal/secret"
)

// The shared credentials file (~/.aws/credentials) has the same syntax as
// the config file, so the same line-preserving document reads and edits it.
// Its sections are [NAME], without the "profile " prefix; AWS tools ignore
// a [profile NAME] section there.

// CredentialsPath returns the shared credentials file AWS tools read:
// AWS_SHARED_CREDENTIALS_FILE (a leading ~/ expanded), else ~/.aws/credentials.
func CredentialsPath(getenv func(string) string) (string, error) {
	return awsFilePath(getenv, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

// Setting is one key = value line of a section, read as aws-sdk-go-v2
// reads it: the key lowercased, an inline comment and enclosing quotes
// removed.
type Setting struct {
	Key, Value string
	Line       int
}

// Settings returns the settings of s in file order, and the line numbers of
// the lines inside it that are neither settings, comments nor blank
// (nested "s3 =" values, continuations, lines AWS tools ignore).
func (c *AWSConfig) Settings(s Section) (settings []Setting, other []int) {
	for i := s.start + 1; i < s.end; i++ {
		kind, _, _ := classify(c.lines[i].Text)
		switch kind {
		case keyLine:
			k, v := splitSetting(c.lines[i].Text)
			settings = append(settings, Setting{Key: k, Value: v, Line: i + 1})
		case indentedLine, badLine:
			other = append(other, i+1)
		}
	}
	return settings, other
}

// splitSetting mirrors the SDK's property reader (config/internal/ini).
func splitSetting(text string) (key, value string) {
	for _, sep := range []string{" #", " ;", "\t#", "\t;"} {
		text, _, _ = strings.Cut(text, sep)
	}
	eq, colon := strings.Index(text, "="), strings.Index(text, ":")
	sep := eq
	if eq < 0 || colon >= 0 && colon < eq {
		sep = colon
	}
	key = strings.ToLower(strings.TrimSpace(text[:sep]))
	value = strings.TrimSpace(text[sep+1:])
	if n := len(value); n >= 2 && (value[0] == '"' && value[n-1] == '"' || value[0] == '\'' && value[n-1] == '\'') {
		value = value[1 : n-1]
	}
	return key, value
}

// lookupSetting returns the last setting named key: AWS tools let a later
// line win.
func lookupSetting(settings []Setting, key string) (Setting, bool) {
	for i := len(settings) - 1; i >= 0; i-- {
		if settings[i].Key == key {
			return settings[i], true
		}
	}
	return Setting{}, false
}

// Errors of ReadCredentials, wrapped with the profile's name.
var (
	ErrNoCredentials  = errors.New("no access key in the credentials file")
	ErrTemporaryKeys  = errors.New("temporary keys (a session token or an ASIA key id)")
	ErrPartialKeyPair = errors.New("an access key id without its secret, or a secret without its id")
)

// Credentials is a long-term key pair read from the credentials file.
type Credentials struct {
	Profile         string
	AccessKeyID     string
	SecretAccessKey secret.String
	Line            int // the section's header line
}

// keySettings are the lines that hold a key pair; removing them removes
// the plaintext key.
var keySettings = []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token"}

// credentialsSection returns the one section of a credentials file that
// defines profile name.
func (c *AWSConfig) credentialsSection(name string) (Section, error) {
	var found []Section
	for _, s := range c.Sections() {
		full := s.Name
		if s.Type != "" {
			full = s.Type + " " + s.Name
		}
		if s.Type != "profile" && full == name {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return Section{}, fmt.Errorf("profile %s: %w", name, ErrNoCredentials)
	case 1:
		return found[0], nil
	}
	de := &DuplicateError{Name: name}
	for _, s := range found {
		de.Lines = append(de.Lines, s.Line)
	}
	return Section{}, de
}

// ReadCredentials returns profile name's key pair from a credentials file.
// The secret is never part of an error.
func ReadCredentials(creds *AWSConfig, name string) (Credentials, error) {
	s, err := creds.credentialsSection(name)
	if err != nil {
		return Credentials{}, err
	}
	settings, _ := creds.Settings(s)
	id, hasID := lookupSetting(settings, "aws_access_key_id")
	sec, hasSecret := lookupSetting(settings, "aws_secret_access_key")
	tok, _ := lookupSetting(settings, "aws_session_token")
	switch {
	case !hasID && !hasSecret:
		return Credentials{}, fmt.Errorf("profile %s: [%s] at line %d: %w", name, name, s.Line, ErrNoCredentials)
	case id.Value == "" || sec.Value == "":
		return Credentials{}, fmt.Errorf("profile %s: [%s] at line %d holds %w", name, name, s.Line, ErrPartialKeyPair)
	case tok.Value != "" || strings.HasPrefix(id.Value, "ASIA"):
		return Credentials{}, fmt.Errorf("profile %s: [%s] at line %d holds %w: spin stores only an IAM user's long-term (AKIA) keys", name, name, s.Line, ErrTemporaryKeys)
	}
	return Credentials{Profile: name, AccessKeyID: id.Value, SecretAccessKey: secret.New(sec.Value), Line: s.Line}, nil
}

// RemoveCredentials deletes profile name's key lines from a credentials
// file, and the whole section when it holds nothing else. accessKeyID must
// be the id the section holds: the file may have changed since the keys
// were read and stored, and a key spin did not store is never removed.
func (c *AWSConfig) RemoveCredentials(name, accessKeyID string) error {
	s, err := c.credentialsSection(name)
	if err != nil {
		return err
	}
	settings, other := c.Settings(s)
	if id, _ := lookupSetting(settings, "aws_access_key_id"); id.Value != accessKeyID {
		return fmt.Errorf("profile %s: [%s] at line %d no longer holds the key that was stored; nothing removed", name, name, s.Line)
	}
	var keep, drop []int
	for _, st := range settings {
		if slices.Contains(keySettings, st.Key) {
			drop = append(drop, st.Line-1)
		} else {
			keep = append(keep, st.Line)
		}
	}
	if len(keep) == 0 && len(other) == 0 {
		c.removeSection(s)
		return nil
	}
	if len(other) > 0 {
		// A continuation line would attach to whatever setting is left
		// above it, so the lines cannot be cut out one by one.
		return fmt.Errorf("profile %s: [%s] at line %d has nested or continued lines (line %d): remove its keys by hand", name, name, s.Line, other[0])
	}
	for _, i := range slices.Backward(drop) {
		c.lines = slices.Delete(c.lines, i, i+1)
	}
	return nil
}

// removeSection deletes s's header and settings, and the blank line that
// separated it when that would leave two. Comments after its last setting
// stay.
func (c *AWSConfig) removeSection(s Section) {
	start, end := s.start, c.owned(s)
	blank := func(i int) bool { return strings.TrimSpace(c.lines[i].Text) == "" }
	switch {
	case start > 0 && blank(start-1) && (end == len(c.lines) || blank(end)):
		start--
	case start == 0 && end < len(c.lines) && blank(end):
		end++
	}
	c.lines = slices.Delete(c.lines, start, end)
}

// LinesContaining returns the numbers of the lines that contain s, so a
// caller can say where a secret is still written without printing it.
func (c *AWSConfig) LinesContaining(s string) []int {
	var out []int
	for i, l := range c.lines {
		if s != "" && strings.Contains(l.Text, s) {
			out = append(out, i+1)
		}
	}
	return out
}
