package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

var (
	// IAM role names are [\w+=,.@-]{1,64}; a path is /…/ of printable ASCII.
	roleARNRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws(-[a-z0-9]+)*:iam::[0-9]{12}:role/([!-~]*/)?[\w+=,.@-]{1,64}$`)
	})
	// The patterns STS documents for ExternalId and SerialNumber.
	externalIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@:/-]+$`) }) // and 2 to 1224 long: RE2 counts to 1000
	mfaSerialRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`) })
	// Loose on purpose: new regions appear, and the value only has to be
	// safe on a `region = ` line in ~/.aws/config.
	regionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) })
)

const maxNameLen = 64

// CheckName reports whether s can name a profile or a key set. A profile
// name becomes an ~/.aws/config section header, a bare word in the
// credential_process command line (run through sh -c) and a path segment in
// spind's API, so only characters that are plain in all three are allowed;
// a leading - would read as a flag.
func CheckName(s string) error {
	const allowed = "use letters, digits and . _ - @ +, start with a letter, digit or _, at most 64 characters"
	if s == "" {
		return errors.New("empty (" + allowed + ")")
	}
	if len(s) > maxNameLen {
		return fmt.Errorf("%d characters (%s)", len(s), allowed)
	}
	for i, r := range s {
		ok := r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '_' || i > 0 && strings.ContainsRune(".-@+", r))
		if !ok {
			return fmt.Errorf("%q not allowed at position %d (%s)", r, i+1, allowed)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// SanitizeSessionName makes s a valid STS RoleSessionName: characters
// outside [\w+=,.@-] become _, and the result is 2 to 64 characters long
// (cut, or padded with _). Use it for session names from requests too.
func SanitizeSessionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() == 64 {
			break
		}
		if r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.ContainsRune("_+=,.@-", r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	for b.Len() < 2 {
		b.WriteByte('_')
	}
	return b.String()
}

// renderSessionName fills in {{user}} (spaces inside the braces allowed) and
// sanitises the result. Other placeholders are errors, so a typo such as
// {{usr}} is caught when the config loads rather than sent to STS.
func renderSessionName(tmpl, user string) (string, error) {
	s, err := renderTemplate(tmpl, user)
	if err != nil {
		return "", err
	}
	return SanitizeSessionName(s), nil
}

// expandHome expands a leading ~/ and insists on an absolute result:
// spind runs in /, where a relative path would mean something else.
func expandHome(s string) (string, error) {
	if s == "~" || strings.HasPrefix(s, "~/") {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", errors.New("cannot expand ~: the home directory is unknown (use an absolute path)")
		}
		s = filepath.Join(home, s[1:])
	}
	if !filepath.IsAbs(s) {
		return "", errors.New("must be an absolute path or start with ~/ (only the current user's ~ is expanded)")
	}
	return filepath.Clean(s), nil
}

// fmtDur prints 1h rather than time.Duration's 1h0m0s.
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
