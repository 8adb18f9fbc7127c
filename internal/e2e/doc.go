// Package e2e holds spin's end-to-end tests: the real spin and spind
// binaries, a real Secret Service (gnome-keyring under dbus-run-session),
// the STS emulator, and real AWS clients (the AWS CLI v2 and aws-sdk-go-v2)
// consuming credential_process. It has no non-test code.
package e2e
