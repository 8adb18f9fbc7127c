// Package docs holds spin's reference pages, embedded so that the binary
// prints the same text the repository shows: docs/config.md is the one
// source of both the web page and `spin help config`.
package docs

import _ "embed"

//go:embed config.md
var config string

// Config is docs/config.md: every config.yaml key with its default and an
// example, and the environment variables spin and spind read.
func Config() string { return config }
