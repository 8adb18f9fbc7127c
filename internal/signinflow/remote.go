package signinflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
	"github.com/cloudspin/spin/profiles/keyimport"
)

// remoteWait bounds how long a remote sign-in waits for the paste.
const remoteWait = 10 * time.Minute

// Remote runs a login source's sign-in from another device: spind makes
// the URL and holds the secrets; the user pastes (into in) the code the
// page shows, and spind decodes it. out gets the instructions.
func Remote(ctx context.Context, d Daemon, source string, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, remoteWait)
	defer cancel()
	f, err := d.StartSignin(ctx, source, api.SigninStart{Mode: api.SigninRemote})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Open this URL in a browser on any device and sign in:\n\n  %s\n\nThen paste the code the page shows, and press Enter:\n", f.URL)
	line, err := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(line) == "" {
		if err == nil {
			err = errors.New("empty input")
		}
		return hint.Wrap(fmt.Errorf("read the code: %w", err), fmt.Sprintf("run 'spin login %s --remote' again and paste the code", source))
	}
	return d.CompleteSignin(ctx, source, api.SigninComplete{Pasted: strings.TrimSpace(line)})
}

// Statuser is spind's status, which names who signed in.
type Statuser interface {
	Status(ctx context.Context) (api.Status, error)
}

// SignedInAs is " as PRINCIPAL" when spind's status names who signed in
// to source (login sources), else empty.
func SignedInAs(ctx context.Context, d Statuser, source string) string {
	st, err := d.Status(ctx)
	if err != nil {
		return ""
	}
	for _, s := range st.Sources {
		if s.Name == source && s.Principal != "" {
			return " as " + s.Principal
		}
	}
	return ""
}

// Importer takes over a session 'aws login' made.
type Importer interface {
	ImportSignin(ctx context.Context, source string, in api.SigninImport) (api.SigninImported, error)
}

// ImportAWSCLI moves the AWS CLI's login session of profile (of the AWS
// config file) into spind, and so the keyring, as source; then deletes the
// plaintext cache file. out gets what happened, warn the profiles that
// still name the session.
func ImportAWSCLI(ctx context.Context, d Importer, getenv func(string) string, source, profile string, out, warn io.Writer) error {
	awsPath, err := profiles.AWSConfigPath(getenv)
	if err != nil {
		return err
	}
	conf, err := keyimport.ReadAWSFile(awsPath)
	if err != nil {
		return err
	}
	session, err := profiles.LoginSessionOf(conf, profile)
	if err != nil {
		return hint.Wrap(fmt.Errorf("%s: %w", awsPath, err), "name the profile 'aws login' wrote, or run 'spin login "+source+"'")
	}
	path, err := profiles.LoginCachePath(getenv, session)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return hint.Wrap(fmt.Errorf("read the AWS CLI's login session of profile %s: %w", profile, err), "run 'spin login "+source+"' instead")
	}
	got, err := d.ImportSignin(ctx, source, api.SigninImport{Cache: string(data), Session: session})
	clear(data)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return hint.Wrap(fmt.Errorf("the session is in the keyring, but deleting %s failed: %w", path, err), "delete it yourself: it holds the refresh token and private key")
	}
	fmt.Fprintf(out, "Moved the 'aws login' session of profile %s (%s) into the keyring as source %s; deleted %s\n", profile, got.Principal, source, path)
	var still []string
	for p, s := range profiles.LoginSessions(conf) {
		if s == session {
			still = append(still, p)
		}
	}
	if len(still) > 0 {
		slices.Sort(still)
		fmt.Fprintf(warn, "spin: note: %s in %s still use login_session %s, whose cache is gone\n", strings.Join(still, ", "), awsPath, session)
		fmt.Fprintf(warn, "spin: hint: give them 'source: %s' under profiles: in config.yaml and run 'spin profiles write --force'\n", source)
	}
	return nil
}
