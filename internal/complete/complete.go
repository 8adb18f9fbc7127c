// Package complete finds the names shell completion offers: profiles and
// sources from config.yaml, key sets from a running spind (else the key
// set names config.yaml's profiles use). It never starts spind and never
// prompts, and gives up on a slow spind quickly: a completion that hangs
// the shell is worse than none.
package complete

import (
	"context"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

// Kind is what a command line argument names.
type Kind int

const (
	None      Kind = iota
	Profiles       // config.yaml's profiles
	Sources        // sources with a sign-in: sso and login (spin login, logout)
	SSO            // sso sources (spin profiles generate)
	KeySets        // stored key sets (spin keys remove, rotate, allow-export)
	NewKeySet      // key set names profiles use that are not stored yet (spin keys add)
)

// Wait bounds how long completion waits for spind.
const Wait = 500 * time.Millisecond

// Keys lists the stored key sets: a client of a running spind that does
// not start one.
type Keys interface {
	ListKeys(ctx context.Context) ([]api.KeyInfo, error)
}

// Names returns the names of kind that begin with prefix, in config.yaml's
// order (key sets sorted), profiles and sources with a description after
// a tab (cobra's completion format). cfg may be nil (no readable config.yaml); keys
// may be nil (no socket).
func Names(ctx context.Context, kind Kind, prefix string, cfg *profiles.Config, keys Keys) []string {
	var all []string
	switch kind {
	case Profiles:
		if cfg != nil {
			all = cfg.Order
		}
	case Sources, SSO:
		if cfg != nil {
			for _, name := range cfg.SourceOrder {
				k := cfg.Sources[name].Kind
				if k == profiles.KindSSO || kind == Sources && k == profiles.KindLogin {
					all = append(all, name)
				}
			}
		}
	case KeySets, NewKeySet:
		stored, ok := storedKeySets(ctx, keys)
		if kind == KeySets && ok {
			all = stored
			break
		}
		for _, name := range keySetSources(cfg) {
			if !slices.Contains(stored, name) {
				all = append(all, name)
			}
		}
	}
	var out []string
	for _, n := range all {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n+describe(kind, n, cfg))
		}
	}
	return out
}

// describe is a profile's role (or source) and a source's kind, after a
// tab: the description zsh, fish and PowerShell show beside a name.
func describe(kind Kind, name string, cfg *profiles.Config) string {
	switch {
	case cfg == nil:
		return ""
	case kind == Profiles && cfg.Profiles[name].RoleARN != "":
		return "\t" + cfg.Profiles[name].RoleARN
	case kind == Profiles:
		return "\tsource " + cfg.Profiles[name].Source
	case kind == Sources || kind == SSO:
		return "\t" + string(cfg.Sources[name].Kind)
	}
	return ""
}

// storedKeySets asks spind, if it answers within Wait; ok is false when it
// does not (not running, locked, slow).
func storedKeySets(ctx context.Context, keys Keys) (names []string, ok bool) {
	if keys == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, Wait)
	defer cancel()
	list, err := keys.ListKeys(ctx)
	if err != nil {
		return nil, false
	}
	for _, k := range list {
		names = append(names, k.Name)
	}
	slices.Sort(names)
	return names, true
}

// keySetSources are the sources of config.yaml's profiles that are not
// entries of sources:, that is key set names, sorted.
func keySetSources(cfg *profiles.Config) []string {
	if cfg == nil {
		return nil
	}
	var out []string
	for _, name := range cfg.Order {
		src := cfg.Profiles[name].Source
		if _, ok := cfg.Sources[src]; !ok && src != "" && !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	slices.Sort(out)
	return out
}

// ArgKind is what the first argument of a command names, read from its
// path and Use line ("spin keys remove NAME", "exec PROFILE [-- CMD]"), so
// a command added with a PROFILE, SOURCE or key set NAME argument
// completes without being listed anywhere.
func ArgKind(path, use string) Kind {
	f := strings.Fields(use)
	if len(f) < 2 {
		return None
	}
	arg := strings.Trim(f[1], "[]")
	group := strings.Fields(path)
	parent := ""
	if len(group) >= 2 {
		parent = group[len(group)-2]
	}
	switch {
	case arg == "PROFILE":
		return Profiles
	case arg == "SOURCE" && parent == "profiles": // generate: sso sources
		return SSO
	case arg == "SOURCE":
		return Sources
	case arg == "NAME" && parent == "keys" && f[0] == "add":
		return NewKeySet
	case arg == "NAME" && parent == "keys":
		return KeySets
	case arg == "NAME" && parent == "profiles":
		return Profiles
	}
	return None
}

// CredentialsProfiles are the profiles of the shared credentials file at
// path that hold long-term keys spin could import (spin keys import
// --from-credentials-file), beginning with prefix.
func CredentialsProfiles(path, prefix string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	creds := profiles.ParseAWSConfig(data)
	var out []string
	for _, s := range creds.Sections() {
		if s.Type != "" || !strings.HasPrefix(s.Name, prefix) || slices.Contains(out, s.Name) {
			continue
		}
		if _, err := profiles.ReadCredentials(creds, s.Name); err == nil {
			out = append(out, s.Name)
		}
	}
	return out
}
