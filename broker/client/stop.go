package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudspin/spin/broker/launch"
)

// stopWait bounds how long Stop waits for spind to go.
const stopWait = 5 * time.Second

// Stop asks spind to exit and waits until it stops answering, so a
// `spin daemon start` right after finds the socket free. It reports false
// when no spind was running.
func (c *Client) Stop(ctx context.Context) (bool, error) {
	if err := c.Shutdown(ctx); err != nil {
		if errors.Is(err, launch.ErrNoDaemon) {
			return false, nil
		}
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, stopWait)
	defer cancel()
	for {
		if _, err := c.Status(ctx); errors.Is(err, launch.ErrNoDaemon) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return true, fmt.Errorf("spind did not stop within %s", stopWait)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
