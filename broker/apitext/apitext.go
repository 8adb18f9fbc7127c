// Package apitext renders spind's answers (its status, its key sets) as
// the text spin prints. Text from spind, AWS and files passes through
// termtext, so no escape sequence reaches the terminal.
package apitext

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/termtext"
)

// Status is `spin status`: where AWS calls go, the sources, then the
// sessions spind holds.
func Status(w io.Writer, st api.Status, now time.Time) error {
	Net(w, st)
	for _, src := range st.Sources {
		fmt.Fprintln(w, SourceLine(src, now))
	}
	for _, ks := range st.KeySets {
		fmt.Fprintln(w, KeySetLine(ks, now))
	}
	if len(st.Sessions) == 0 {
		fmt.Fprintln(w, "no sessions held")
	} else if err := Sessions(w, st.Sessions, now); err != nil {
		return err
	}
	for _, f := range st.Failures {
		Failure(w, f, now)
	}
	return nil
}

// Failure shows a profile whose last request failed and that holds no
// session: when, spind's line, and its next step.
func Failure(w io.Writer, f api.FailureStatus, now time.Time) {
	name := f.Profile
	if f.SessionName != "" {
		name += " (session " + f.SessionName + ")"
	}
	fmt.Fprintf(w, "profile %s: no session, last request failed %s (%s): %s\n", name, ago(f.At, now),
		f.At.Local().Format("15:04:05"), termtext.Clean(f.Error))
	if f.Hint != "" {
		fmt.Fprintf(w, "  hint: %s\n", termtext.Clean(f.Hint))
	}
}

// KeySetLine describes one key set: read from the keyring or not yet, and
// its MFA session.
func KeySetLine(ks api.KeySetStatus, now time.Time) string {
	line := "key set " + ks.Name + ": "
	switch {
	case ks.Missing:
		return line + "not in the keyring: run 'spin keys add " + ks.Name + "'"
	case ks.Loaded:
		line += ks.AccessKeyID
	default:
		line += "not read from the keyring yet"
	}
	switch {
	case !ks.MFAExpires.IsZero():
		line += ", MFA session expires in " + ks.MFAExpires.Sub(now).Round(time.Second).String()
	case ks.NeedsMFA:
		profile := "PROFILE"
		if len(ks.Profiles) > 0 {
			profile = ks.Profiles[0]
		}
		line += ", no MFA session: the next new session asks for a code ('spin mfa " + profile + "')"
	case ks.MFASerial == "" && ks.Loaded:
		line += ", no MFA device"
	}
	return line
}

// ago is how long before now t was, to the second.
func ago(t, now time.Time) string {
	return now.Sub(t).Round(time.Second).String() + " ago"
}

// Daemon is `spin daemon status`: spind's process, socket, config,
// keyring and log.
func Daemon(w io.Writer, st api.Status, socket, logPath string, now time.Time) {
	keyring := st.Backend
	if st.KeyringError != "" {
		keyring += " (does not open)"
	}
	fmt.Fprintf(w, "pid:      %d\nversion:  %s\nuptime:   %s\nsocket:   %s\nconfig:   %s\nkeyring:  %s\nlocked:   %v\nsessions: %d\nlog:      %s\n",
		st.PID, st.Version, now.Sub(st.StartedAt).Round(time.Second), socket, st.ConfigPath,
		keyring, st.Locked, len(st.Sessions), logPath)
	if st.LockAfter != "" {
		fmt.Fprintf(w, "locks after %s idle (keyring.lock_after)\n", st.LockAfter)
	}
	if st.BuildNote != "" {
		fmt.Fprintf(w, "note:     %s\n", st.BuildNote)
	}
	if st.ConfigError != "" {
		fmt.Fprintf(w, "config error: %s\n", termtext.Clean(st.ConfigError))
	}
	Net(w, st)
}

// Net shows where spind's AWS calls go when that is not AWS itself, so a
// forgotten emulator endpoint or proxy is never invisible.
func Net(w io.Writer, st api.Status) {
	if len(st.Endpoints) == 0 && st.Network == nil {
		return
	}
	fmt.Fprintf(w, "AWS calls go through (from %s):\n", st.NetFrom)
	for _, s := range slices.Sorted(maps.Keys(st.Endpoints)) {
		fmt.Fprintf(w, "  %s endpoint: %s\n", s, st.Endpoints[s])
	}
	if n := st.Network; n != nil {
		for _, kv := range [][2]string{{"https_proxy", n.HTTPSProxy}, {"no_proxy", n.NoProxy}, {"ca_bundle", n.CABundle}} {
			if kv[1] != "" {
				fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
			}
		}
	}
}

// SourceLine describes one source: signed in or not, token expiry, last
// refresh and the last error.
func SourceLine(s api.SourceStatus, now time.Time) string {
	line := fmt.Sprintf("source %s (%s): ", s.Name, s.Kind)
	switch {
	case s.Kind == "web_identity" && s.NeedsToken:
		line += s.TokenFrom + ": the job's token request was not handed over yet (run the job's commands under 'spin exec PROFILE --', or spin plan/up/down)"
	case s.Kind == "web_identity":
		line += "no sign-in; uses " + s.TokenFrom
	case s.Kind != "sso" && s.Kind != "login":
		line += "no sign-in"
	case s.SignedIn && s.Kind == "login":
		line += "signed in as " + s.Principal
		if !s.RenewBy.IsZero() {
			line += ", renew by " + s.RenewBy.Local().Format("2006-01-02 15:04")
		}
		if !s.Expires.IsZero() {
			line += ", console credentials expire in " + s.Expires.Sub(now).Round(time.Second).String()
		}
		line += fmt.Sprintf(", %d refreshes", s.Refreshes)
	case s.SignedIn:
		line += "signed in"
		if !s.Expires.IsZero() {
			line += ", access token expires in " + s.Expires.Sub(now).Round(time.Second).String()
		}
		if !s.LastRefresh.IsZero() {
			line += ", last refresh " + now.Sub(s.LastRefresh).Round(time.Second).String() + " ago"
		}
	case s.Pending:
		line += "not signed in (a sign-in is in progress)"
	default:
		line += "not signed in: run 'spin login " + s.Name + "'"
	}
	if s.LastError != "" {
		line += "; last error: " + termtext.Clean(s.LastError)
	}
	return line
}

// Keys is `spin keys list`: names, masked key ids, MFA serials and
// whether the long-term keys may be handed out.
func Keys(w io.Writer, keys []api.KeyInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tACCESS KEY ID\tMFA SERIAL\tEXPORT")
	for _, k := range keys {
		export := "-"
		if k.AllowExport {
			export = "allowed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.AccessKeyID, Dash(k.MFASerial), export)
	}
	return tw.Flush()
}

// JSONList writes list as an indented JSON array: the --json of spin's
// listings. An empty list is [], never null, so scripts can iterate.
func JSONList[T any](w io.Writer, list []T) error {
	if list == nil {
		list = []T{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}

// Dash is s, or "-" for an empty column.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// KeyWarnings shows key sets past keys.max_age (or with a rotation
// stopped halfway), each with its fix.
func KeyWarnings(stderr io.Writer, ws []api.KeyWarning) {
	for _, w := range ws {
		fmt.Fprintf(stderr, "spin: warning: %s\nspin: hint: run '%s'\n", w.Message, w.Hint())
	}
}
