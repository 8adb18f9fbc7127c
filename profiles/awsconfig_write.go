package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/atomicfile"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/sdkcheck"
)

// AWSConfigPath returns the shared config file AWS tools read:
// AWS_CONFIG_FILE (a leading ~/ expanded, as the AWS CLI does), else
// ~/.aws/config.
func AWSConfigPath(getenv func(string) string) (string, error) {
	return awsFilePath(getenv, "AWS_CONFIG_FILE", "config")
}

// awsFilePath resolves one of the AWS shared files the way AWS tools do:
// the variable (a leading ~/ expanded), else ~/.aws/NAME.
func awsFilePath(getenv func(string) string, variable, name string) (string, error) {
	p := getenv(variable)
	home := getenv("HOME")
	if rest, ok := strings.CutPrefix(p, "~/"); ok && home != "" {
		p = filepath.Join(home, rest)
	}
	if p != "" {
		return filepath.Abs(p)
	}
	if home == "" {
		return "", fmt.Errorf("cannot locate the AWS %s file: set %s or HOME", name, variable)
	}
	return filepath.Join(home, ".aws", name), nil
}

// lockForWrite checks that target's directory is writable (root passes any
// mode check, so it is tested, not assumed) and takes the sibling lock
// file that serialises spin's writers.
func lockForWrite(ctx context.Context, target string) (unlock func(), err error) {
	dir := filepath.Dir(target)
	if err := writable(dir, true); err != nil {
		return nil, fmt.Errorf("cannot write %s: directory %s: %w", target, dir, err)
	}
	lctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	return lockFile(lctx, target+".spin.lock")
}

// Update is the outcome of UpdateAWSConfig.
type Update struct {
	Path     string // the file edited: the config path with symlinks resolved
	Old, New []byte // the content before and after the edit
	Changes  []Change
	// Warnings are "PATH:LINE: message" lines about the file as read.
	Warnings []string
	Written  bool
	Backup   string // the previous content, when Written over an existing file
}

// lockWait bounds how long UpdateAWSConfig waits for another writer.
const lockWait = 30 * time.Second

// UpdateAWSConfig applies edit to the AWS config file at path. It locks a
// sibling PATH.spin.lock, reads the file, edits it, checks with
// aws-sdk-go-v2's own loader that every changed profile reads back as edit
// says, and replaces the file atomically, keeping its mode and the previous
// content, secrets redacted, in PATH.spin.bak. Nothing is written when the bytes do not
// change, or with dryRun, which takes no lock and creates nothing.
func UpdateAWSConfig(ctx context.Context, path string, dryRun bool, edit func(*AWSConfig) ([]Change, error)) (*Update, error) {
	target, err := resolveConfig(path)
	if err != nil {
		return nil, err
	}
	u := &Update{Path: target}
	if !dryRun {
		dir := filepath.Dir(target)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return u, err
		}
		unlock, err := lockForWrite(ctx, target)
		if err != nil {
			return u, err
		}
		defer unlock()
	}
	old, err := os.ReadFile(target)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return u, err
	}
	doc := ParseAWSConfig(old)
	for _, w := range doc.Warnings {
		u.Warnings = append(u.Warnings, fmt.Sprintf("%s:%d: %s", target, w.Line, w.Msg))
	}
	u.Old = old
	u.Changes, err = edit(doc)
	if err != nil {
		return u, fmt.Errorf("%s: %w", target, err)
	}
	u.New = doc.Render()
	if bytes.Equal(old, u.New) {
		return u, nil
	}
	if err := validate(ctx, target, u.New, u.Changes); err != nil {
		return u, fmt.Errorf("refusing to write %s: %w", target, err)
	}
	if dryRun {
		return u, nil
	}
	mode := fs.FileMode(0o600)
	if exists {
		fi, err := os.Stat(target)
		if err != nil {
			return u, err
		}
		mode = fi.Mode().Perm()
		// Root passes any mode check; an immutable file fails even for root.
		if err := writable(target, false); err != nil {
			return u, fmt.Errorf("cannot write %s: %w", target, err)
		}
		// The backup is for the user's own content; secrets in it are
		// redacted (see RedactSecrets); it keeps the file's mode.
		bak := target + ".spin.bak"
		if err := atomicfile.WriteFile(bak, RedactSecrets(old), mode); err != nil {
			return u, fmt.Errorf("cannot keep a backup of %s: %w", target, err)
		}
		u.Backup = bak
	}
	if err := atomicfile.WriteFile(target, u.New, mode); err != nil {
		return u, fmt.Errorf("cannot write %s: %w", target, err)
	}
	u.Written = true
	return u, nil
}

// resolveConfig follows a symlinked config to its target, so that dotfile
// managers keep their link.
func resolveConfig(path string) (string, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%s is a symlink to a missing file", path)
		}
		return path, nil
	}
	if err != nil {
		// A loop, or a link through a file that is no directory.
		return "", hint.Wrap(fmt.Errorf("%s: cannot follow the symlink: %w", path, err), "check it with 'ls -l "+path+"'")
	}
	return target, nil
}

// validate has aws-sdk-go-v2's shared-config loader (in spind: see
// internal/sdkcheck) read data, the next content of target, and checks that
// every profile in changes reads back as intended. The SDK's reader differs
// from a naive INI parser (quotes, inline comments, nested keys), so this
// is the check that matters before the file replaces the user's.
func validate(ctx context.Context, target string, data []byte, changes []Change) error {
	return sdkcheck.Run(ctx, configCheck(target, data, changes))
}

// configCheck is validate's request: every change but Stale ones.
func configCheck(target string, data []byte, changes []Change) sdkcheck.Request {
	r := sdkcheck.Request{Config: data, ConfigTarget: target}
	for _, ch := range changes {
		if ch.Action == Stale {
			continue
		}
		r.Profiles = append(r.Profiles, sdkcheck.Profile{Name: ch.Name, Removed: ch.Action == Removed, CredentialProcess: ch.CredentialProcess, Region: ch.Region})
	}
	return r
}
