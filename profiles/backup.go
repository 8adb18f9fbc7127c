package profiles

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// secretKeys are the settings whose values are secrets. ~/.aws/config may
// hold them as well as ~/.aws/credentials.
var secretKeys = []string{"aws_secret_access_key", "aws_session_token", "aws_security_token"}

// secretLine reports whether an INI line sets a secret to a non-empty value.
func secretLine(line []byte) bool {
	k, v, ok := bytes.Cut(line, []byte("="))
	if !ok {
		return false
	}
	key := strings.ToLower(strings.TrimSpace(string(k)))
	for _, s := range secretKeys {
		if key == s {
			return len(bytes.TrimSpace(v)) > 0
		}
	}
	return false
}

// RedactSecrets returns an AWS config or credentials file with every secret
// setting turned into a comment without its value, everything else byte for
// byte (line endings included). A backup keeps the user's own content; a
// key must not outlive its removal in a backup, and where the key stays in
// the real file the backup need not hold a second copy.
func RedactSecrets(data []byte) []byte {
	var out bytes.Buffer
	for len(data) > 0 {
		line := data
		rest := []byte(nil)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, rest = data[:i+1], data[i+1:]
		}
		data = rest
		body := bytes.TrimRight(line, "\r\n")
		if !secretLine(body) {
			out.Write(line)
			continue
		}
		k, _, _ := bytes.Cut(body, []byte("="))
		out.WriteString("# " + strings.TrimSpace(string(k)) + " = (value removed from this backup by spin)")
		out.Write(line[len(body):])
	}
	return out.Bytes()
}

// HasSecret reports whether an AWS config or credentials file's bytes set
// a secret.
func HasSecret(data []byte) bool {
	for line := range bytes.Lines(data) {
		if secretLine(bytes.TrimRight(line, "\r\n")) {
			return true
		}
	}
	return false
}

// StrayCopies lists copies of the AWS files that hold a plaintext secret:
// backups (PATH.spin.bak, written by spin before it redacted them), temp
// files an interrupted write left beside them (.NAME.tmp*, .NAME.spin-check-*),
// and validation copies older spins made under tmpDir (spin-awsconfig-*).
// The files themselves are not listed: they are the user's.
func StrayCopies(files []string, tmpDir string) []string {
	var cands []string
	seen := map[string]bool{}
	for _, f := range files {
		dir, base := filepath.Dir(f), filepath.Base(f)
		for _, pat := range []string{base + ".spin.bak", "*.spin.bak", "." + base + ".tmp*", "." + base + ".spin-check-*"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			cands = append(cands, m...)
		}
	}
	if tmpDir != "" {
		m, _ := filepath.Glob(filepath.Join(tmpDir, "spin-awsconfig-*", "config"))
		cands = append(cands, m...)
	}
	var out []string
	for _, c := range cands {
		if seen[c] {
			continue
		}
		seen[c] = true
		st, err := os.Lstat(c)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if data, err := os.ReadFile(c); err == nil && HasSecret(data) {
			out = append(out, c)
		}
	}
	return out
}
