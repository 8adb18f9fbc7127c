package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Helper says how AWS tools run spin's credential helper.
type Helper struct {
	// Path is the absolute path of the lean spin-credential-process
	// binary when Lean is set, else of spin, run as `spin
	// credential-process`.
	Path string
	Lean bool
	// Config is spin's config file when it is not at its default path,
	// else empty; the helper passes it on to the spind it starts.
	Config string
}

// HelperFor returns the helper to run for the spin binary at spin: the lean
// spin-credential-process installed next to it (it starts about twice as
// fast), else spin itself. Symlinks are resolved, so a profile keeps
// working when a link in PATH is replaced.
func HelperFor(spin string) (Helper, error) {
	spin, err := filepath.EvalSymlinks(spin)
	if err == nil {
		spin, err = filepath.Abs(spin)
	}
	if err != nil {
		return Helper{}, fmt.Errorf("cannot locate the spin binary: %w", err)
	}
	lean, err := filepath.EvalSymlinks(filepath.Join(filepath.Dir(spin), "spin-credential-process"))
	if fi, serr := os.Stat(lean); err == nil && serr == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return Helper{Path: lean, Lean: true}, nil
	}
	return Helper{Path: spin}, nil
}

// CredentialProcess returns the credential_process value for profile.
// aws-sdk-go-v2 runs it through sh -c and botocore splits it shell-style, so
// paths are single-quoted. The profile name comes last, so the value never
// ends with a quote: the SDK strips the quotes off a value that starts and
// ends with one.
func (h Helper) CredentialProcess(profile string) (string, error) {
	if err := CheckName(profile); err != nil {
		return "", fmt.Errorf("profile name %q: %w", profile, err)
	}
	if !filepath.IsAbs(h.Path) {
		return "", fmt.Errorf("helper path %q is not absolute", h.Path)
	}
	cmd := ""
	for _, p := range []struct{ what, path string }{{"helper path", h.Path}, {"spin config path", h.Config}} {
		if p.path == "" {
			continue
		}
		if err := checkQuotable(p.path); err != nil {
			return "", fmt.Errorf("%s %q %w", p.what, p.path, err)
		}
		if cmd != "" {
			cmd += " --config "
		}
		cmd += "'" + p.path + "'"
	}
	if !h.Lean {
		cmd += " credential-process"
	}
	return cmd + " " + profile, nil
}

// checkQuotable reports whether p can stand single-quoted on one
// credential_process line that every AWS tool reads the same way.
func checkQuotable(p string) error {
	if strings.ContainsRune(p, '\'') {
		return errors.New("contains a single quote ('), which cannot be quoted for credential_process")
	}
	for _, r := range p {
		if r < ' ' || r == 0x7f {
			return errors.New("contains a control character")
		}
	}
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		if strings.Contains(p, c) {
			return fmt.Errorf("contains %q, which AWS tools read as the start of a comment", c)
		}
	}
	return nil
}

// AWSProfile is a profile spin writes into ~/.aws/config.
type AWSProfile struct {
	Name   string
	Region string // empty: no region line
	// Bootstrap profiles hand out the key set's long-term keys (or an MFA
	// session); `spin profiles write` warns about them.
	Bootstrap bool
}

// AWSProfiles returns the profiles config.yaml defines, in file order.
func (c *Config) AWSProfiles() ([]AWSProfile, error) {
	out := make([]AWSProfile, 0, len(c.Order))
	for _, name := range c.Order {
		r, err := c.Resolve(name)
		if err != nil {
			return nil, err
		}
		out = append(out, AWSProfile{Name: name, Region: r.Region, Bootstrap: r.Bootstrap()})
	}
	return out, nil
}

// Block renders p's section: header, Marker, credential_process, region.
func (h Helper) Block(p AWSProfile) ([]string, error) {
	cp, err := h.CredentialProcess(p.Name)
	if err != nil {
		return nil, err
	}
	header := "[profile " + p.Name + "]"
	if p.Name == "default" {
		header = "[default]"
	}
	block := []string{header, Marker, "credential_process = " + cp}
	if p.Region != "" {
		block = append(block, "region = "+p.Region)
	}
	return block, nil
}

// Change is what Sync did to one profile, and what aws-sdk-go-v2 must read
// back from the result for it.
type Change struct {
	Name              string
	Action            Action
	CredentialProcess string
	Region            string
}

// SyncOptions change what Sync may touch.
type SyncOptions struct {
	Force bool // replace unmanaged profiles of the same names
	Prune bool // remove managed profiles config.yaml no longer defines
}

// Sync makes doc hold want as managed profiles. Unmanaged profiles of the
// same names are all reported in one *UnmanagedError; on any error doc may
// be half edited and must be thrown away.
func Sync(doc *AWSConfig, h Helper, want []AWSProfile, o SyncOptions) ([]Change, error) {
	var changes []Change
	conflict := &UnmanagedError{}
	wanted := map[string]bool{}
	for _, p := range want {
		wanted[p.Name] = true
		block, err := h.Block(p)
		if err != nil {
			return nil, err
		}
		act, err := doc.SetProfile(p.Name, block, o.Force)
		var ue *UnmanagedError
		if errors.As(err, &ue) {
			conflict.Names = append(conflict.Names, ue.Names...)
			conflict.Lines = append(conflict.Lines, ue.Lines...)
			continue
		}
		if err != nil {
			return nil, err
		}
		cp, _ := h.CredentialProcess(p.Name) // Block has checked it
		changes = append(changes, Change{Name: p.Name, Action: act, CredentialProcess: cp, Region: p.Region})
	}
	if len(conflict.Names) > 0 {
		return nil, conflict
	}
	for _, s := range doc.Sections() {
		name, ok := s.Profile()
		if !ok || !s.Managed || wanted[name] {
			continue
		}
		wanted[name] = true // a duplicate is reported once
		if !o.Prune {
			changes = append(changes, Change{Name: name, Action: Stale})
			continue
		}
		if err := doc.RemoveProfile(name); err != nil {
			return nil, err
		}
		changes = append(changes, Change{Name: name, Action: Removed})
	}
	return changes, nil
}

// ProfileState is one row of `spin profiles list`.
type ProfileState struct {
	Name    string
	Line    int // the header's line in the AWS config; 0 when absent
	Managed bool
	// State is "up to date", "outdated", "not written", "stale",
	// "conflict" (unmanaged, and config.yaml defines it), "duplicate",
	// or "" for the user's own profiles.
	State string
}

// ListProfiles describes every profile in doc, then those of want that
// doc lacks. doc is not changed.
func ListProfiles(doc *AWSConfig, h Helper, want []AWSProfile) ([]ProfileState, error) {
	state := map[string]string{}
	for _, p := range want {
		block, err := h.Block(p)
		if err != nil {
			return nil, err
		}
		probe := &AWSConfig{lines: doc.Lines()}
		act, err := probe.SetProfile(p.Name, block, false)
		var ue *UnmanagedError
		var de *DuplicateError
		switch {
		case errors.As(err, &ue):
			state[p.Name] = "conflict"
		case errors.As(err, &de):
			state[p.Name] = "duplicate"
		case err != nil:
			return nil, err
		default:
			state[p.Name] = map[Action]string{Unchanged: "up to date", Updated: "outdated", Added: "not written"}[act]
		}
	}
	var out []ProfileState
	listed := map[string]bool{}
	for _, s := range doc.Sections() {
		name, ok := s.Profile()
		if !ok {
			continue
		}
		st, spin := state[name]
		if !spin && s.Managed {
			st = "stale"
		}
		out = append(out, ProfileState{Name: name, Line: s.Line, Managed: s.Managed, State: st})
		listed[name] = true
	}
	for _, p := range want {
		if !listed[p.Name] {
			out = append(out, ProfileState{Name: p.Name, State: state[p.Name]})
		}
	}
	return out, nil
}
