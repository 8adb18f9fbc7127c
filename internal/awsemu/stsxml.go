package awsemu

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// The response shapes of the STS Query API, version 2011-06-15; struct tags
// cannot name a constant, hence the namespace spelled out in each.

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

func credentialsXML(s *session) stsCredentials {
	return stsCredentials{
		AccessKeyID:     s.accessKeyID,
		SecretAccessKey: s.secret,
		SessionToken:    s.token,
		Expiration:      s.expires.UTC().Format(time.RFC3339),
	}
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials     stsCredentials `xml:"Credentials"`
		AssumedRoleUser struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
		PackedPolicySize int    `xml:"PackedPolicySize,omitempty"`
		SourceIdentity   string `xml:"SourceIdentity,omitempty"`
	} `xml:"AssumeRoleResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type getSessionTokenResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetSessionTokenResponse"`
	Result  struct {
		Credentials stsCredentials `xml:"Credentials"`
	} `xml:"GetSessionTokenResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

func writeXML(w http.ResponseWriter, status int, reqID string, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		// Only our own fixed types reach here; failing to marshal one is a bug.
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
