// Package listing is `spin list`: config.yaml's profiles joined with what
// spind knows (stored key sets, sign-ins, sessions held) and with the AWS
// config file, as one table or as JSON. It asks spind only when spind
// runs: listing never starts it, so it never prompts.
package listing

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/profiles"
)

// List is the JSON of `spin list --json`. Field names are stable; new
// fields may be added.
type List struct {
	Spind    Spind     `json:"spind"`
	Profiles []Profile `json:"profiles"`
	// Sources are config.yaml's sources: entries (sso, login,
	// web_identity), with spind's state when it runs.
	Sources []Source `json:"sources"`
	// KeySets are the key sets in the keyring (empty when spind does not
	// run or is locked), each with the profiles that use it.
	KeySets []KeySet `json:"key_sets"`
}

// NotRunning is Spind.Error when nothing listens on spind's socket.
const NotRunning = "not running"

// Spind says whether spind answered, and if not why: then key sets,
// sign-ins and sessions are unknown rather than absent.
type Spind struct {
	Running bool   `json:"running"`
	Locked  bool   `json:"locked,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Profile is one profile of config.yaml.
type Profile struct {
	Name         string `json:"name"`
	Source       string `json:"source"`
	SourceKind   string `json:"source_kind"` // key_set, sso, login or web_identity
	RoleARN      string `json:"role_arn,omitempty"`
	SSOAccountID string `json:"sso_account_id,omitempty"`
	SSORoleName  string `json:"sso_role_name,omitempty"`
	Region       string `json:"region,omitempty"`
	// SourceState is "stored" or "missing" (a key set), "signed_in",
	// "not_signed_in" (sso, login), "ready" (web_identity: nothing to
	// sign in to) or "unknown" (spind does not run or is locked).
	SourceState string `json:"source_state"`
	// AWSConfig is the profile's state in ~/.aws/config: "up to date",
	// "outdated", "not written", "conflict" or "duplicate"; "" when the
	// file could not be read.
	AWSConfig string              `json:"aws_config"`
	Sessions  []api.SessionStatus `json:"sessions"`
}

// Source is one entry of config.yaml's sources:.
type Source struct {
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	UsedBy []string          `json:"used_by"`
	Status *api.SourceStatus `json:"status,omitempty"` // spind's, when it runs
}

// KeySet is a stored key set (no secret) and the profiles that use it.
type KeySet struct {
	api.KeyInfo
	UsedBy []string `json:"used_by"`
}

// Daemon is what listing asks spind: the client of a running spind.
type Daemon interface {
	Status(ctx context.Context) (api.Status, error)
	ListKeys(ctx context.Context) ([]api.KeyInfo, error)
}

// Input is what Build joins. Status is nil when spind did not answer
// (DaemonErr says why); Keys is nil when it could not list them.
type Input struct {
	Config    *profiles.Config
	AWSStates []profiles.ProfileState // nil: the AWS config file was not read
	Status    *api.Status
	DaemonErr error
	Keys      []api.KeyInfo
}

// Ask fills in's Status and Keys from d. A spind that does not run is
// no error: the listing says so.
func Ask(ctx context.Context, d Daemon, in *Input) {
	st, err := d.Status(ctx)
	if err != nil {
		in.DaemonErr = err
		return
	}
	in.Status = &st
	if st.Locked {
		return
	}
	keys, err := d.ListKeys(ctx)
	if err != nil {
		in.DaemonErr = err
		return
	}
	in.Keys = keys
}

// Build joins in into the listing, profiles in config.yaml's order.
func Build(in Input) List {
	l := List{Profiles: []Profile{}, Sources: []Source{}, KeySets: []KeySet{}}
	switch {
	case in.Status != nil:
		l.Spind = Spind{Running: true, Locked: in.Status.Locked}
	case errors.Is(in.DaemonErr, launch.ErrNoDaemon):
		l.Spind.Error = NotRunning
	case in.DaemonErr != nil:
		l.Spind.Error = in.DaemonErr.Error()
	}
	if in.Status != nil && in.DaemonErr != nil {
		l.Spind.Error = in.DaemonErr.Error()
	}
	written := map[string]string{}
	for _, s := range in.AWSStates {
		written[s.Name] = s.State
	}
	stored := map[string]bool{}
	for _, k := range in.Keys {
		stored[k.Name] = true
	}
	sources := map[string]api.SourceStatus{}
	if in.Status != nil {
		for _, s := range in.Status.Sources {
			sources[s.Name] = s
		}
	}
	usedBy := map[string][]string{}
	cfg := in.Config
	for _, name := range cfg.Order {
		p := cfg.Profiles[name]
		kind := cmp.Or(p.Kind, profiles.KindKeySet)
		if d, ok := cfg.Sources[p.Source]; ok {
			kind = d.Kind
		}
		usedBy[p.Source] = append(usedBy[p.Source], name)
		lp := Profile{
			Name: name, Source: p.Source, SourceKind: string(kind), RoleARN: p.RoleARN,
			SSOAccountID: p.SSOAccountID, SSORoleName: p.SSORoleName,
			Region: cmp.Or(p.Region, cfg.Defaults.Region), AWSConfig: written[name],
			Sessions: []api.SessionStatus{},
		}
		lp.SourceState = sourceState(kind, p.Source, in, stored, sources)
		if in.Status != nil {
			for _, s := range in.Status.Sessions {
				if s.Profile == name {
					lp.Sessions = append(lp.Sessions, s)
				}
			}
		}
		l.Profiles = append(l.Profiles, lp)
	}
	for _, name := range cfg.SourceOrder {
		s := Source{Name: name, Kind: string(cfg.Sources[name].Kind), UsedBy: orEmpty(usedBy[name])}
		if st, ok := sources[name]; ok {
			s.Status = &st
		}
		l.Sources = append(l.Sources, s)
	}
	for _, k := range in.Keys {
		l.KeySets = append(l.KeySets, KeySet{KeyInfo: k, UsedBy: orEmpty(usedBy[k.Name])})
	}
	slices.SortFunc(l.KeySets, func(a, b KeySet) int { return cmp.Compare(a.Name, b.Name) })
	return l
}

func sourceState(kind profiles.SourceKind, source string, in Input, stored map[string]bool, sources map[string]api.SourceStatus) string {
	switch {
	case kind == profiles.KindWebIdentity:
		return "ready"
	case in.Status == nil:
		return "unknown"
	case kind == profiles.KindKeySet && in.Keys == nil:
		return "unknown" // locked, or the keyring did not answer
	case kind == profiles.KindKeySet && stored[source]:
		return "stored"
	case kind == profiles.KindKeySet:
		return "missing"
	case sources[source].SignedIn:
		return "signed_in"
	default:
		return "not_signed_in"
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
