// Command bare is the baseline for bench/helper.sh: a Go binary that
// prints `{}` and exits, so the helper's cost is measured against the cost
// of starting any Go process.
package main

import "os"

func main() {
	_, _ = os.Stdout.WriteString("{}\n")
}
