package broker

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/awslogin"
	"github.com/cloudspin/spin/profiles"
)

// The sign-in endpoints for a login source (console credentials, as
// 'aws login' makes them), reached through the same handlers as sso's.
// spind keeps everything secret (DPoP key, PKCE verifier, state, tokens);
// the CLI only opens the URL, runs the loopback listener or reads the
// pasted code, and hands the code and state back.

// loginClient returns the sign-in client of login source def; without
// one it has written why.
func (b *Broker) loginClient(w http.ResponseWriter, def profiles.SourceDef) (*awslogin.Client, bool) {
	client, err := b.login.client(def)
	if err != nil {
		writeError(w, errorf(api.CodeConfigInvalid, "fix network: in "+b.cfg.ConfigPath, "source %s: %v", def.Name, err))
		return nil, false
	}
	return client, true
}

func (b *Broker) loginStart(w http.ResponseWriter, r *http.Request, def profiles.SourceDef, in api.SigninStart) {
	name := def.Name
	redirect := ""
	switch in.Mode {
	case api.SigninRemote:
	case api.SigninBrowser:
		u, err := url.Parse(in.RedirectURI)
		if err != nil || u.Scheme != "http" || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
			writeError(w, errorf(api.CodeBadRequest, "", "source %s: redirect_uri must be a loopback http URL", name))
			return
		}
		redirect = in.RedirectURI
	case api.SigninDevice:
		writeError(w, errorf(api.CodeBadRequest, "run 'spin login "+name+" --remote' to sign in from another device",
			"source %s: console sign-in has no device code", name))
		return
	default:
		writeError(w, errorf(api.CodeBadRequest, "", "unknown sign-in mode %q (browser or remote)", in.Mode))
		return
	}
	// The session goes into the keyring at the end: a locked or unusable
	// keyring is said now, not after the user signed in in the browser.
	if _, aerr := b.loginItems(); aerr != nil {
		writeError(w, aerr)
		return
	}
	src := b.login
	client, ok := b.loginClient(w, def)
	if !ok {
		return
	}
	flow, authURL, err := client.Start(r.Context(), redirect)
	if err != nil {
		writeError(w, errorf(api.CodeInternal, "", "source %s: %v", name, err))
		return
	}
	src.mu.Lock()
	st := src.stateLocked(name)
	st.flow, st.flowAt = flow, b.now()
	src.mu.Unlock()
	b.log.Info("sign-in started", "source", name, "mode", in.Mode)
	writeJSON(w, http.StatusOK, api.SigninFlow{Mode: in.Mode, URL: authURL, State: flow.State})
}

func (b *Broker) loginComplete(w http.ResponseWriter, r *http.Request, def profiles.SourceDef, in api.SigninComplete) {
	name := def.Name
	if in.Pasted != "" {
		code, state, err := awslogin.ParsePastedCode(in.Pasted)
		if err != nil {
			writeError(w, errorf(api.CodeBadRequest, "paste the code the Sign-In page shows, or run 'spin login "+name+" --remote' again",
				"source %s: %v", name, err))
			return
		}
		in.Code, in.State = code, state
	}
	src := b.login
	src.mu.Lock()
	st := src.stateLocked(name)
	flow := st.flow
	if flow != nil && b.now().Sub(st.flowAt) > flowLifetime {
		flow = nil
	}
	if flow != nil && in.State == flow.State {
		st.flow = nil // one code per sign-in, whatever the outcome
	}
	src.mu.Unlock()
	hint := "run 'spin login " + name + "' again"
	switch {
	case flow == nil:
		writeError(w, errorf(api.CodeBadRequest, hint, "source %s: no sign-in is waiting for a code", name))
		return
	case in.State != flow.State:
		writeError(w, errorf(api.CodeBadRequest, hint, "source %s: the answer belongs to another sign-in (state mismatch)", name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	client, ok := b.loginClient(w, def)
	if !ok {
		return
	}
	sess, err := client.Exchange(ctx, flow, in.Code, in.State)
	if err != nil {
		writeError(w, src.signinError(name, "exchange the sign-in code", err))
		return
	}
	src.mu.Lock()
	st = src.stateLocked(name)
	st.sess, st.obtained, st.loaded, st.ended, st.lastErr = sess, b.now(), true, "", ""
	src.mu.Unlock()
	b.log.Info("signed in", "source", name, "principal", sess.ARN, "expires", sess.Credentials.Expiration)
	// A keyring that refuses leaves the session in memory until spind
	// stops; persist logs that.
	src.persist(name, sess)
	b.signins.end(name, "")
	writeJSON(w, http.StatusOK, struct{}{})
}

func (b *Broker) loginSignout(w http.ResponseWriter, r *http.Request, name string) {
	src := b.login
	src.mu.Lock()
	st := src.stateLocked(name)
	st.sess, st.flow, st.loaded, st.ended = nil, nil, true, "signed out with 'spin logout'"
	src.mu.Unlock()
	// Cached role sessions made from it go too: logging out means no more
	// credentials from this source.
	b.dropSessionsOf(name)
	b.log.Info("signed out", "source", name)
	ss, aerr := b.loginItems()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if err := ss.RemoveSource(r.Context(), name); err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "source %s: %v", name, err))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// handleSigninImport adopts a login session from the AWS CLI's cache file.
// spind refreshes with it once before keeping it, so a stale or foreign
// file is refused while the user can still act on it.
func (b *Broker) handleSigninImport(w http.ResponseWriter, r *http.Request) {
	var req api.SigninImport
	q, ok := b.signinSource(w, r, &req, true)
	switch {
	case !ok:
		return
	case q.sso != nil:
		b.ssoImport(w, r, q.name, q.sso, req)
		return
	}
	name, def := q.name, *q.login
	sess, err := awslogin.ParseCacheFile([]byte(req.Cache), req.Session)
	if err != nil {
		writeError(w, errorf(api.CodeBadRequest, "run 'spin login "+name+"' instead", "source %s: %v", name, err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	start := b.now()
	client, ok := b.loginClient(w, def)
	if !ok {
		return
	}
	if err := client.Refresh(ctx, sess); err != nil {
		aerr := b.login.signinError(name, "refresh with the imported session", err)
		if awslogin.NeedsSignin(err) {
			aerr.Hint = "the AWS CLI's session has ended: run 'spin login " + name + "'"
		}
		writeError(w, aerr)
		return
	}
	src := b.login
	src.mu.Lock()
	st := src.stateLocked(name)
	st.sess, st.obtained, st.loaded, st.ended, st.lastErr = sess, start, true, "", ""
	src.mu.Unlock()
	b.dropSessionsOf(name)
	data, err := sess.Marshal()
	if err == nil {
		ss, aerr := b.loginItems()
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		err = ss.PutSource(ctx, name, data)
	}
	if err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "source %s: store the imported session: %v", name, err))
		return
	}
	b.log.Info("login session imported", "source", name, "principal", sess.ARN)
	b.signins.end(name, "")
	writeJSON(w, http.StatusOK, api.SigninImported{Principal: sess.ARN, Account: sess.AccountID})
}
