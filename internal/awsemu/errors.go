package awsemu

import (
	"fmt"
	"net/http"
)

// apiError is an AWS error response: HTTP status, code and message.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// The messages below are the ones AWS sends, so that clients which match
// on them (and people reading logs) see the real thing.

func errMissingAuth() *apiError {
	return newError(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func errIncomplete(msg string) *apiError {
	return newError(http.StatusBadRequest, "IncompleteSignature", "%s", msg)
}

func errSignature(msg string) *apiError {
	return newError(http.StatusForbidden, "SignatureDoesNotMatch", "%s", msg)
}

func errBadSignature() *apiError {
	return errSignature("The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

func errInvalidToken() *apiError {
	return newError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func errExpiredToken() *apiError {
	return newError(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
}

func errThrottling() *apiError {
	return newError(http.StatusBadRequest, "Throttling", "Rate exceeded")
}

func errAccessDenied(msg string) *apiError {
	return newError(http.StatusForbidden, "AccessDenied", "%s", msg)
}

func errMFAFailed() *apiError {
	return errAccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

// errValidation is STS's form for a parameter that breaks a constraint.
func errValidation(field, value, constraint string) *apiError {
	v := "null"
	if value != "" {
		v = "'" + value + "'"
	}
	return newError(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", v, field, constraint)
}
