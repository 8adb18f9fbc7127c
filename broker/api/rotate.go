package api

import "time"

// RotateSuffix ends POST /v1/keys/{name}/rotate, which replaces a key
// set's access key with a new one (see broker/rotate.go).
const RotateSuffix = "/rotate"

// RotateRequest is the body of POST /v1/keys/{name}/rotate.
type RotateRequest struct {
	// KeepOld deactivates the old key instead of deleting it.
	KeepOld bool `json:"keep_old,omitempty"`
}

// RotateResult is the answer of a finished rotation; key ids are masked.
type RotateResult struct {
	Name     string    `json:"name"`
	OldKeyID string    `json:"old_key_id"`
	NewKeyID string    `json:"new_key_id"`
	OldKey   string    `json:"old_key"` // "deleted" or "deactivated"
	Created  time.Time `json:"created,omitzero"`
	// Resumed: this run finished a rotation an earlier one began.
	Resumed bool `json:"resumed,omitempty"`
}

// KeyWarning is a key set whose access key is past keys.max_age.
type KeyWarning struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Warnings turns key sets' states into warning lines, each with the
// command that resolves it.
func Warnings(keys []KeyInfo) []KeyWarning {
	var out []KeyWarning
	for _, k := range keys {
		switch {
		case k.RotationPending:
			out = append(out, KeyWarning{k.Name, "a rotation of key set " + k.Name + " stopped halfway"})
		case k.AgeWarning != "":
			out = append(out, KeyWarning{k.Name, k.AgeWarning})
		}
	}
	return out
}

// Hint is the command that resolves w.
func (w KeyWarning) Hint() string { return "spin keys rotate " + w.Name }
