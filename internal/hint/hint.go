// Package hint carries the user's next step along with an error, so that
// every layer (profiles, stackrun, spind's answers) says what to run next
// in one way and the CLI prints it in one place: an error whose chain holds
// a non-empty Hint() gets a second `spin: hint:` line.
package hint

import "errors"

// Hinter is an error that knows the next step. *Error is one; so is the
// client's error for spind's answers.
type Hinter interface {
	error
	Hint() string
}

// Error is an error with the next command to run or the config to add.
type Error struct {
	Err  error
	Next string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hint is the next step.
func (e *Error) Hint() string { return e.Next }

// Wrap adds next to err; a nil err stays nil.
func Wrap(err error, next string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Next: next}
}

// New is an error with message msg and the next step next.
func New(msg, next string) error { return &Error{Err: errors.New(msg), Next: next} }

// Of is the first non-empty hint in err's chain: the outermost, since the
// layer nearest the user knows best what to run.
func Of(err error) string {
	for err != nil {
		if h, ok := err.(Hinter); ok && h.Hint() != "" {
			return h.Hint()
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if h := Of(e); h != "" {
					return h
				}
			}
			return ""
		default:
			return ""
		}
	}
	return ""
}
