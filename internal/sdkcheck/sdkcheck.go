// Package sdkcheck asks aws-sdk-go-v2's own loader how it reads the AWS
// config and credentials files spin writes or imports from. spin must not
// link the SDK (its service clients and endpoint tables cost milliseconds
// of init on every command, `spin credential-process` included), so the
// SDK's side runs in spind, which links it anyway: Run starts `spind
// __check-aws-files` and sends it the request on stdin (package sdkread
// answers). A key pair to compare travels on that pipe only, never in argv,
// the environment or a file.
package sdkcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/secret"
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
}

// Profile is what one profile must read back as.
type Profile struct {
	Name              string        `json:"name"`
	Removed           bool          `json:"removed,omitempty"`
	CredentialProcess string        `json:"credential_process,omitempty"`
	Region            string        `json:"region,omitempty"`
	AccessKeyID       string        `json:"access_key_id,omitempty"`
	SecretAccessKey   secret.String `json:"-"`
}

// Reply is the checker's answer: Problem is empty when every profile reads
// back as expected, else the first difference found.
type Reply struct {
	Problem string `json:"problem,omitempty"`
}

// wireProfile carries the secret, which secret.String refuses to encode.
type wireProfile struct {
	Profile
	Secret string `json:"secret_access_key,omitempty"`
}

type wireRequest struct {
	Request
	Profiles []wireProfile `json:"profiles"`
}

// Encode writes r as the checker reads it, secret included: only for the
// pipe to the checker.
func Encode(r Request) ([]byte, error) {
	w := wireRequest{Request: r}
	for _, p := range r.Profiles {
		w.Profiles = append(w.Profiles, wireProfile{Profile: p, Secret: p.SecretAccessKey.Reveal()})
	}
	return json.Marshal(w)
}

// Decode reads what Encode wrote.
func Decode(data []byte) (Request, error) {
	var w wireRequest
	if err := json.Unmarshal(data, &w); err != nil {
		return Request{}, err
	}
	r := w.Request
	r.Profiles = nil
	for _, p := range w.Profiles {
		p.Profile.SecretAccessKey = secret.New(p.Secret)
		r.Profiles = append(r.Profiles, p.Profile)
	}
	return r, nil
}

// timeout bounds one check: spind starts, reads two small files and exits.
const timeout = 30 * time.Second

// Run has spind check r. It fails when spind cannot be found or run, and
// when a profile reads back differently (the error is the difference).
func Run(ctx context.Context, r Request) error {
	spind, err := launch.FindSpind()
	if err != nil {
		return fmt.Errorf("cannot check with aws-sdk-go-v2 (spind runs it): %w", err)
	}
	in, err := Encode(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, spind, Command)
	cmd.Stdin = bytes.NewReader(in)
	// What an autostarted spind gets: nothing that carries a secret.
	cmd.Env = launch.AllowedEnv(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("cannot check with aws-sdk-go-v2: %s %s: %s", spind, Command, msg)
	}
	var rep Reply
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return fmt.Errorf("cannot check with aws-sdk-go-v2: %s %s answered %q: %w", spind, Command, stdout.Bytes(), err)
	}
	if rep.Problem != "" {
		return errors.New(rep.Problem)
	}
	return nil
}
