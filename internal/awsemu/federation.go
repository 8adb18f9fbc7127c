package awsemu

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The console federation endpoint (https://signin.aws.amazon.com/federation)
// and STS GetFederationToken, which together turn temporary credentials
// into a console sign-in URL: getSigninToken takes a session's credentials
// and returns a sign-in token good for 15 minutes; login takes the token
// and redirects the browser to the console Destination, signed in as the
// session's role or federated user.

const signinTokenLifetime = 15 * time.Minute

// consoleHosts are the hosts a login Destination may point at, per partition.
var consoleHosts = []string{"console.aws.amazon.com", "console.amazonaws.cn", "console.amazonaws-us-gov.com"}

// FederationLogin records one accepted console login.
type FederationLogin struct {
	Arn            string // the assumed role or federated user signed in
	Account        string
	Destination    string
	Issuer         string
	ConsoleExpires time.Time // when the console session ends
	At             time.Time
}

type federationState struct {
	tokens map[string]*signinToken
	logins []FederationLogin
}

type signinToken struct {
	arn, account   string
	issued         time.Time
	consoleExpires time.Time
}

func (e *Emulator) initFederation(mux *http.ServeMux) {
	e.federation = &federationState{tokens: make(map[string]*signinToken)}
	mux.HandleFunc("/federation", e.serveFederation)
}

// FederationLogins returns the console logins accepted so far, in order.
func (e *Emulator) FederationLogins() []FederationLogin {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]FederationLogin(nil), e.federation.logins...)
}

func (e *Emulator) serveFederation(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed request", http.StatusBadRequest)
		return
	}
	var err error
	switch action := r.Form.Get("Action"); action {
	case "getSigninToken":
		err = e.getSigninToken(w, r.Form)
	case "login":
		err = e.federationLogin(w, r, r.Form)
	default:
		err = fmt.Errorf("unknown Action %q: use getSigninToken or login", action)
	}
	if err != nil {
		// The federation endpoint answers errors with a bare 400 page. Never
		// echo the session or the token: they are bearer secrets.
		e.mu.Lock()
		e.rejections["federation"]++
		e.mu.Unlock()
		e.log.Info("federation request rejected", "action", r.Form.Get("Action"), "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

type federationSession struct {
	SessionID    string `json:"sessionId"`
	SessionKey   string `json:"sessionKey"`
	SessionToken string `json:"sessionToken"`
}

func (e *Emulator) getSigninToken(w http.ResponseWriter, form url.Values) error {
	var fs federationSession
	if err := json.Unmarshal([]byte(form.Get("Session")), &fs); err != nil {
		return fmt.Errorf("the Session parameter must be JSON with sessionId, sessionKey and sessionToken")
	}
	now := e.now()
	e.mu.Lock()
	s, ok := e.sessions[fs.SessionID]
	e.mu.Unlock()
	switch {
	case !ok && e.isLongTermKey(fs.SessionID):
		return fmt.Errorf("long-term credentials cannot sign in to the console: use temporary credentials")
	case !ok || s.disabled ||
		subtle.ConstantTimeCompare([]byte(fs.SessionKey), []byte(s.secret)) != 1 ||
		subtle.ConstantTimeCompare([]byte(fs.SessionToken), []byte(s.token)) != 1:
		return fmt.Errorf("the session credentials are invalid")
	case !now.Before(s.expires):
		return fmt.Errorf("the session credentials have expired")
	case s.role == nil:
		return fmt.Errorf("the credentials of GetSessionToken cannot sign in to the console: use AssumeRole or GetFederationToken")
	}
	// A role session's console session lasts SessionDuration (default one
	// hour); a federated user's lasts as long as its credentials, and
	// SessionDuration is refused for it, as AWS does.
	consoleEnd := s.expires
	if v := form.Get("SessionDuration"); v != "" {
		if s.role.federated {
			return fmt.Errorf("the SessionDuration parameter cannot be used with GetFederationToken credentials")
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 43200 {
			return fmt.Errorf("the SessionDuration must be between 900 and 43200 seconds")
		}
		consoleEnd = now.Add(time.Duration(n) * time.Second)
	} else if !s.role.federated {
		consoleEnd = now.Add(time.Hour)
	}
	tok := "fed" + rand.Text() + rand.Text()
	e.mu.Lock()
	for k, t := range e.federation.tokens { // drop the stale ones now and then
		if now.Sub(t.issued) > signinTokenLifetime {
			delete(e.federation.tokens, k)
		}
	}
	e.federation.tokens[tok] = &signinToken{arn: s.role.arn(), account: s.role.account, issued: now, consoleExpires: consoleEnd}
	e.calls["federation:getSigninToken"]++
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]string{"SigninToken": tok})
}

func (e *Emulator) isLongTermKey(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.keys[id]
	return ok
}

func (e *Emulator) federationLogin(w http.ResponseWriter, r *http.Request, form url.Values) error {
	dest, err := url.Parse(form.Get("Destination"))
	if err != nil || dest.Scheme != "https" || !isConsoleHost(dest.Hostname()) {
		return fmt.Errorf("the Destination must be an https URL of the AWS console")
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.federation.tokens[form.Get("SigninToken")]
	if !ok || now.Sub(t.issued) > signinTokenLifetime {
		return fmt.Errorf("the sign-in token is invalid or has expired")
	}
	e.federation.logins = append(e.federation.logins, FederationLogin{Arn: t.arn, Account: t.account,
		Destination: dest.String(), Issuer: form.Get("Issuer"), ConsoleExpires: t.consoleExpires, At: now})
	e.calls["federation:login"]++
	http.Redirect(w, r, dest.String(), http.StatusFound)
	return nil
}

func isConsoleHost(h string) bool {
	for _, c := range consoleHosts {
		if h == c || strings.HasSuffix(h, "."+c) {
			return true
		}
	}
	return false
}

var federatedNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)

// getFederationToken issues a federated user's session. Only an IAM user's
// (or root's) long-term keys may call it.
func (e *Emulator) getFederationToken(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	if c.sess != nil {
		return errAccessDenied("Cannot call GetFederationToken with session credentials")
	}
	name := p.Get("Name")
	if aerr := checkString("name", name, 2, 32, federatedNameRE, `[\w+=,.@-]*`); aerr != nil {
		return aerr
	}
	maxSecs := 129600
	if c.source.UserName == "" {
		maxSecs = 3600
	}
	secs, aerr := durationParam(p, 43200, maxSecs)
	if aerr != nil {
		return aerr
	}
	r := &role{partition: "aws", account: c.source.Account, name: name, id: c.source.Account,
		sessionName: name, federated: true}
	s := e.issue(c.source, r, time.Duration(secs)*time.Second)
	var resp getFederationTokenResponse
	resp.Result.Credentials = credentialsXML(s)
	resp.Result.FederatedUser.Arn = r.arn()
	resp.Result.FederatedUser.FederatedUserID = c.source.Account + ":" + name
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

type getFederationTokenResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetFederationTokenResponse"`
	Result  struct {
		Credentials   stsCredentials `xml:"Credentials"`
		FederatedUser struct {
			FederatedUserID string `xml:"FederatedUserId"`
			Arn             string `xml:"Arn"`
		} `xml:"FederatedUser"`
		PackedPolicySize int `xml:"PackedPolicySize"`
	} `xml:"GetFederationTokenResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}
