// Package ptytest runs a program on a real pseudo-terminal in tests, as a
// shell starts a job on its terminal, and collects what the program
// writes there. Only tests use it.
package ptytest
