package launch

import (
	"fmt"
	"path/filepath"

	"github.com/cloudspin/spin/broker/sock"
)

// For is how spin and its credential helper reach spind: the socket is
// socket (a --socket flag), else sock.Path's; a spind they start
// reads config (a --config flag, made absolute: spind runs in /), else its
// default.
func For(socket, config string, getenv func(string) string) (Options, error) {
	if socket == "" {
		var err error
		if socket, err = sock.Path(getenv); err != nil {
			return Options{}, err
		}
	}
	o := Options{Socket: socket, Getenv: getenv}
	if config != "" {
		abs, err := filepath.Abs(config)
		if err != nil {
			return Options{}, fmt.Errorf("--config %s: %w", config, err)
		}
		o.Config = abs
	}
	return o, nil
}
