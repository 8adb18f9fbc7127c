package awsemu

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// STS's and IAM's errors are one envelope in each service's namespace,
// as AWS writes them (a 5xx is the Receiver's fault).
func TestQueryErrorEnvelope(t *testing.T) {
	for _, tt := range []struct {
		namespace string
		err       *apiError
		want      string
	}{
		{stsNamespace, newError(http.StatusForbidden, "AccessDenied", "no <way>"),
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no &lt;way&gt;</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`},
		{iamNamespace, newError(http.StatusServiceUnavailable, "ServiceUnavailable", "later"),
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>later</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`},
	} {
		rec := httptest.NewRecorder()
		queryErrorWriter(tt.namespace)(rec, "req-1", tt.err)
		if rec.Code != tt.err.status || rec.Body.String() != tt.want || rec.Header().Get("X-Amzn-Requestid") != "req-1" {
			t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body, tt.err.status, tt.want)
		}
	}
}
