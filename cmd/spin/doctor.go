package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
)

// check is one line of `spin doctor`: what was checked, what was found and,
// when it is not fine, the command that fixes it.
type check struct {
	status string // ok, warn or FAIL
	name   string
	detail string
	fix    string
}

func newDoctorCmd(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "doctor",
		Short:   "Check spin's setup and say how to fix what is wrong",
		Example: "  spin doctor",
		Long: `Check, one line each with the fix: spind up and the same version as spin,
socket permissions, the keyring backend reachable and unlocked, the
profiles in ~/.aws/config pointing at this spin, plaintext keys left in
~/.aws/credentials or in copies of the AWS files (config.spin.bak,
credentials.spin.bak, temp files), tofu or terraform found, and the clock
against STS.
Exits 1 if anything failed. Does not start spind.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			checks := runDoctor(cmd.Context(), e, g)
			failed := false
			for _, c := range checks {
				line := fmt.Sprintf("%-4s %s: %s", c.status, c.name, c.detail)
				if c.fix != "" {
					line += " (fix: " + c.fix + ")"
				}
				fmt.Fprintln(e.stdout, line)
				failed = failed || c.status == "FAIL"
			}
			if failed {
				return &exitError{code: 1}
			}
			return nil
		},
	}
}

func runDoctor(ctx context.Context, e *env, g *globals) []check {
	var out []check
	c, err := g.client(e)
	if err != nil {
		return []check{{"FAIL", "socket", err.Error(), "set SPIN_SOCKET to a shorter path"}}
	}
	defer c.Close()
	sock := c.Socket()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := c.Status(cctx)
	switch {
	case errors.Is(err, launch.ErrNoDaemon):
		out = append(out, check{"FAIL", "spind", "not running on " + sock, "spin daemon start"})
	case err != nil:
		out = append(out, check{"FAIL", "spind", err.Error(), "spin daemon stop; spin daemon start"})
	case st.Version != version.String():
		// Still serving, but started from an older (or newer) install: a
		// restart picks up the spind that matches this spin.
		out = append(out, check{"warn", "spind", fmt.Sprintf("running version %s, but spin is %s", st.Version, version.String()), "spin daemon stop; spin daemon start"})
	default:
		out = append(out, check{"ok", "spind", "running, version " + st.Version, ""})
	}
	out = append(out, socketCheck(sock))
	if err == nil {
		out = append(out, keyringCheck(cctx, c, st))
	}
	out = append(out, profilesCheck(e, g)...)
	out = append(out, plaintextCheck(e))
	out = append(out, strayCopiesCheck(e)...)
	var running *api.Status
	if err == nil {
		running = &st
	}
	out = append(out, tofuCheck(e), clockCheck(ctx, e, stsTarget(e, g, running)))
	return out
}

func socketCheck(sock string) check {
	var dir, s unix.Stat_t
	if err := unix.Stat(filepath.Dir(sock), &dir); err != nil {
		return check{"warn", "socket", "no socket directory yet", ""}
	}
	if int(dir.Uid) != os.Getuid() || dir.Mode&0o077 != 0 {
		return check{"FAIL", "socket", fmt.Sprintf("directory %s is mode %o, owner %d", filepath.Dir(sock), dir.Mode&0o777, dir.Uid), "chmod 700 " + filepath.Dir(sock)}
	}
	if err := unix.Lstat(sock, &s); err != nil {
		return check{"warn", "socket", "no socket at " + sock, "spin daemon start"}
	}
	if int(s.Uid) != os.Getuid() || s.Mode&0o077 != 0 {
		return check{"FAIL", "socket", fmt.Sprintf("%s is mode %o, owner %d", sock, s.Mode&0o777, s.Uid), "spin daemon stop; spin daemon start"}
	}
	return check{"ok", "socket", "user-only (" + sock + ")", ""}
}

func keyringCheck(ctx context.Context, c *client.Client, st api.Status) check {
	if st.Locked {
		return check{"FAIL", "keyring", "the " + st.Backend + " keyring is locked", "spin unlock"}
	}
	keys, err := c.ListKeys(ctx)
	if err != nil {
		return check{"FAIL", "keyring", err.Error(), "set keyring.backend in spin's config.yaml"}
	}
	if len(keys) == 0 {
		return check{"warn", "keyring", st.Backend + " reachable, no key sets stored", "spin keys add NAME"}
	}
	return check{"ok", "keyring", fmt.Sprintf("%s reachable, %d key set(s)", st.Backend, len(keys)), ""}
}

func profilesCheck(e *env, g *globals) []check {
	s, err := loadProfilesSetup(e, g)
	if err != nil {
		return []check{{"FAIL", "config", err.Error(), "fix the file"}}
	}
	want, err := s.cfg.AWSProfiles()
	if err != nil {
		return []check{{"FAIL", "profiles", err.Error(), ""}}
	}
	data, err := os.ReadFile(s.awsPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return []check{{"FAIL", "profiles", err.Error(), ""}}
	}
	rows, err := profiles.ListProfiles(profiles.ParseAWSConfig(data), s.helper, want)
	if err != nil {
		return []check{{"FAIL", "profiles", err.Error(), ""}}
	}
	var bad []string
	for _, r := range rows {
		if r.State != "" && r.State != "up to date" {
			bad = append(bad, r.Name+" "+r.State)
		}
	}
	switch {
	case len(bad) > 0:
		return []check{{"FAIL", "profiles", strings.Join(bad, ", ") + " in " + s.awsPath, "spin profiles write"}}
	case len(want) == 0:
		return []check{{"warn", "profiles", "none defined in " + s.cfg.Path, "add profiles to it, then spin profiles write"}}
	}
	return []check{{"ok", "profiles", fmt.Sprintf("%d in %s point at this spin", len(want), s.awsPath), ""}}
}

// plaintextCheck looks for secret keys left in the shared credentials
// file, read with the same editor `spin keys import` removes them with.
func plaintextCheck(e *env) check {
	path, err := profiles.CredentialsPath(e.getenv)
	if err != nil {
		return check{"warn", "plaintext keys", err.Error(), ""}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return check{"ok", "plaintext keys", "no " + path, ""}
	}
	doc := profiles.ParseAWSConfig(data)
	var sections []string
	for _, sec := range doc.Sections() {
		settings, _ := doc.Settings(sec)
		for _, st := range settings {
			if st.Key == "aws_secret_access_key" {
				sections = append(sections, strings.TrimSpace(sec.Type+" "+sec.Name))
				break
			}
		}
	}
	if len(sections) > 0 {
		return check{"FAIL", "plaintext keys", fmt.Sprintf("%s holds secret keys for %s", path, strings.Join(sections, ", ")),
			"spin keys import --from-credentials-file " + sections[0] + " --remove"}
	}
	return check{"ok", "plaintext keys", "none in " + path, ""}
}

// strayCopiesCheck looks for plaintext keys in copies of the AWS files:
// backups and temp files spin (or an older spin) made. It prints a line only
// when it finds one, since the clean case is what "plaintext keys" says.
func strayCopiesCheck(e *env) []check {
	var files []string
	for _, path := range []func(func(string) string) (string, error){profiles.AWSConfigPath, profiles.CredentialsPath} {
		if p, err := path(e.getenv); err == nil {
			files = append(files, p)
		}
	}
	tmp := cmp.Or(e.getenv("TMPDIR"), "/tmp")
	stray := profiles.StrayCopies(files, tmp)
	if len(stray) == 0 {
		return nil
	}
	return []check{{"FAIL", "stray copies", fmt.Sprintf("%s hold%s a plaintext secret key", strings.Join(stray, ", "), map[bool]string{true: "s", false: ""}[len(stray) == 1]),
		"shred -u " + strings.Join(stray, " ")}}
}

func tofuCheck(e *env) check {
	for _, name := range []string{e.getenv("SPIN_TF_BINARY"), "tofu", "terraform"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return check{"ok", "tofu", "found " + p, ""}
		}
	}
	return check{"warn", "tofu", "neither tofu nor terraform on PATH (only spin plan/up/down need one)", "install OpenTofu, or run scripts/install-tofu.sh"}
}

// stsTarget is the STS spind talks to, so the clock is compared with the
// server that checks its signatures: the endpoint a running spind reports,
// else config.yaml's endpoints:/network: over this shell's variables (what
// `spin daemon start` from here would use), else AWS's.
func stsTarget(e *env, g *globals, running *api.Status) awsnet.Config {
	n := awsnet.FromEnv(e.getenv)
	if s, err := loadProfilesSetup(e, g); err == nil {
		n = s.cfg.Net.Over(n)
	}
	if running != nil {
		n.Endpoints = awsnet.Endpoints{awsnet.STS: running.Endpoints[string(awsnet.STS)]}
	}
	return n
}

// clockCheck compares the local clock with the Date header of STS: SigV4
// refuses requests more than 5 minutes off.
func clockCheck(ctx context.Context, e *env, n awsnet.Config) check {
	url := cmp.Or(n.Endpoint(awsnet.STS), "https://sts.amazonaws.com")
	hc, err := awsnet.NewHTTPClient(n.Network)
	if err != nil {
		return check{"warn", "clock", err.Error(), ""}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return check{"warn", "clock", err.Error(), ""}
	}
	before := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return check{"warn", "clock", "cannot reach STS at " + url + " to compare clocks", ""}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	remote, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return check{"warn", "clock", "STS at " + url + " sent no Date header", ""}
	}
	skew := remote.Sub(before.Add(time.Since(before) / 2)).Round(time.Second)
	if skew.Abs() > 4*time.Minute {
		return check{"FAIL", "clock", fmt.Sprintf("%s off from STS; SigV4 refuses over 5m", skew), "sync the clock (timedatectl set-ntp true)"}
	}
	return check{"ok", "clock", fmt.Sprintf("within %s of STS", max(skew.Abs(), time.Second)), ""}
}
