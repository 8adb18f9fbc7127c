package launch

import "github.com/cloudspin/spin/broker/sock"

// For is how spin and its credential helper reach spind: the socket is
// socket (a --socket flag), else sock.Path's; a spind they start
// reads config (a --config flag), else its default.
func For(socket, config string, getenv func(string) string) (Options, error) {
	if socket == "" {
		var err error
		if socket, err = sock.Path(getenv); err != nil {
			return Options{}, err
		}
	}
	o := Options{Socket: socket, Getenv: getenv}
	if config != "" {
		o.Args = []string{"--config", config}
	}
	return o, nil
}
