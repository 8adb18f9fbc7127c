// Package keyinput parses an access key pair as users paste or pipe it:
// two lines (id, secret) or the JSON that `aws iam create-access-key` prints.
package keyinput

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudspin/spin/internal/secret"
)

// Pair is an access key id and its secret.
type Pair struct {
	AccessKeyID     string
	SecretAccessKey secret.String
}

// Parse reads a key pair from r (at most 64 KiB).
func Parse(r io.Reader) (Pair, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return Pair{}, fmt.Errorf("read keys: %w", err)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("{")) {
		return parseJSON(trimmed)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		return Pair{}, errors.New("expected two lines, the access key id then the secret access key, or the JSON of 'aws iam create-access-key'")
	}
	return Check(lines[0], secret.New(lines[1]))
}

func parseJSON(data []byte) (Pair, error) {
	var doc struct {
		AccessKey struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string `json:"SecretAccessKey"`
		} `json:"AccessKey"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		// The decoder's message quotes no input, so no secret leaks here.
		return Pair{}, fmt.Errorf("keys JSON: %w", err)
	}
	return Check(doc.AccessKey.AccessKeyID, secret.New(doc.AccessKey.SecretAccessKey))
}

// Check rejects what cannot be a long-term key pair. Temporary (ASIA) keys
// are refused: they expire and need a session token spin would not have.
func Check(id string, sec secret.String) (Pair, error) {
	id = strings.TrimSpace(id)
	sec = secret.New(strings.TrimSpace(sec.Reveal()))
	switch {
	case id == "":
		return Pair{}, errors.New("empty access key id")
	case strings.HasPrefix(id, "ASIA"):
		return Pair{}, fmt.Errorf("access key id %s… is a temporary (ASIA) key: give the IAM user's long-term (AKIA) key", id[:4])
	case sec.IsZero():
		return Pair{}, errors.New("empty secret access key")
	}
	return Pair{AccessKeyID: id, SecretAccessKey: sec}, nil
}

// ReadSecretLine reads one secret, such as a secret access key, as the
// first non-empty line of r (at most 64 KiB), trimmed.
func ReadSecretLine(r io.Reader) (secret.String, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return secret.String{}, fmt.Errorf("read secret: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			return secret.New(l), nil
		}
	}
	return secret.String{}, errors.New("no secret on stdin")
}
