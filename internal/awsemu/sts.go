package awsemu

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

const (
	stsVersion = "2011-06-15"
	maxSTSBody = 64 << 10
)

func (e *Emulator) stsService() *service {
	return &service{
		doubleEscape: true,
		payloadHash:  bufferedPayloadHash,
		serve:        e.serveSTS,
		writeError:   writeSTSError,
	}
}

// bufferedPayloadHash reads the (small) body, hashes it and puts it back.
// A client may send X-Amz-Content-Sha256, but it must match the body.
func bufferedPayloadHash(r *http.Request) (string, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSTSBody+1))
	if err != nil {
		return "", newError(http.StatusBadRequest, "IncompleteBody", "The request body could not be read.")
	}
	if len(body) > maxSTSBody {
		return "", newError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is larger than %d bytes.", maxSTSBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); claimed != "" && claimed != hash {
		return "", newError(http.StatusBadRequest, "XAmzContentSHA256Mismatch",
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return hash, nil
}

// stsParams merges the query and, for POST, the form body.
func stsParams(r *http.Request) (url.Values, *apiError) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "MalformedQueryString", "The query string is malformed.")
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		body, _ := io.ReadAll(r.Body) // already buffered
		if len(body) == 0 {
			break
		}
		if ct != "application/x-www-form-urlencoded" {
			return nil, newError(http.StatusBadRequest, "InvalidParameterValue",
				"Content-Type must be application/x-www-form-urlencoded.")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, newError(http.StatusBadRequest, "MalformedQueryString", "The request body is malformed.")
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	default:
		return nil, newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The %s method is not allowed.", r.Method)
	}
	return params, nil
}

func (e *Emulator) serveSTS(w http.ResponseWriter, r *http.Request, c *caller, reqID string) (string, *apiError) {
	p, aerr := stsParams(r)
	if aerr != nil {
		return "", aerr
	}
	action := p.Get("Action")
	if e.takeThrottle() {
		return action, errThrottling()
	}
	if action == "" {
		return "", newError(http.StatusBadRequest, "MissingAction", "Missing Action")
	}
	var h func(http.ResponseWriter, url.Values, *caller, string) *apiError
	switch action {
	case "AssumeRole":
		h = e.assumeRole
	case "GetSessionToken":
		h = e.getSessionToken
	case "GetCallerIdentity":
		h = e.getCallerIdentity
	case "GetFederationToken":
		h = e.getFederationToken // federation.go
	}
	if h == nil || p.Get("Version") != stsVersion {
		return action, newError(http.StatusBadRequest, "InvalidAction",
			"Could not find operation %s for version %s", action, p.Get("Version"))
	}
	return action, h(w, p, c, reqID)
}

var (
	// A role path is "/" or "/a/b/"; the name is what assumed-role ARNs show.
	roleARNRE     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/(?:[!-~]+/)?([\w+=,.@-]{1,64})$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	serialRE      = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	tokenCodeRE   = regexp.MustCompile(`^[0-9]{6}$`)
)

func (e *Emulator) assumeRole(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	arn := p.Get("RoleArn")
	m := roleARNRE.FindStringSubmatch(arn)
	switch {
	case arn == "":
		return errValidation("roleArn", "", "Member must not be null")
	case len(arn) < 20:
		return errValidation("roleArn", arn, "Member must have length greater than or equal to 20")
	case m == nil:
		return errValidation("roleArn", arn, "Member must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
	}
	name := p.Get("RoleSessionName")
	if aerr := checkString("roleSessionName", name, 2, 64, sessionNameRE, `[\w+=,.@-]*`); aerr != nil {
		return aerr
	}
	ext := p.Get("ExternalId")
	if ext != "" {
		if aerr := checkString("externalId", ext, 2, 1224, externalIDRE, `[\w+=,.@:\/-]*`); aerr != nil {
			return aerr
		}
	}
	if c.sess == nil && c.source.UserName == "" {
		return errAccessDenied("Roles may not be assumed by root accounts.")
	}
	chained := c.sess != nil && c.sess.role != nil
	secs, aerr := durationParam(p, 3600, 43200)
	if aerr != nil {
		return aerr
	}
	if chained && secs > 3600 {
		return newError(http.StatusBadRequest, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if aerr := e.checkMFA(p, c.source); aerr != nil {
		return aerr
	}
	var prev *attribution
	if chained {
		prev = &c.sess.role.attr
	}
	attr, aerr := attributionParams(p, prev)
	if aerr != nil {
		return aerr
	}
	r := &role{partition: m[1], account: m[2], name: m[3], id: stableID("AROA", arn), sessionName: name, attr: attr}
	s := e.issue(c.source, r, time.Duration(secs)*time.Second)
	e.mu.Lock()
	e.assumeRoleCalls = append(e.assumeRoleCalls, AssumeRoleCall{
		RoleARN: arn, RoleSessionName: name, DurationSeconds: secs, ExternalID: ext,
		SourceAccessKeyID: c.keyID, At: e.now(), SourceIdentity: attr.sourceIdentity,
		Tags: r.info().Tags, TransitiveTagKeys: slices.Clone(attr.transitive),
	})
	e.mu.Unlock()

	var resp assumeRoleResponse
	resp.Result.Credentials = credentialsXML(s)
	resp.Result.AssumedRoleUser.Arn = r.arn()
	resp.Result.AssumedRoleUser.AssumedRoleID = r.id + ":" + name
	resp.Result.SourceIdentity = attr.sourceIdentity
	if len(attr.tags) > 0 {
		// STS reports how full the packed policies and tags are, in percent
		// of its limit; the emulator's limit is the tag count alone.
		resp.Result.PackedPolicySize = len(attr.tags) * 100 / maxSessionTags
	}
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

func (e *Emulator) getSessionToken(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	if c.sess != nil {
		return errAccessDenied("Cannot call GetSessionToken with session credentials")
	}
	def, maxSecs := 43200, 129600
	if c.source.UserName == "" { // root sessions last at most an hour
		def, maxSecs = 3600, 3600
	}
	secs, aerr := durationParam(p, def, maxSecs)
	if aerr != nil {
		return aerr
	}
	if aerr := e.checkMFA(p, c.source); aerr != nil {
		return aerr
	}
	s := e.issue(c.source, nil, time.Duration(secs)*time.Second)
	e.setMFA(s, p.Get("TokenCode") != "") // iam.go: IAM wants MFA sessions
	var resp getSessionTokenResponse
	resp.Result.Credentials = credentialsXML(s)
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

func (e *Emulator) getCallerIdentity(w http.ResponseWriter, _ url.Values, c *caller, reqID string) *apiError {
	var r *role
	if c.sess != nil {
		r = c.sess.role
	}
	var resp getCallerIdentityResponse
	resp.Result.Arn, resp.Result.UserID, resp.Result.Account = identity(c.source, r)
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

// checkMFA validates SerialNumber and TokenCode, if given, against the MFA
// device of the long-term key behind the caller.
func (e *Emulator) checkMFA(p url.Values, src Key) *apiError {
	serial, code := p.Get("SerialNumber"), p.Get("TokenCode")
	if serial == "" && code == "" {
		return nil
	}
	if serial != "" {
		if aerr := checkString("serialNumber", serial, 9, 256, serialRE, `[\w+=/:,.@-]*`); aerr != nil {
			return aerr
		}
	}
	if code != "" && !tokenCodeRE.MatchString(code) {
		return errValidation("tokenCode", code, `Member must have length 6 and satisfy regular expression pattern: [\d]*`)
	}
	if serial == "" || code == "" || src.MFASerial == "" ||
		subtle.ConstantTimeCompare([]byte(serial), []byte(src.MFASerial)) != 1 ||
		!checkTOTP(src.MFASecret, code, e.now()) {
		return errMFAFailed()
	}
	return nil
}

// durationParam reads DurationSeconds. Unlike AWS, whose floor is 900,
// anything from one second up is accepted, so tests can watch sessions
// expire.
func durationParam(p url.Values, def, maxSecs int) (int, *apiError) {
	v := p.Get("DurationSeconds")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, errValidation("durationSeconds", v, "Member must be an integer")
	case n < 1:
		return 0, errValidation("durationSeconds", v, "Member must have value greater than or equal to 1")
	case n > maxSecs:
		return 0, errValidation("durationSeconds", v, "Member must have value less than or equal to "+strconv.Itoa(maxSecs))
	}
	return n, nil
}

// checkString applies STS's length and pattern constraints to a parameter.
func checkString(field, v string, minLen, maxLen int, re *regexp.Regexp, pattern string) *apiError {
	switch {
	case v == "":
		return errValidation(field, "", "Member must not be null")
	case len(v) < minLen:
		return errValidation(field, v, "Member must have length greater than or equal to "+strconv.Itoa(minLen))
	case len(v) > maxLen:
		return errValidation(field, v, "Member must have length less than or equal to "+strconv.Itoa(maxLen))
	case !re.MatchString(v):
		return errValidation(field, v, "Member must satisfy regular expression pattern: "+pattern)
	}
	return nil
}
