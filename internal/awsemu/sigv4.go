package awsemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateForm  = "20060102T150405Z"
	// emptySHA256 is the payload hash of a request without a body.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// sigRequest is the SigV4 material a request carries, from the
// Authorization header or, for presigned URLs, from the query.
type sigRequest struct {
	keyID, date, region, service string // the credential scope
	signedHeaders                []string
	signature                    string
	amzDate                      string // as sent; part of the string to sign
	at                           time.Time
	token                        string        // X-Amz-Security-Token
	presigned                    bool          // query form
	expires                      time.Duration // X-Amz-Expires, presigned only
}

func (s *sigRequest) scope() string {
	return s.date + "/" + s.region + "/" + s.service + "/aws4_request"
}

// parseSigV4 extracts the signature material without checking it.
func parseSigV4(r *http.Request) (*sigRequest, *apiError) {
	q := r.URL.Query()
	auth := r.Header.Get("Authorization")
	switch {
	case auth != "":
		return parseAuthHeader(r, auth)
	case q.Get("X-Amz-Algorithm") != "":
		return parsePresigned(q)
	}
	return nil, errMissingAuth()
}

func parseAuthHeader(r *http.Request, auth string) (*sigRequest, *apiError) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != sigAlgorithm {
		return nil, errIncomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'", alg))
	}
	fields := make(map[string]string)
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	for _, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[name] == "" {
			return nil, errIncomplete(fmt.Sprintf("Authorization header requires '%s' parameter.", name))
		}
	}
	s := &sigRequest{
		signature:     fields["Signature"],
		signedHeaders: strings.Split(fields["SignedHeaders"], ";"),
		token:         r.Header.Get("X-Amz-Security-Token"),
		amzDate:       r.Header.Get("X-Amz-Date"),
	}
	if s.amzDate == "" {
		// The Date header may stand in for X-Amz-Date; it is then signed
		// in ISO 8601 form.
		d, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return nil, errIncomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
		s.amzDate = d.UTC().Format(amzDateForm)
	}
	return s, s.finish(fields["Credential"])
}

func parsePresigned(q url.Values) (*sigRequest, *apiError) {
	if alg := q.Get("X-Amz-Algorithm"); alg != sigAlgorithm {
		return nil, errIncomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'", alg))
	}
	for _, name := range []string{"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date"} {
		if q.Get(name) == "" {
			return nil, errIncomplete(fmt.Sprintf("AWS query-string parameters must include '%s'.", name))
		}
	}
	// STS ignores X-Amz-Expires (a presigned STS URL lives as long as any
	// signature: 15 minutes); S3 will need it.
	secs := 0
	if v := q.Get("X-Amz-Expires"); v != "" {
		var err error
		if secs, err = strconv.Atoi(v); err != nil || secs < 1 || secs > 604800 {
			return nil, errIncomplete("X-Amz-Expires must be an integer from 1 to 604800.")
		}
	}
	s := &sigRequest{
		signature:     q.Get("X-Amz-Signature"),
		signedHeaders: strings.Split(q.Get("X-Amz-SignedHeaders"), ";"),
		token:         q.Get("X-Amz-Security-Token"),
		amzDate:       q.Get("X-Amz-Date"),
		presigned:     true,
		expires:       time.Duration(secs) * time.Second,
	}
	return s, s.finish(q.Get("X-Amz-Credential"))
}

// finish parses the credential scope and the date, and checks what can be
// checked without the key.
func (s *sigRequest) finish(credential string) *apiError {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return errIncomplete(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", credential))
	}
	s.keyID, s.date, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	if parts[4] != "aws4_request" {
		return errSignature(fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", parts[4]))
	}
	if s.region == "" {
		return errSignature("Credential should be scoped to a valid region.")
	}
	at, err := time.Parse(amzDateForm, s.amzDate)
	if err != nil {
		return errIncomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'.", s.amzDate))
	}
	s.at = at
	if s.date != s.amzDate[:8] {
		return errSignature(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.date, s.amzDate[:8], s.amzDate))
	}
	if !slices.Contains(s.signedHeaders, "host") {
		return errIncomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// canonicalRequest builds the SigV4 canonical request. doubleEscape is true
// for every service but S3, which signs the path as sent.
func canonicalRequest(r *http.Request, s *sigRequest, payloadHash string, doubleEscape bool) string {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if doubleEscape {
		path = awsEscape(path, false)
	}
	var b strings.Builder
	b.WriteString(r.Method + "\n" + path + "\n")
	b.WriteString(canonicalQuery(r.URL.RawQuery, s.presigned) + "\n")
	for _, name := range s.signedHeaders {
		b.WriteString(name + ":" + canonicalHeaderValue(r, name) + "\n")
	}
	b.WriteString("\n" + strings.Join(s.signedHeaders, ";") + "\n" + payloadHash)
	return b.String()
}

func canonicalHeaderValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host // net/http moves Host out of the header map
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	var values []string
	for _, v := range r.Header.Values(name) {
		values = append(values, strings.Join(strings.Fields(v), " "))
	}
	return strings.Join(values, ",")
}

// canonicalQuery decodes the query and re-encodes it the SigV4 way: RFC 3986
// escaping, sorted by name then value. Presigned URLs leave out their own
// signature.
func canonicalQuery(raw string, presigned bool) string {
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, errK := url.QueryUnescape(k)
		v, errV := url.QueryUnescape(v)
		if errK != nil || errV != nil {
			// Undecodable input: sign it as sent; a client cannot have
			// produced it, so the signature will not match.
			k, v, _ = strings.Cut(part, "=")
		}
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{awsEscape(k, true), awsEscape(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// awsEscape percent-encodes everything but RFC 3986's unreserved characters
// (and '/' unless escapeSlash), with upper-case hex.
func awsEscape(s string, escapeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && !escapeSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func stringToSign(s *sigRequest, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return sigAlgorithm + "\n" + s.amzDate + "\n" + s.scope() + "\n" + hex.EncodeToString(sum[:])
}

// signature computes the SigV4 signature of toSign with the key derived
// from secret and the scope.
func signature(secret string, s *sigRequest, toSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey(secret, s), toSign))
}

// signingKey derives the key for the signature's scope from secret.
func signingKey(secret string, s *sigRequest) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), s.date)
	k = hmacSHA256(k, s.region)
	k = hmacSHA256(k, s.service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
