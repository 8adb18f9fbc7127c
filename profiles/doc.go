// Package profiles owns spin's profile definitions (config.yaml) and the
// safe editor of ~/.aws/config: a line-preserving parser and renderer
// (ParseAWSConfig, Render), edits that touch only spin's own sections
// (SetProfile, RemoveProfile, Sync), and one locked, validated, atomic
// write around them (UpdateAWSConfig). The same editor reads and removes
// plaintext keys in ~/.aws/credentials (ReadCredentials, RemoveCredentials,
// UpdateCredentials), which package keyimport uses to move them into the
// keyring. It also owns the two-file write of a stack's role profiles
// (PlanStackWrite). Every write of
// config.yaml, by spin or by spind recording its keyring backend, takes
// the same lock (editFile).
//
// spind and the spin CLI read config.yaml; the credential helper never
// parses it, so the helper stays fast and a broken config shows up as one
// clear error from spind rather than as a failure inside every SDK client.
// Every problem in the file is reported as PATH:LINE:COL so editors and
// terminals can jump to it.
package profiles
