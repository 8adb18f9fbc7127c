package awsemu

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The two pages a person sees in the browser: SSO OIDC's /authorize (the
// authorization-code flow with PKCE, ending in a redirect to the client's
// loopback listener) and the device verification page. With auto-approve
// on they decide at once, as for a user already signed in to the portal;
// otherwise they show a form whose POST carries decision=approve|deny.

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html><head><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1><p>{{.Text}}</p>
<form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button name="decision" value="approve">Allow</button>
<button name="decision" value="deny">Deny</button>
</form></body></html>
`))

var donePage = template.Must(template.New("done").Parse(`<!doctype html>
<html><head><title>{{.}}</title></head><body><h1>{{.}}</h1></body></html>
`))

type consent struct {
	Title, Text, Action string
	Fields              map[string]string
}

func writeHTML(w http.ResponseWriter, t *template.Template, v any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = t.Execute(w, v)
}

func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request) *apiError {
	if err := r.ParseForm(); err != nil {
		return errInvalidRequest("The request could not be parsed.")
	}
	p := r.Form
	now := e.now()
	e.sso.mu.Lock()
	defer e.sso.mu.Unlock()
	c := e.sso.clients[p.Get("client_id")]
	switch {
	case c == nil || !now.Before(c.expires):
		return errInvalidClient()
	case !c.allows(grantAuthCode):
		return errOIDC(http.StatusBadRequest, "UnauthorizedClientException", "Client is not authorized for the authorization code grant")
	case !redirectMatches(c.redirectURIs, p.Get("redirect_uri")):
		return errOIDC(http.StatusBadRequest, "InvalidRedirectUriException", "Invalid redirect URI")
	}
	// From here on errors go back to the client, as OAuth wants.
	back := func(q url.Values) *apiError {
		u, _ := url.Parse(p.Get("redirect_uri")) // matched above
		if s := p.Get("state"); s != "" {
			q.Set("state", s)
		}
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
		return nil
	}
	fail := func(code, desc string) *apiError {
		return back(url.Values{"error": {code}, "error_description": {desc}})
	}
	switch {
	case p.Get("response_type") != "code":
		return fail("unsupported_response_type", "response_type must be code")
	case p.Get("code_challenge") == "" || p.Get("code_challenge_method") != "S256":
		return fail("invalid_request", "PKCE with code_challenge_method S256 is required")
	}
	scopes := strings.Fields(p.Get("scopes"))
	for _, s := range scopes {
		if !slices.Contains(c.scopes, s) {
			return fail("invalid_scope", "Scope not registered: "+s)
		}
	}
	decision := p.Get("decision")
	if r.Method == http.MethodGet && !e.sso.autoApprove {
		fields := map[string]string{}
		for k := range p {
			fields[k] = p.Get(k)
		}
		writeHTML(w, consentPage, consent{
			Title:  "Allow " + c.name + " to access your data?",
			Text:   "An application is asking to use your AWS access portal session.",
			Action: "/authorize", Fields: fields,
		})
		return nil
	}
	if r.Method == http.MethodPost && decision != "approve" {
		return fail("access_denied", "The user denied the request")
	}
	if len(scopes) == 0 {
		scopes = c.scopes
	}
	code := opaqueToken("")
	e.sso.authCodes[keyOf(code)] = &ssoAuthCode{
		client: c, redirectURI: p.Get("redirect_uri"), challenge: p.Get("code_challenge"),
		scopes: scopes, expires: now.Add(authCodeTTL),
	}
	return back(url.Values{"code": {code}})
}

func (e *Emulator) devicePage(w http.ResponseWriter, r *http.Request) *apiError {
	if err := r.ParseForm(); err != nil {
		return errInvalidRequest("The request could not be parsed.")
	}
	code := strings.ToUpper(strings.TrimSpace(r.Form.Get("user_code")))
	e.sso.mu.Lock()
	auto := e.sso.autoApprove
	e.sso.mu.Unlock()
	decide := r.Method == http.MethodPost || (auto && code != "")
	if !decide {
		writeHTML(w, consentPage, consent{
			Title:  "Authorize request",
			Text:   "Confirm that this code matches the one your device shows: " + code,
			Action: "/device", Fields: map[string]string{"user_code": code},
		})
		return nil
	}
	approve := r.Method == http.MethodGet || r.Form.Get("decision") == "approve"
	if err := e.decideDevice(code, approve); err != nil {
		return errInvalidRequest("Invalid or expired user code")
	}
	title := "Request approved"
	if !approve {
		title = "Request denied"
	}
	writeHTML(w, donePage, title)
	return nil
}
