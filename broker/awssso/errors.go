package awssso

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Error is an Identity Center error answer: its code (such as
// InvalidGrantException) and message.
type Error struct {
	Code    string
	Message string
	err     error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Unwrap() error { return e.err }

// ErrSigninRequired means the source has no usable sign-in: no token, or
// one whose refresh token was refused. Only `spin login` helps.
var ErrSigninRequired = errors.New("sign-in required")

// NeedsSignin reports whether err means the sign-in is over: a refresh
// token or device code that is expired, spent or revoked, a registration
// that lapsed, or an access token the portal no longer takes.
func NeedsSignin(err error) bool {
	if errors.Is(err, ErrSigninRequired) {
		return true
	}
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "InvalidGrantException", "ExpiredTokenException", "InvalidClientException",
		"UnauthorizedClientException", "UnauthorizedException", "AccessDeniedException":
		return true
	}
	return false
}

// classify reads the API error code and message out of an SDK error.
func classify(err error) *Error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &Error{Code: ae.ErrorCode(), Message: ae.ErrorMessage(), err: err}
	}
	return &Error{Message: err.Error(), err: err}
}

// classifyErr is classify for API errors and err itself otherwise
// (network errors, cancellation).
func classifyErr(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return classify(err)
	}
	return err
}
