package awsemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// The Query protocol that STS and IAM share: parameters in the query
// string or a form body, an Action and the API Version, and errors in an
// ErrorResponse envelope of the service's XML namespace.

// maxQueryBody bounds a Query request's body, which the signature check
// reads whole.
const maxQueryBody = 64 << 10

// queryAction answers one action of a Query service.
type queryAction func(w http.ResponseWriter, p url.Values, c *caller, reqID string) *apiError

// serveQuery reads a Query request and calls its action's handler,
// answering as AWS does a throttled call, a missing action, and an action
// or Version the service does not have. It returns the action for the
// log.
func (e *Emulator) serveQuery(w http.ResponseWriter, r *http.Request, c *caller, reqID, version string, actions map[string]queryAction) (string, *apiError) {
	p, aerr := queryParams(r)
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
	h := actions[action]
	if h == nil || p.Get("Version") != version {
		return action, newError(http.StatusBadRequest, "InvalidAction",
			"Could not find operation %s for version %s", action, p.Get("Version"))
	}
	return action, h(w, p, c, reqID)
}

// bufferedPayloadHash reads the (small) body, hashes it and puts it back.
// A client may send X-Amz-Content-Sha256, but it must match the body.
func bufferedPayloadHash(r *http.Request) (string, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBody+1))
	if err != nil {
		return "", newError(http.StatusBadRequest, "IncompleteBody", "The request body could not be read.")
	}
	if len(body) > maxQueryBody {
		return "", newError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is larger than %d bytes.", maxQueryBody)
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

// queryParams merges the query and, for POST, the form body.
func queryParams(r *http.Request) (url.Values, *apiError) {
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

type queryErrorResponse struct {
	XMLName xml.Name // ErrorResponse in the service's namespace
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// queryErrorWriter writes a Query service's errors: a Sender's fault, or
// the Receiver's for a 5xx.
func queryErrorWriter(namespace string) func(http.ResponseWriter, string, *apiError) {
	return func(w http.ResponseWriter, reqID string, err *apiError) {
		resp := queryErrorResponse{XMLName: xml.Name{Space: namespace, Local: "ErrorResponse"}, RequestID: reqID}
		resp.Error.Type = "Sender"
		if err.status >= 500 {
			resp.Error.Type = "Receiver"
		}
		resp.Error.Code, resp.Error.Message = err.code, err.message
		writeXML(w, err.status, reqID, resp)
	}
}
