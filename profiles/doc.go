// Package profiles owns spin's profile definitions (config.yaml) and the
// safe editor of ~/.aws/config: a line-preserving parser and renderer
// (ParseAWSConfig, Render), edits that touch only spin's own sections
// (SetProfile, RemoveProfile, Sync), and one locked, validated, atomic
// write around them (UpdateAWSConfig). The same editor reads and removes
// plaintext keys in ~/.aws/credentials (ReadCredentials, RemoveCredentials,
// UpdateCredentials), which `spin keys import` and `spin profiles import`
// use to move them into the keyring (PlanImport, AdoptProfiles).
//
// config.yaml is read by the daemon spind only: the credential helper never
// parses it, so the helper stays fast and a broken config shows up as one
// clear error from spind rather than as a failure inside every SDK client.
// Every problem in the file is reported as PATH:LINE:COL so editors and
// terminals can jump to it.
package profiles
