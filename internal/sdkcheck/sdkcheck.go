// Package sdkcheck asks aws-sdk-go-v2's own loader how it reads the AWS
// config and credentials files spin writes or imports from. spin must not
// link the SDK (its service clients and endpoint tables cost milliseconds
// of init on every command, `spin credential-process` included), so the
// SDK's side runs in spind, which links it anyway: Run starts `spind
// __check-aws-files` and sends it the request on stdin (package sdkread
// answers). A secret key never travels: the checker reads the credentials
// file itself and compares what it finds with an HMAC of the key spin
// expects, under a key made for that one request.
package sdkcheck

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/spindbin"
)

// Command is spind's hidden first argument that answers one Request.
const Command = "__check-aws-files"

// Request is one check. With Config set, each profile of Profiles must read
// back from that content (the next AWS config file, which goes to
// ConfigTarget) as CredentialProcess and Region say, or be gone when
// Removed. With CredentialsFile set, each profile must read from that file,
// in place, as the key pair AccessKeyID and SecretAccessKey.
type Request struct {
	Config          []byte    `json:"config,omitempty"`
	ConfigTarget    string    `json:"config_target,omitempty"`
	CredentialsFile string    `json:"credentials_file,omitempty"`
	Profiles        []Profile `json:"profiles"`
	// MACKey is the random key of SecretMAC, set by Encode.
	MACKey []byte `json:"mac_key,omitempty"`
}

// Profile is what one profile must read back as.
type Profile struct {
	Name              string `json:"name"`
	Removed           bool   `json:"removed,omitempty"`
	CredentialProcess string `json:"credential_process,omitempty"`
	Region            string `json:"region,omitempty"`
	AccessKeyID       string `json:"access_key_id,omitempty"`
	// SecretAccessKey is the caller's side only: Encode sends SecretMAC,
	// HMAC-SHA256 of it under the request's MACKey.
	SecretAccessKey secret.String `json:"-"`
	SecretMAC       []byte        `json:"secret_mac,omitempty"`
}

// Reply is the checker's answer: Problem is empty when every profile reads
// back as expected, else the first difference found. Checked tells a
// checker's answer from whatever else a program called spind may print.
type Reply struct {
	Checked bool   `json:"checked"`
	Problem string `json:"problem,omitempty"`
}

// Encode writes r as the checker reads it. For a credentials file, each
// secret key becomes its HMAC under a fresh random key, which goes along:
// the checker, reading the file itself, needs only to tell whether the
// file's key is the same. The key alone is worthless and the MAC of a
// random 40-character key cannot be inverted, so nothing on the pipe
// gives the secret away.
func Encode(r Request) ([]byte, error) {
	r.MACKey = nil
	if r.CredentialsFile != "" {
		r.MACKey = make([]byte, 32)
		if _, err := rand.Read(r.MACKey); err != nil {
			return nil, err
		}
		r.Profiles = slices.Clone(r.Profiles)
		for i := range r.Profiles {
			r.Profiles[i].SecretMAC = mac(r.MACKey, r.Profiles[i].SecretAccessKey.Reveal())
		}
	}
	return json.Marshal(r)
}

// Decode reads what Encode wrote.
func Decode(data []byte) (Request, error) {
	var r Request
	err := json.Unmarshal(data, &r)
	return r, err
}

// SecretMatches says whether got, the secret key read from the file, is
// the one p was encoded with under key; in constant time, as for any
// comparison with a secret.
func SecretMatches(key []byte, p Profile, got string) bool {
	if len(key) == 0 || len(p.SecretMAC) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(mac(key, got), p.SecretMAC) == 1
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// timeout bounds one check: spind starts, reads two small files and exits.
const timeout = 30 * time.Second

// Run has spind check r. It fails when spind cannot be found or run, and
// when a profile reads back differently (the error is the difference).
func Run(ctx context.Context, r Request) error {
	spind, err := spindbin.Spind()
	if err != nil {
		return fmt.Errorf("cannot check with aws-sdk-go-v2 (spind runs it): %w", err)
	}
	in, err := Encode(r)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, spind, Command)
	cmd.Stdin = bytes.NewReader(in)
	// What an autostarted spind gets: nothing that carries a secret.
	cmd.Env = spindbin.AllowedEnv(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	if ctx.Err() == nil && cctx.Err() != nil {
		// A spind from before the check was added takes the command for
		// a daemon start, and serves until killed.
		return older(spind, fmt.Sprintf("gave no answer in %s", timeout))
	}
	if err != nil {
		msg := lastLine(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("cannot check with aws-sdk-go-v2: %s %s: %s", spind, Command, msg)
	}
	var rep Reply
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || !rep.Checked {
		return older(spind, fmt.Sprintf("answered %.80q", lastLine(stdout.String())))
	}
	if rep.Problem != "" {
		return errors.New(rep.Problem)
	}
	return nil
}

// older is the error for a spind that does not know the check.
func older(spind, what string) error {
	return hint.New(
		fmt.Sprintf("cannot check with aws-sdk-go-v2: spind at %s %s to %s: it is older than spin (or not spind): install both from one release", spind, what, Command),
		fmt.Sprintf("compare 'spin --version' with '%s --version'", spind))
}

// lastLine is the last non-empty line of a program's output: its error,
// rather than all that came before (a panic's goroutine dump, say), in a
// one-line message.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
