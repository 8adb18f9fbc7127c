package profilecmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

// States reads every profile of the AWS config file, then those of
// config.yaml the file lacks, with spin's state for each. It changes
// nothing and takes no lock.
func States(ctx context.Context, s *profiles.Setup, out Out) ([]profiles.ProfileState, error) {
	want, err := s.Config.AWSProfiles()
	if err != nil {
		return nil, err
	}
	var rows []profiles.ProfileState
	u, err := profiles.UpdateAWSConfig(ctx, s.AWSPath, true, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		rows, err = profiles.ListProfiles(doc, s.Helper, want)
		return nil, err
	})
	fileWarnings(out, u)
	if err != nil {
		return nil, Error(err, s.AWSPath)
	}
	return rows, nil
}

// profileJSON is one entry of `spin profiles list --json`.
type profileJSON struct {
	Name    string `json:"name"`
	Managed bool   `json:"managed"`
	State   string `json:"state"`
	Line    int    `json:"line,omitempty"`
}

// List prints States as a table, or as a JSON array when asJSON is set.
func List(ctx context.Context, s *profiles.Setup, out Out, asJSON bool) error {
	rows, err := States(ctx, s, out)
	if err != nil {
		return err
	}
	if asJSON {
		list := make([]profileJSON, 0, len(rows))
		for _, r := range rows {
			list = append(list, profileJSON{Name: r.Name, Managed: r.Managed, State: r.State, Line: r.Line})
		}
		return apitext.JSONList(out.Stdout, list)
	}
	if len(rows) == 0 {
		fmt.Fprintf(out.Stderr, "spin: no profiles in %s or %s\n", s.AWSPath, s.Config.Path)
		return nil
	}
	tw := tabwriter.NewWriter(out.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tMANAGED\tSTATE\tLINE")
	for _, r := range rows {
		line, managed := "-", "-"
		if r.Line > 0 {
			line = strconv.Itoa(r.Line)
			managed = map[bool]string{true: "yes", false: "no"}[r.Managed]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, managed, dash(r.State), line)
	}
	return tw.Flush()
}

// Remove drops a profile spin wrote from the AWS config file at awsPath;
// setup, when it loads, tells whether config.yaml would add it back.
func Remove(ctx context.Context, awsPath, name string, setup func() (*profiles.Setup, error), out Out) error {
	u, err := profiles.UpdateAWSConfig(ctx, awsPath, false, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		return []profiles.Change{{Name: name, Action: profiles.Removed}}, doc.RemoveProfile(name)
	})
	var ue *profiles.UnmanagedError
	if errors.As(err, &ue) {
		return hint.Wrap(err, "spin removes only profiles it wrote; edit "+awsPath+" yourself")
	}
	if err != nil {
		return Error(err, awsPath)
	}
	fmt.Fprintf(out.Stdout, "removed profile %s from %s\n", name, u.Path)
	if s, err := setup(); err == nil && s.Config.Profiles[name].Name != "" {
		fmt.Fprintf(out.Stderr, "spin: note: %s still defines %s: the next 'spin profiles write' adds it back\n", s.Config.Path, name)
	}
	return nil
}

// SSOLister lists the accounts and roles of an sso source's signed-in
// user (spind's client).
type SSOLister interface {
	SSOAccounts(ctx context.Context, source string) ([]api.SSOAccount, error)
}

// GenerateOptions are the flags of `spin profiles generate`.
type GenerateOptions struct {
	Template, Prefix string
	DryRun           bool
}

// ssoListWait bounds the paginated listing (with back-off when throttled).
const ssoListWait = 10 * time.Minute

// Generate adds to config.yaml (at conf.Path) a profile for every account
// and role of the sso source no profile covers yet; lister is asked only
// once the source is known to be an sso source.
func Generate(ctx context.Context, conf *profiles.Config, source string, lister func(context.Context) (SSOLister, func(), error), o GenerateOptions, out Out) error {
	if d, ok := conf.Sources[source]; !ok || d.Kind != profiles.KindSSO {
		return hint.Wrap(fmt.Errorf("%s has no sso source %s", conf.Path, source), "add it under sources: (see 'spin login --help')")
	}
	l, done, err := lister(ctx)
	if err != nil {
		return err
	}
	defer done()
	lctx, cancel := context.WithTimeout(ctx, ssoListWait)
	defer cancel()
	accts, err := l.SSOAccounts(lctx, source)
	if err != nil {
		return err
	}
	as := make([]profiles.SSOAssignment, 0, len(accts))
	for _, a := range accts {
		as = append(as, profiles.SSOAssignment{AccountID: a.AccountID, AccountName: a.AccountName, Roles: a.Roles})
	}
	add, kept, err := profiles.PlanSSOProfiles(conf, source, o.Template, o.Prefix, as)
	if err != nil {
		return err
	}
	for _, p := range add {
		fmt.Fprintf(out.Stdout, "+ %s (account %s, role %s)\n", p.Name, p.SSOAccountID, p.SSORoleName)
	}
	verb := "would add"
	if !o.DryRun {
		verb = "added"
		if len(add) > 0 {
			if err := profiles.WriteConfigProfiles(ctx, conf.Path, add, false); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out.Stdout, "%s %d profiles to %s (%d accounts, %d already there)\n", verb, len(add), conf.Path, len(accts), kept)
	if len(add) > 0 && !o.DryRun {
		fmt.Fprintln(out.Stdout, "next: spin profiles write")
	}
	return nil
}
