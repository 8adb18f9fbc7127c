package api

import "time"

// PathSignin is a source's interactive sign-in: POST /v1/signin/{source}
// starts one (SigninStart), POST .../wait waits for a device sign-in to
// end, POST .../complete hands over the browser's code (SigninComplete),
// DELETE signs out.
const PathSignin = "/v1/signin/"

// Sign-in modes.
const (
	SigninDevice  = "device"  // verification URL and user code (spin login --no-browser)
	SigninBrowser = "browser" // authorization code with PKCE to the CLI's loopback listener
	// SigninRemote (login sources) is the browser flow for another device:
	// the page shows a code the user pastes (spin login --remote), sent as
	// SigninComplete.Pasted.
	SigninRemote = "remote"
)

// SigninStart is the body of POST /v1/signin/{source}.
type SigninStart struct {
	Mode string `json:"mode"`
	// RedirectURI is the CLI's loopback listener (browser mode).
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// SigninFlow is spind's answer: what the CLI shows or opens. For a device
// sign-in already in progress it is the same code for every caller.
type SigninFlow struct {
	Mode        string    `json:"mode"`
	URL         string    `json:"url"`                    // verification URL or authorize URL
	URLComplete string    `json:"url_complete,omitempty"` // device: the URL with the code filled in
	UserCode    string    `json:"user_code,omitempty"`
	State       string    `json:"state,omitempty"` // browser: what the redirect must bring back
	Expires     time.Time `json:"expires,omitempty"`
}

// SigninComplete is the body of POST /v1/signin/{source}/complete: what the
// browser brought to the loopback listener. The code is useless without
// the PKCE verifier, which never leaves spind.
type SigninComplete struct {
	State string `json:"state"`
	Code  string `json:"code"`
	// Pasted is what the user pasted in a remote sign-in; spind decodes
	// the code and state from it.
	Pasted string `json:"pasted,omitempty"`
}

// SigninImport is the body of POST /v1/signin/{source}/import: a login
// session the AWS CLI wrote (~/.aws/login/cache/<sha256>.json), or for an
// sso source the token `aws sso login` cached (~/.aws/sso/cache/<sha1>.json),
// to move into the keyring. Session is the profile's login_session value,
// or the sso-session name (or legacy start URL) the token was cached for.
type SigninImport struct {
	Cache   string `json:"cache"`
	Session string `json:"session"`
}

// SigninImported names who the imported session belongs to.
type SigninImported struct {
	Principal string `json:"principal"`
	Account   string `json:"account,omitempty"`
}

// SourceStatus describes one entry of sources: in GET /v1/status.
type SourceStatus struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	SignedIn    bool      `json:"signed_in"`
	Expires     time.Time `json:"expires,omitzero"` // the access token's
	LastRefresh time.Time `json:"last_refresh,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Pending     bool      `json:"pending,omitempty"` // a sign-in is in progress
	// Login sources: who signed in, when 'spin login' is needed again
	// (12 hours after signing in; zero when imported) and how often the
	// console credentials (expiring at Expires) were refreshed.
	Principal string    `json:"principal,omitempty"`
	Account   string    `json:"account,omitempty"`
	RenewBy   time.Time `json:"renew_by,omitzero"`
	Refreshes int       `json:"refreshes,omitempty"`
	// TokenFrom, for web_identity sources, says where the OIDC token comes
	// from (GitHub Actions, a file, a command); NeedsToken that spind has
	// not been handed the GitHub job's token request yet.
	TokenFrom  string `json:"token_from,omitempty"`
	NeedsToken bool   `json:"needs_token,omitempty"`
}

// SSOAccount is one entry of GET /v1/signin/{source}/accounts: an account
// and the permission sets the signed-in user has in it.
type SSOAccount struct {
	AccountID   string   `json:"account_id"`
	AccountName string   `json:"account_name"`
	Roles       []string `json:"roles"`
}
