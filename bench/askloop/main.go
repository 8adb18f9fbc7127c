//go:build unix

// Command askloop asks spind for a profile's credentials N times, a new
// connection each time, the way every spin-credential-process does once:
// the helper's own exchange (broker/credask), in a process of its own, so
// that a throughput benchmark measures spind and not the Go scheduler of
// a process that also plays the clients.
//
//	askloop SOCKET PROFILE N
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/cloudspin/spin/broker/credask"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: askloop SOCKET PROFILE N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, "askloop: N:", err)
		os.Exit(2)
	}
	path := credask.Path(os.Args[2], "", "", false)
	for range n {
		status, body, err := credask.Ask(os.Args[1], "GET", path, nil, credask.AnswerTimeout, time.Now().Add(credask.Timeout))
		if err != nil || status != 200 || !credask.ProcessJSON(body) {
			fmt.Fprintf(os.Stderr, "askloop: status %d, err %v: %s\n", status, err, body)
			os.Exit(1)
		}
	}
}
