package awsemu

import (
	"crypto/hmac"
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"
)

// maxSkew is how far a signature's date may be from the server's clock.
const maxSkew = 15 * time.Minute

// service is one AWS API behind the shared SigV4 check, chosen by the
// service named in the credential scope.
type service struct {
	// doubleEscape: every service but S3 escapes the already-escaped path
	// once more in the canonical request.
	doubleEscape bool
	// presignExpires: presigned URLs live for their X-Amz-Expires (S3)
	// rather than the 15 minutes any signature is good for (STS).
	presignExpires bool
	// payloadHash returns the hash the signature covers. It may buffer the
	// body, leaving r.Body readable again.
	payloadHash func(r *http.Request) (string, *apiError)
	// serve answers an authenticated request and names the action it ran;
	// on error it writes nothing.
	serve func(w http.ResponseWriter, r *http.Request, c *caller, reqID string) (string, *apiError)
	// mapError, if set, turns the shared authentication errors into the
	// service's own codes.
	mapError func(*apiError) *apiError
	// writeError writes an error response in the service's format.
	writeError func(w http.ResponseWriter, reqID string, err *apiError)
}

// caller is who signed a request.
type caller struct {
	keyID  string
	secret string
	source Key         // the long-term key, or the one a session descends from
	sess   *session    // nil for long-term keys
	sig    *sigRequest // the verified signature (S3 chains chunk signatures to it)
}

// authenticate checks the key, its session token and expiry, the request
// date and finally the signature. The order follows AWS: an expired session
// is reported as such even when the client's clock is off.
func (e *Emulator) authenticate(r *http.Request, sig *sigRequest, svc *service) (*caller, *apiError) {
	now := e.now()
	c, aerr := e.lookup(sig, now)
	if aerr != nil {
		return nil, aerr
	}
	if sig.presigned && svc.presignExpires {
		aerr = checkPresignExpiry(sig, now)
	} else {
		aerr = checkSkew(sig.at, sig.amzDate, now)
	}
	if aerr != nil {
		return nil, aerr
	}
	hash, aerr := svc.payloadHash(r)
	if aerr != nil {
		return nil, aerr
	}
	want := signature(c.secret, sig, stringToSign(sig, canonicalRequest(r, sig, hash, svc.doubleEscape)))
	if !hmac.Equal([]byte(want), []byte(sig.signature)) {
		return nil, errBadSignature()
	}
	c.sig = sig
	return c, nil
}

func (e *Emulator) lookup(sig *sigRequest, now time.Time) (*caller, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if k, ok := e.keys[sig.keyID]; ok {
		if k.Disabled || now.Before(e.keyMeta[sig.keyID].usableAt) {
			return nil, errUnknownKey()
		}
		// A session token sent with a long-term key is as wrong as a
		// missing one with a temporary key.
		if sig.token != "" {
			return nil, errInvalidToken()
		}
		return &caller{keyID: sig.keyID, secret: k.SecretAccessKey, source: k}, nil
	}
	s, ok := e.sessions[sig.keyID]
	if !ok || s.disabled {
		return nil, errUnknownKey()
	}
	if subtle.ConstantTimeCompare([]byte(sig.token), []byte(s.token)) != 1 {
		return nil, errInvalidToken()
	}
	if !now.Before(s.expires) {
		return nil, errExpiredToken()
	}
	return &caller{keyID: sig.keyID, secret: s.secret, source: s.source, sess: s}, nil
}

func checkSkew(at time.Time, sent string, now time.Time) *apiError {
	now = now.UTC()
	var err *apiError
	if at.Before(now.Add(-maxSkew)) {
		err = errSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			sent, now.Add(-maxSkew).Format(amzDateForm), now.Format(amzDateForm)))
	}
	if at.After(now.Add(maxSkew)) {
		err = errSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			sent, now.Add(maxSkew).Format(amzDateForm), now.Format(amzDateForm)))
	}
	if err != nil {
		err.withS3(http.StatusForbidden, "RequestTimeTooSkewed",
			"The difference between the request time and the current time is too large.")
	}
	return err
}

// checkPresignExpiry applies X-Amz-Expires to a presigned URL. A URL
// signed for the future is refused as with any signature.
func checkPresignExpiry(sig *sigRequest, now time.Time) *apiError {
	if sig.expires == 0 {
		return newError(http.StatusBadRequest, "AuthorizationQueryParametersError",
			"Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "+
				"X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	if sig.at.After(now.Add(maxSkew)) {
		return checkSkew(sig.at, sig.amzDate, now)
	}
	if !now.Before(sig.at.Add(sig.expires)) {
		return errAccessDenied("Request has expired")
	}
	return nil
}

// issue stores a new session and returns it. Sessions that expired more
// than a day ago are dropped now and then, so a long benchmark does not
// grow without bound, while recently expired ones still get ExpiredToken.
func (e *Emulator) issue(src Key, r *role, d time.Duration) *session {
	now := e.now()
	// Whole seconds, rounded up: what the client reads in Expiration is
	// exactly when the emulator stops accepting the credentials.
	expires := now.Add(d).Truncate(time.Second)
	if expires.Before(now.Add(d)) {
		expires = expires.Add(time.Second)
	}
	s := newSession(src, r, expires)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sessions[s.accessKeyID] = s
	e.issued++
	if e.issued%1024 == 0 {
		for id, old := range e.sessions {
			if now.Sub(old.expires) > 24*time.Hour {
				delete(e.sessions, id)
			}
		}
	}
	return s
}
