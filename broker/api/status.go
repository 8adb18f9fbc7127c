package api

import "time"

// KeySetStatus is one key set in GET /v1/status: the key sets profiles
// name, and any spind holds, with the state of their MFA session. Listing
// them never opens the keyring: Loaded says whether spind read the key set
// already (its masked key id and MFA device are known only then).
type KeySetStatus struct {
	Name   string `json:"name"`
	Loaded bool   `json:"loaded"`
	// Missing: the keyring did not hold it when a request last asked.
	Missing     bool   `json:"missing,omitempty"`
	AccessKeyID string `json:"access_key_id,omitempty"` // masked
	MFASerial   string `json:"mfa_serial,omitempty"`
	// MFAExpires is when the key set's MFA session (GetSessionToken with a
	// code) ends; zero when there is none.
	MFAExpires time.Time `json:"mfa_expires,omitzero"`
	// NeedsMFA: the key set has an MFA device and no live MFA session, so
	// the next new role session asks for a code ('spin mfa PROFILE').
	NeedsMFA bool     `json:"needs_mfa,omitempty"`
	Profiles []string `json:"profiles,omitempty"` // the profiles naming it
}

// FailureStatus is a profile whose last credentials request failed while
// spind holds no session for it (a session that failed to refresh shows
// its error in SessionStatus instead): what went wrong, when, and the next
// step.
type FailureStatus struct {
	Profile string `json:"profile"`
	// SessionName is the one the caller asked for (empty: the profile's).
	SessionName string    `json:"session_name,omitempty"`
	Code        string    `json:"code"` // an api error code, e.g. sts_failed
	Error       string    `json:"error"`
	Hint        string    `json:"hint,omitempty"`
	At          time.Time `json:"at"`
}

// ClearedSessions is the answer of DELETE /v1/sessions[/{profile}].
type ClearedSessions struct {
	Cleared int `json:"cleared"`
	// MFACleared counts the MFA sessions dropped (?mfa=1).
	MFACleared int `json:"mfa_cleared,omitempty"`
}

// QueryClearMFA, as ?mfa=1 on DELETE /v1/sessions[/{profile}], also drops
// the MFA sessions (all, or the profile's key set's): the next new session
// asks for a code again.
const QueryClearMFA = "mfa"
