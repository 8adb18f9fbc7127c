package awsemu

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The browser half of Sign-In: the authorize page the CLI opens, and the
// confirmation page of the cross-device flow, which shows the code the
// user pastes into the CLI.

// authorizeRequest is a validated /v1/authorize request.
type authorizeRequest struct {
	clientID, redirectURI, state, challenge string
}

// pkceChallengeRE: a base64url SHA-256, unpadded (the AWS CLI strips the
// one '=' of Python's padded encoding).
var pkceChallengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// confirmationPath is where the cross-device flow redirects to.
const confirmationPath = "/v1/sessions/confirmation"

func parseAuthorize(r *http.Request, p url.Values) (*authorizeRequest, error) {
	a := &authorizeRequest{clientID: p.Get("client_id"), redirectURI: p.Get("redirect_uri"),
		state: p.Get("state"), challenge: p.Get("code_challenge")}
	switch {
	case p.Get("response_type") != "code":
		return nil, errors.New("response_type must be code")
	case a.clientID != SigninSameDeviceClient && a.clientID != SigninCrossDeviceClient:
		return nil, errors.New("unknown client_id")
	case !strings.Contains(" "+p.Get("scope")+" ", " openid "):
		return nil, errors.New("scope must include openid")
	case p.Get("code_challenge_method") != "SHA-256" && p.Get("code_challenge_method") != "S256":
		return nil, errors.New("code_challenge_method must be SHA-256")
	case !pkceChallengeRE.MatchString(a.challenge):
		return nil, errors.New("code_challenge must be an unpadded base64url SHA-256")
	case a.state == "":
		return nil, errors.New("state is required")
	}
	if a.clientID == SigninCrossDeviceClient {
		if want := strings.TrimSuffix(requestURL(r), r.URL.Path) + confirmationPath; a.redirectURI != want {
			return nil, errors.New("redirect_uri of the cross-device client must be " + want)
		}
		return a, nil
	}
	u, err := url.Parse(a.redirectURI)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("redirect_uri must be an http loopback URL with a port")
	}
	switch h := u.Hostname(); {
	case h == "localhost":
	case net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback():
	default:
		return nil, errors.New("redirect_uri must point at the loopback interface")
	}
	return a, nil
}

// signinPages are the pages a browser sees; tests read the ids.
var signinPages = template.Must(template.New("pages").Parse(`
{{define "error"}}<!DOCTYPE html><html><head><title>AWS Sign-In</title></head><body>
<h1>Sign-in failed</h1><p id="error">{{.}}</p></body></html>
{{end}}
{{define "approve"}}<!DOCTYPE html><html><head><title>AWS Sign-In</title></head><body>
<h1>Allow the AWS CLI to use your console session?</h1>
<p>Signed in as <span id="principal">{{.Principal}}</span>.</p>
<form method="post" action="/v1/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form></body></html>
{{end}}
{{define "confirmation"}}<!DOCTYPE html><html><head><title>AWS Sign-In</title></head><body>
<h1>Verification code</h1>
<p>Copy this code and paste it into the CLI:</p>
<code id="verification-code">{{.}}</code></body></html>
{{end}}`))

func writePage(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = signinPages.ExecuteTemplate(w, name, data)
}

// serveSigninAuthorize is the console's sign-in and consent step. The user
// is always signed in (as the sign-in user); with auto-approve the consent
// is given at once, otherwise the page's form must be submitted (POST).
// Bad requests get an error page and never a redirect: an unchecked
// redirect_uri must not receive anything.
func (e *Emulator) serveSigninAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writePage(w, http.StatusMethodNotAllowed, "error", "method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		writePage(w, http.StatusBadRequest, "error", "malformed request")
		return
	}
	a, err := parseAuthorize(r, r.Form)
	if err != nil {
		writePage(w, http.StatusBadRequest, "error", err.Error())
		return
	}
	e.mu.Lock()
	auto, user := e.signin.autoApprove, e.signin.user
	e.mu.Unlock()
	decision := r.PostForm.Get("decision")
	if r.Method == http.MethodGet && !auto {
		params := url.Values{}
		for _, k := range []string{"response_type", "client_id", "state", "code_challenge_method", "scope", "redirect_uri", "code_challenge"} {
			params.Set(k, r.Form.Get(k))
		}
		arn, _, _ := identity(user, nil)
		writePage(w, http.StatusOK, "approve", map[string]any{"Principal": arn, "Params": params})
		return
	}
	q := url.Values{"state": {a.state}}
	if r.Method == http.MethodPost && decision != "allow" {
		q.Set("error", "access_denied")
	} else {
		code := randomURLToken(32)
		e.mu.Lock()
		e.signin.codes[code] = &signinCode{clientID: a.clientID, redirectURI: a.redirectURI,
			challenge: a.challenge, user: user, expires: e.now().Add(signinCodeLifetime)}
		e.calls["signin:authorize"]++
		e.mu.Unlock()
		q.Set("code", code)
	}
	http.Redirect(w, r, a.redirectURI+"?"+q.Encode(), http.StatusFound)
}

// serveSigninConfirmation shows the cross-device flow's verification
// code: base64 of "code=...&state=...", which the AWS CLI decodes.
func (e *Emulator) serveSigninConfirmation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg := q.Get("error"); msg != "" {
		writePage(w, http.StatusOK, "error", "sign-in was cancelled ("+msg+")")
		return
	}
	if q.Get("code") == "" || q.Get("state") == "" {
		writePage(w, http.StatusBadRequest, "error", "missing code or state")
		return
	}
	v := url.Values{"code": {q.Get("code")}, "state": {q.Get("state")}}
	writePage(w, http.StatusOK, "confirmation", base64.StdEncoding.EncodeToString([]byte(v.Encode())))
}

var verificationCodeRE = regexp.MustCompile(`<code id="verification-code">([A-Za-z0-9+/=]+)</code>`)

// VerificationCode extracts the code a confirmation page shows, for tests
// that play the user copying it.
func VerificationCode(page []byte) (string, bool) {
	m := verificationCodeRE.FindSubmatch(page)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}
