//go:build !linux

package broker

import "errors"

// confWatch is inotify's on Linux; elsewhere config.yaml is polled.
type confWatch struct{}

func watchConfig(string) (*confWatch, error) { return nil, errors.New("no file watching here") }

func (*confWatch) changed() (changed, live bool) { return false, false }

func (*confWatch) close() {}
