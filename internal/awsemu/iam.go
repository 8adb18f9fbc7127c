package awsemu

import (
	"crypto/rand"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// The IAM Query API's access-key actions (version 2010-05-08), enough for
// key rotation: CreateAccessKey, DeleteAccessKey, UpdateAccessKey and
// ListAccessKeys. IAM is a global service: requests are signed for
// us-east-1 (aws-cn and aws-us-gov have their own regions, which the
// emulator does not serve). There are no policies: a user may manage its
// own keys, and the root user and role sessions those of any user of
// their account.

const (
	iamVersion   = "2010-05-08"
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	// maxAccessKeys is IAM's quota of access keys per user.
	maxAccessKeys = 2
)

var userNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

func (e *Emulator) iamService() *service {
	return &service{
		doubleEscape: true,
		payloadHash:  bufferedPayloadHash,
		serve:        e.serveIAM,
		writeError:   queryErrorWriter(iamNamespace),
	}
}

// SetIAMKeyDelay makes keys created by CreateAccessKey work in STS only d
// after their creation, as IAM's eventual consistency sometimes does:
// until then STS answers InvalidClientTokenId. IAM itself lists the key at
// once. Zero (the default) makes new keys usable at once.
func (e *Emulator) SetIAMKeyDelay(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.iamKeyDelay = d
}

// AccessKeys returns the long-term keys of a user of account, in creation
// order ("" is the root user), with their status. Tests use it to check
// what a rotation left behind.
func (e *Emulator) AccessKeys(account, user string) []Key {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.userKeysLocked(account, user)
}

// keyMeta is what the emulator knows about a long-term key beyond Key.
type keyMeta struct {
	seq int // creation order: CreateDate has only seconds
	// usableAt is when a key made by CreateAccessKey starts to work in
	// STS: IAM is eventually consistent (see SetIAMKeyDelay).
	usableAt time.Time
}

func (e *Emulator) putKeyLocked(k Key, usableAt time.Time) {
	m, ok := e.keyMeta[k.AccessKeyID]
	if !ok {
		m.seq = len(e.keyMeta)
	}
	m.usableAt = usableAt
	e.keyMeta[k.AccessKeyID] = m
	e.keys[k.AccessKeyID] = k
}

func (e *Emulator) userKeysLocked(account, user string) []Key {
	var out []Key
	for _, k := range e.keys {
		if k.Account == account && k.UserName == user {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b Key) int { return e.keyMeta[a.AccessKeyID].seq - e.keyMeta[b.AccessKeyID].seq })
	return out
}

// setMFA records whether a GetSessionToken session was made with MFA.
func (e *Emulator) setMFA(s *session, mfa bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s.mfa = mfa
}

func (e *Emulator) serveIAM(w http.ResponseWriter, r *http.Request, c *caller, reqID string) (string, *apiError) {
	if c.sig.region != "us-east-1" {
		return "", errSignature("Credential should be scoped to a valid region. ")
	}
	e.mu.Lock()
	noMFA := c.sess != nil && c.sess.role == nil && !c.sess.mfa
	e.mu.Unlock()
	if noMFA {
		// IAM takes GetSessionToken credentials only when MFA made them.
		return "", errInvalidToken()
	}
	return e.serveQuery(w, r, c, reqID, iamVersion, map[string]queryAction{
		"CreateAccessKey": e.createAccessKey,
		"DeleteAccessKey": e.deleteAccessKey,
		"UpdateAccessKey": e.updateAccessKey,
		"ListAccessKeys":  e.listAccessKeys,
	})
}

// targetUser is the user an access-key call acts on: UserName, else the
// caller's own user. AWS infers no user from role or federated sessions.
func (e *Emulator) targetUser(p url.Values, c *caller) (string, *apiError) {
	name := p.Get("UserName")
	if name == "" {
		if c.sess != nil && c.sess.role != nil {
			return "", newError(http.StatusBadRequest, "ValidationError", "Must specify userName when calling with non-User credentials")
		}
		return c.source.UserName, nil
	}
	if !userNameRE.MatchString(name) {
		return "", errValidation("userName", name, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	if name != c.source.UserName && c.source.UserName != "" && (c.sess == nil || c.sess.role == nil) {
		// No policies here, but one IAM user managing another's keys is the
		// kind of thing AWS refuses without an explicit grant.
		return "", errAccessDenied("User: arn:aws:iam::" + c.source.Account + ":user/" + c.source.UserName +
			" is not authorized to perform this action on resource: user " + name)
	}
	return name, nil
}

// accountOf is the account whose users the caller manages.
func accountOf(c *caller) string {
	if c.sess != nil && c.sess.role != nil {
		return c.sess.role.account
	}
	return c.source.Account
}

func (e *Emulator) createAccessKey(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	user, aerr := e.targetUser(p, c)
	if aerr != nil {
		return aerr
	}
	account := accountOf(c)
	now := e.now().UTC().Truncate(time.Second)
	k := Key{
		AccessKeyID:     "AKIA" + rand.Text()[:16],
		SecretAccessKey: randomBase64(30),
		UserName:        user,
		Account:         account,
		CreateDate:      now,
	}
	e.mu.Lock()
	existing := e.userKeysLocked(account, user)
	if len(existing) == 0 {
		e.mu.Unlock()
		// The emulator knows users, root included, only through their keys.
		return errNoSuchUser(user)
	}
	if len(existing) >= maxAccessKeys {
		e.mu.Unlock()
		return newError(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
	}
	// The new key shares the MFA device of the user's other keys: the
	// device belongs to the user, not to a key.
	k.MFASerial, k.MFASecret = existing[0].MFASerial, existing[0].MFASecret
	e.putKeyLocked(k, now.Add(e.iamKeyDelay))
	e.mu.Unlock()

	var resp createAccessKeyResponse
	resp.Result.AccessKey = accessKeyXML{UserName: user, AccessKeyID: k.AccessKeyID, Status: "Active",
		SecretAccessKey: k.SecretAccessKey, CreateDate: k.CreateDate.Format(time.RFC3339)}
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

// ownKey finds the key AccessKeyId names among the target user's keys.
func (e *Emulator) ownKey(p url.Values, c *caller) (Key, *apiError) {
	user, aerr := e.targetUser(p, c)
	if aerr != nil {
		return Key{}, aerr
	}
	id := p.Get("AccessKeyId")
	if id == "" {
		return Key{}, errValidation("accessKeyId", "", "Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	k, ok := e.keys[id]
	if !ok || k.Account != accountOf(c) || k.UserName != user {
		return Key{}, newError(http.StatusNotFound, "NoSuchEntity", "The Access Key with id %s cannot be found.", id)
	}
	return k, nil
}

func (e *Emulator) deleteAccessKey(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	k, aerr := e.ownKey(p, c)
	if aerr != nil {
		return aerr
	}
	e.mu.Lock()
	// Sessions issued from the key keep working until they expire, as in AWS.
	delete(e.keys, k.AccessKeyID) // keyMeta stays: seq must stay unique
	e.mu.Unlock()
	writeIAMEmpty(w, reqID, "DeleteAccessKeyResponse")
	return nil
}

func (e *Emulator) updateAccessKey(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	status := p.Get("Status")
	if status != "Active" && status != "Inactive" {
		return errValidation("status", status, "Member must satisfy enum value set: [Active, Inactive]")
	}
	k, aerr := e.ownKey(p, c)
	if aerr != nil {
		return aerr
	}
	e.mu.Lock()
	if cur, ok := e.keys[k.AccessKeyID]; ok {
		cur.Disabled = status == "Inactive"
		e.keys[k.AccessKeyID] = cur
	}
	e.mu.Unlock()
	writeIAMEmpty(w, reqID, "UpdateAccessKeyResponse")
	return nil
}

func (e *Emulator) listAccessKeys(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError {
	user, aerr := e.targetUser(p, c)
	if aerr != nil {
		return aerr
	}
	e.mu.Lock()
	keys := e.userKeysLocked(accountOf(c), user)
	e.mu.Unlock()
	if user != "" && len(keys) == 0 {
		return errNoSuchUser(user)
	}
	var resp listAccessKeysResponse
	resp.Result.UserName = user
	for _, k := range keys {
		status := "Active"
		if k.Disabled {
			status = "Inactive"
		}
		resp.Result.Keys = append(resp.Result.Keys, accessKeyXML{UserName: user, AccessKeyID: k.AccessKeyID,
			Status: status, CreateDate: k.CreateDate.UTC().Format(time.RFC3339)})
	}
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
	return nil
}

// errNoSuchUser: the emulator knows users only through their keys, so a
// user without any is one it cannot find.
func errNoSuchUser(name string) *apiError {
	return newError(http.StatusNotFound, "NoSuchEntity", "The user with name %s cannot be found.", name)
}

// The response shapes, as IAM sends them.

type accessKeyXML struct {
	UserName        string `xml:"UserName,omitempty"`
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"`
	CreateDate      string `xml:"CreateDate"`
}

type createAccessKeyResponse struct {
	XMLName xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ CreateAccessKeyResponse"`
	Result  struct {
		AccessKey accessKeyXML `xml:"AccessKey"`
	} `xml:"CreateAccessKeyResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type listAccessKeysResponse struct {
	XMLName xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ ListAccessKeysResponse"`
	Result  struct {
		UserName    string         `xml:"UserName,omitempty"`
		Keys        []accessKeyXML `xml:"AccessKeyMetadata>member"`
		IsTruncated bool           `xml:"IsTruncated"`
	} `xml:"ListAccessKeysResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type iamEmptyResponse struct {
	XMLName  xml.Name
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

func writeIAMEmpty(w http.ResponseWriter, reqID, name string) {
	resp := iamEmptyResponse{XMLName: xml.Name{Space: iamNamespace, Local: name}}
	resp.Metadata.RequestID = reqID
	writeXML(w, http.StatusOK, reqID, resp)
}
