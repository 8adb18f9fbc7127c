// Command bare is the baseline for bench/credential-process.sh: a Go binary
// that prints a credential_process-sized JSON line and exits, so the helper's
// cost is measured against the cost of starting any Go process.
package main

import "os"

func main() {
	_, _ = os.Stdout.WriteString(`{"Version":1,"AccessKeyId":"ASIAXXXXXXXXXXXXXXXX","SecretAccessKey":"x","SessionToken":"x","Expiration":"2030-01-01T00:00:00Z"}` + "\n")
}
