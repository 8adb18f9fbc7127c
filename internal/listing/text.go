package listing

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudspin/spin/internal/termtext"
)

// WriteJSON writes l, indented.
func (l List) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}

// WriteText writes l as one table: every profile with its source and the
// source's state, its role, its state in ~/.aws/config and its sessions;
// then the sources and key sets no profile uses.
func (l List) WriteText(w io.Writer, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSOURCE\tROLE\tAWS CONFIG\tSESSIONS")
	for _, p := range l.Profiles {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, sourceCell(p.Source, p.SourceKind, p.SourceState),
			role(p), dash(p.AWSConfig), l.sessions(p, now))
	}
	for _, s := range l.Sources {
		if len(s.UsedBy) == 0 {
			state := "unknown"
			if s.Status != nil {
				state = map[bool]string{true: "signed_in", false: "not_signed_in"}[s.Status.SignedIn]
			}
			if s.Kind == "web_identity" {
				state = "ready"
			}
			fmt.Fprintf(tw, "-\t%s\t-\t-\t-\n", sourceCell(s.Name, s.Kind, state))
		}
	}
	for _, k := range l.KeySets {
		if len(k.UsedBy) == 0 {
			fmt.Fprintf(tw, "-\t%s\t-\t-\t-\n", sourceCell(k.Name, "key_set", "stored"))
		}
	}
	return tw.Flush()
}

// sourceCell is "cloudspin_user (key set)", "corp (sso, not signed in)":
// the name, its kind, and its state where it is not the expected one.
func sourceCell(name, kind, state string) string {
	k := strings.ReplaceAll(kind, "_", " ")
	switch state {
	case "stored", "ready", "unknown": // unknown: Run's note says why
		return fmt.Sprintf("%s (%s)", name, k)
	case "missing":
		return fmt.Sprintf("%s (%s, not in the keyring)", name, k)
	default:
		return fmt.Sprintf("%s (%s, %s)", name, k, strings.ReplaceAll(state, "_", " "))
	}
}

func role(p Profile) string {
	switch {
	case p.SSOAccountID != "" && p.RoleARN != "":
		return p.SSOAccountID + "/" + p.SSORoleName + " -> " + p.RoleARN
	case p.SSOAccountID != "":
		return p.SSOAccountID + "/" + p.SSORoleName
	}
	return dash(p.RoleARN)
}

// sessions is "expires in 42m", "2 held, the first expires in 3m", "none",
// or "?" when spind did not answer.
func (l List) sessions(p Profile, now time.Time) string {
	if !l.Spind.Running {
		return "?"
	}
	if len(p.Sessions) == 0 {
		return "none"
	}
	first := p.Sessions[0]
	for _, s := range p.Sessions[1:] {
		if s.Expiration.Before(first.Expiration) {
			first = s
		}
	}
	left := first.Expiration.Sub(now).Round(time.Second)
	var out string
	switch {
	case left <= 0:
		out = "expired"
	case len(p.Sessions) == 1:
		out = "expires in " + left.String()
	default:
		out = fmt.Sprintf("%d held, the first expires in %s", len(p.Sessions), left)
	}
	if first.LastError != "" {
		out += "; last error: " + termtext.Clean(first.LastError)
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
