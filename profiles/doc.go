// Package profiles owns spin's profile definitions (config.yaml) and, later,
// the safe editor of ~/.aws/config.
//
// config.yaml is read by the daemon spind only: the credential helper never
// parses it, so the helper stays fast and a broken config shows up as one
// clear error from spind rather than as a failure inside every SDK client.
// Every problem in the file is reported as PATH:LINE:COL so editors and
// terminals can jump to it.
package profiles
