package awsemu

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

const (
	stsVersion   = "2011-06-15"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

func (e *Emulator) stsService() *service {
	return &service{
		doubleEscape: true,
		payloadHash:  bufferedPayloadHash,
		serve:        e.serveSTS,
		writeError:   queryErrorWriter(stsNamespace),
	}
}

func (e *Emulator) serveSTS(w http.ResponseWriter, r *http.Request, c *caller, reqID string) (string, *apiError) {
	return e.serveQuery(w, r, c, reqID, stsVersion, map[string]queryAction{
		"AssumeRole":         e.assumeRole,
		"GetSessionToken":    e.getSessionToken,
		"GetCallerIdentity":  e.getCallerIdentity,
		"GetFederationToken": e.getFederationToken, // federation.go
	})
}

var (
	// A role path is "/" or "/a/b/"; the name is what assumed-role ARNs show.
	roleARNRE     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/(?:[!-~]+/)?([\w+=,.@-]{1,64})$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	serialRE      = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	tokenCodeRE   = regexp.MustCompile(`^[0-9]{6}$`)
)

// roleParams checks the RoleArn and RoleSessionName of an AssumeRole
// call (either kind) as STS does and returns the session's role.
func roleParams(p url.Values) (*role, *apiError) {
	arn := p.Get("RoleArn")
	m := roleARNRE.FindStringSubmatch(arn)
	switch {
	case arn == "":
		return nil, errValidation("roleArn", "", "Member must not be null")
	case len(arn) < 20:
		return nil, errValidation("roleArn", arn, "Member must have length greater than or equal to 20")
	case m == nil:
		return nil, errValidation("roleArn", arn, "Member must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
	}
	name := p.Get("RoleSessionName")
	if aerr := checkString("roleSessionName", name, 2, 64, sessionNameRE, `[\w+=,.@-]*`); aerr != nil {
		return nil, aerr
	}
	return &role{partition: m[1], account: m[2], name: m[3], id: stableID("AROA", arn), sessionName: name}, nil
}

func (e *Emulator) assumeRole(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	r, aerr := roleParams(p)
	if aerr != nil {
		return aerr
	}
	arn, name := p.Get("RoleArn"), r.sessionName
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
	r.attr = attr
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
