package awsemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The access portal: every call is authorized by an SSO OIDC access token
// in x-amz-sso_bearer_token. Errors are the portal's: UnauthorizedException
// for a missing, unknown, expired or logged-out token, TooManyRequests
// when throttled, ForbiddenException ("No access") for a role the user is
// not assigned.

const (
	ssoBearerHeader = "X-Amz-Sso_bearer_token"
	defaultPage     = 20
	maxPage         = 100
)

func errPortalUnauthorized() *apiError {
	return newError(http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid")
}

func errPortalRequest(msg string) *apiError {
	return newError(http.StatusBadRequest, "InvalidRequestException", "%s", msg)
}

func (e *Emulator) servePortal(w http.ResponseWriter, r *http.Request, op, reqID string) *apiError {
	now := e.now()
	token := r.Header.Get(ssoBearerHeader)
	e.sso.mu.Lock()
	if e.sso.throttle > 0 {
		e.sso.throttle--
		e.sso.mu.Unlock()
		return newError(http.StatusTooManyRequests, "TooManyRequestsException", "HTTP 429 Unknown Code")
	}
	a := e.sso.access[keyOf(token)]
	if token == "" || a == nil || a.signIn.revoked || !now.Before(a.expires) {
		e.sso.mu.Unlock()
		return errPortalUnauthorized()
	}
	cfg := e.sso.cfg // Accounts is never modified in place, only replaced
	if op == "Logout" {
		a.signIn.revoked = true
	}
	e.sso.mu.Unlock()

	q := r.URL.Query()
	switch op {
	case "GetRoleCredentials":
		return e.getRoleCredentials(w, cfg, q.Get("account_id"), q.Get("role_name"), reqID)
	case "ListAccounts":
		start, n, aerr := page(q.Get("next_token"), q.Get("max_result"), len(cfg.Accounts))
		if aerr != nil {
			return aerr
		}
		list := make([]map[string]string, 0, n)
		for _, acct := range cfg.Accounts[start : start+n] {
			list = append(list, map[string]string{"accountId": acct.ID, "accountName": acct.Name, "emailAddress": acct.Email})
		}
		writeJSON(w, http.StatusOK, reqID, pageResult("accountList", list, start+n, len(cfg.Accounts)))
	case "ListAccountRoles":
		id := q.Get("account_id")
		if id == "" {
			return errPortalRequest("account_id is required")
		}
		var roles []string
		if i := slices.IndexFunc(cfg.Accounts, func(a SSOAccount) bool { return a.ID == id }); i >= 0 {
			roles = cfg.Accounts[i].Roles
		}
		start, n, aerr := page(q.Get("next_token"), q.Get("max_result"), len(roles))
		if aerr != nil {
			return aerr
		}
		list := make([]map[string]string, 0, n)
		for _, name := range roles[start : start+n] {
			list = append(list, map[string]string{"accountId": id, "roleName": name})
		}
		writeJSON(w, http.StatusOK, reqID, pageResult("roleList", list, start+n, len(roles)))
	case "Logout":
		w.Header().Set("X-Amzn-Requestid", reqID)
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

func (e *Emulator) getRoleCredentials(w http.ResponseWriter, cfg SSOConfig, account, roleName, reqID string) *apiError {
	if account == "" || roleName == "" {
		return errPortalRequest("account_id and role_name are required")
	}
	i := slices.IndexFunc(cfg.Accounts, func(a SSOAccount) bool { return a.ID == account })
	if i < 0 || !slices.Contains(cfg.Accounts[i].Roles, roleName) {
		return newError(http.StatusForbidden, "ForbiddenException", "No access")
	}
	name := ReservedSSORoleName(account, roleName)
	arn := "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/" + name
	r := &role{partition: "aws", account: account, name: name, id: stableID("AROA", arn), sessionName: cfg.User}
	s := e.issue(Key{UserName: cfg.User, Account: account}, r, cfg.RoleTTL)
	writeJSON(w, http.StatusOK, reqID, map[string]any{"roleCredentials": map[string]any{
		"accessKeyId":     s.accessKeyID,
		"secretAccessKey": s.secret,
		"sessionToken":    s.token,
		"expiration":      s.expires.UnixMilli(), // the portal speaks epoch milliseconds
	}})
	return nil
}

// ReservedSSORoleName is the IAM role Identity Center provisions for a
// permission set in an account: AWSReservedSSO_<set>_<16 hex digits>.
func ReservedSSORoleName(account, permissionSet string) string {
	sum := sha256.Sum256([]byte(account + "/" + permissionSet))
	return "AWSReservedSSO_" + permissionSet + "_" + hex.EncodeToString(sum[:8])
}

// page reads a pagination request: the offset hidden in next_token and the
// page size.
func page(token, maxResult string, total int) (start, n int, aerr *apiError) {
	size := defaultPage
	if maxResult != "" {
		v, err := strconv.Atoi(maxResult)
		if err != nil || v < 1 || v > maxPage {
			return 0, 0, errPortalRequest("max_result must be between 1 and " + strconv.Itoa(maxPage))
		}
		size = v
	}
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		off, found := strings.CutPrefix(string(raw), "offset:")
		v, err2 := strconv.Atoi(off)
		if err != nil || !found || err2 != nil || v < 0 || v > total {
			return 0, 0, errPortalRequest("Invalid next_token")
		}
		start = v
	}
	return start, min(size, total-start), nil
}

func pageResult(field string, list any, next, total int) map[string]any {
	out := map[string]any{field: list}
	if next < total {
		out["nextToken"] = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(next)))
	}
	return out
}
