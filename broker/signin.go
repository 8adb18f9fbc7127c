package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/awssso"
	"github.com/cloudspin/spin/internal/yamlnode"
	"github.com/cloudspin/spin/profiles"
)

// The sign-in endpoints (spin login/logout). spind makes every call to
// AWS and keeps every token and the PKCE verifier; the CLI only shows the
// URL and code, opens the browser and relays what comes back to its
// loopback listener.

// signinSource is the source a sign-in request names: a login source
// (login is its definition) or an sso source (sso is its token state).
type signinSource struct {
	name  string
	login *profiles.SourceDef
	sso   *awssso.Source
}

// signinSource decodes r's body into in (unless nil) and finds the source
// r names, a login source only when login is set. Without one it has
// written why and returns false.
func (b *Broker) signinSource(w http.ResponseWriter, r *http.Request, in any, login bool) (signinSource, bool) {
	q := signinSource{name: r.PathValue("source")}
	if in != nil {
		if err := decodeJSON(r, in); err != nil {
			writeError(w, bodyError(err))
			return q, false
		}
	}
	conf, aerr := b.config()
	if aerr != nil {
		writeError(w, aerr)
		return q, false
	}
	def, ok := conf.Sources[q.name]
	switch {
	case !ok:
		msg := fmt.Sprintf("no source %s in %s", q.name, conf.Path)
		if s := yamlnode.Suggest(q.name, conf.SourceOrder); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		aerr = errorf(api.CodeNotFound, "add it under sources: in "+conf.Path, "%s", msg)
	case def.Kind == profiles.KindLogin && login:
		q.login = &def
		return q, true
	case def.Kind == profiles.KindWebIdentity:
		hint := "use its profiles as they are"
		if def.WebIdentity.GitHubActions {
			hint = "in the job, run commands under 'spin exec PROFILE -- CMD' or spin plan/up/down: they hand spind the job's token request"
		}
		aerr = errorf(api.CodeBadRequest, hint,
			"source %s (web_identity) needs no sign-in: spind uses %s for every session", q.name, def.WebIdentity)
	case def.Kind != profiles.KindSSO:
		aerr = errorf(api.CodeBadRequest, "", "source %s is of kind %s, which has no sign-in in this spind", q.name, def.Kind)
	default:
		q.sso = b.sso.state(def)
		return q, true
	}
	writeError(w, aerr)
	return q, false
}

func (b *Broker) handleSigninStart(w http.ResponseWriter, r *http.Request) {
	var in api.SigninStart
	q, ok := b.signinSource(w, r, &in, true)
	switch {
	case !ok:
		return
	case q.login != nil:
		b.loginStart(w, r, *q.login, in)
		return
	}
	src, name := q.sso, q.name
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	switch in.Mode {
	case api.SigninDevice:
		d, err := src.StartDevice(ctx)
		if err != nil {
			writeError(w, signinError(name, err))
			return
		}
		b.log.Info("sign-in started", "source", name, "mode", in.Mode)
		writeJSON(w, http.StatusOK, api.SigninFlow{Mode: in.Mode, URL: d.URL, URLComplete: d.URLComplete,
			UserCode: d.UserCode, Expires: d.Expires})
	case api.SigninBrowser:
		if in.RedirectURI == "" {
			writeError(w, errorf(api.CodeBadRequest, "", "browser sign-in needs redirect_uri"))
			return
		}
		u, state, err := src.StartBrowser(ctx, in.RedirectURI)
		if err != nil {
			writeError(w, signinError(name, err))
			return
		}
		b.log.Info("sign-in started", "source", name, "mode", in.Mode)
		writeJSON(w, http.StatusOK, api.SigninFlow{Mode: in.Mode, URL: u, State: state})
	case api.SigninRemote:
		writeError(w, errorf(api.CodeBadRequest, "run 'spin login "+name+" --no-browser' to sign in from another device",
			"source %s: IAM Identity Center has no pasted-code sign-in", name))
	default:
		writeError(w, errorf(api.CodeBadRequest, "", "unknown sign-in mode %q (device or browser)", in.Mode))
	}
}

func (b *Broker) handleSigninWait(w http.ResponseWriter, r *http.Request) {
	q, ok := b.signinSource(w, r, nil, false)
	if !ok {
		return
	}
	if err := q.sso.WaitDevice(r.Context()); err != nil {
		writeError(w, signinError(q.name, err))
		return
	}
	b.signedIn(q.name)
	writeJSON(w, http.StatusOK, struct{}{})
}

func (b *Broker) handleSigninComplete(w http.ResponseWriter, r *http.Request) {
	var in api.SigninComplete
	q, ok := b.signinSource(w, r, &in, true)
	switch {
	case !ok:
		return
	case q.login != nil:
		b.loginComplete(w, r, *q.login, in)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	if err := q.sso.CompleteBrowser(ctx, in.State, in.Code); err != nil {
		writeError(w, signinError(q.name, err))
		return
	}
	b.signedIn(q.name)
	writeJSON(w, http.StatusOK, struct{}{})
}

func (b *Broker) handleSignout(w http.ResponseWriter, r *http.Request) {
	q, ok := b.signinSource(w, r, nil, true)
	switch {
	case !ok:
		return
	case q.login != nil:
		b.loginSignout(w, r, q.name)
		return
	}
	src, name := q.sso, q.name
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	err := src.Logout(ctx)
	// The sessions made with the tokens go whatever the portal or the
	// keyring said, so that logging out ends access through spind.
	b.dropSessionsOf(name)
	b.log.Info("signed out", "source", name)
	var aerr *api.Error
	switch {
	case errors.As(err, &aerr):
		// spind could not read or remove the keyring item (locked, say):
		// the tokens in it are not forgotten.
		hint := "then run 'spin logout " + name + "' again"
		switch {
		case aerr.Code == api.CodeLocked:
			hint = "run 'spin unlock', " + hint
		case aerr.Hint != "":
			hint = aerr.Hint + ", " + hint
		}
		writeError(w, errorf(aerr.Code, hint, "source %s: %s: its tokens are still in the keyring", name, aerr.Message))
	case err != nil:
		writeError(w, errorf(api.CodeSTSFailed, "the tokens are forgotten; check the network to sign out at AWS too",
			"source %s: %v", name, err))
	default:
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

// signedIn logs a finished sign-in and releases the callers waiting for
// it; sessions of the source that were refused meanwhile are simply made
// on the next request.
func (b *Broker) signedIn(name string) {
	b.log.Info("signed in", "source", name)
	b.signins.end(name, "")
}

func signinError(name string, err error) *api.Error {
	var aerr *api.Error
	if errors.As(err, &aerr) {
		return aerr
	}
	if msg, hint, ok := noAnswer(err); ok {
		return errorf(api.CodeSTSFailed, hint, "source %s: %s", name, msg)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return errorf(api.CodeSigninRequired, "run 'spin login "+name+"' again", "source %s: the sign-in did not finish in time", name)
	}
	if awssso.NeedsSignin(err) {
		return errorf(api.CodeSigninRequired, "run 'spin login "+name+"' again", "source %s: sign-in refused: %v", name, err)
	}
	return errorf(api.CodeSTSFailed, "check the source's start_url and region, and the network to AWS",
		"source %s: %v", name, err)
}

// sourceStatuses lists the sources for GET /v1/status.
func (b *Broker) sourceStatuses(conf *profiles.Config) []api.SourceStatus {
	out := []api.SourceStatus{}
	if conf == nil {
		return out
	}
	for _, name := range conf.SourceOrder {
		def := conf.Sources[name]
		st := api.SourceStatus{Name: name, Kind: string(def.Kind)}
		switch def.Kind {
		case profiles.KindSSO:
			s := b.sso.state(def).Status()
			st.SignedIn, st.Expires, st.LastRefresh, st.LastError, st.Pending = s.SignedIn, s.Expires, s.LastRefresh, s.LastError, s.Pending
		case profiles.KindLogin:
			b.login.status(&st)
		case profiles.KindWebIdentity:
			st.TokenFrom = def.WebIdentity.String()
			st.NeedsToken = def.WebIdentity.GitHubActions && !b.webIdentity.hasGitHubRequest(name)
		}
		out = append(out, st)
	}
	return out
}

func (b *Broker) handleSSOAccounts(w http.ResponseWriter, r *http.Request) {
	q, ok := b.signinSource(w, r, nil, false)
	if !ok {
		return
	}
	src, name := q.sso, q.name
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	as, err := src.Assignments(ctx)
	if err != nil {
		if awssso.NeedsSignin(err) {
			writeError(w, ssoSigninRequired(name))
			return
		}
		writeError(w, signinError(name, err))
		return
	}
	out := make([]api.SSOAccount, 0, len(as))
	for _, a := range as {
		out = append(out, api.SSOAccount{AccountID: a.AccountID, AccountName: a.AccountName, Roles: a.Roles})
	}
	writeJSON(w, http.StatusOK, out)
}

// ssoImport adopts the token `aws sso login` cached for an sso source
// (spin profiles import); the CLI deletes the file afterwards.
func (b *Broker) ssoImport(w http.ResponseWriter, r *http.Request, name string, src *awssso.Source, req api.SigninImport) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if err := src.ImportCache(ctx, []byte(req.Cache)); err != nil {
		e := signinError(name, err)
		if awssso.NeedsSignin(err) {
			e = errorf(api.CodeSigninRequired, "run 'spin login "+name+"'", "source %s: %v", name, err)
		}
		writeError(w, e)
		return
	}
	b.dropSessionsOf(name)
	b.signedIn(name)
	writeJSON(w, http.StatusOK, api.SigninImported{})
}
