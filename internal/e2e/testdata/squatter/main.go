// Command squatter is the other user of TestClientsRefuseSquattedSocket:
// it listens where spind's socket should be, appends every byte it is sent
// to a log and answers everything with credentials of its own, as an
// attacker sharing the socket directory would.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

const creds = `{"Version":1,"AccessKeyId":"ASIASQUATTERSQUATTER","SecretAccessKey":"squatter-secret","SessionToken":"squatter-token","Expiration":"2030-01-01T00:00:00Z"}` + "\n"

func main() {
	socket := flag.String("socket", "", "listen on this path")
	fd := flag.Int("fd", -1, "listen on this inherited, bound, not yet listening socket")
	logPath := flag.String("log", "", "append what clients send here")
	flag.Parse()
	if err := run(*socket, *fd, *logPath); err != nil {
		fmt.Fprintln(os.Stderr, "squatter:", err)
		os.Exit(1)
	}
}

func run(socket string, fd int, logPath string) error {
	var ln net.Listener
	var err error
	if fd >= 0 {
		// listen() here, as this uid: SO_PEERCRED reports the listener's
		// credentials from this call, whoever bound the path.
		if err := unix.Listen(fd, 16); err != nil {
			return err
		}
		ln, err = net.FileListener(os.NewFile(uintptr(fd), "squatted"))
	} else {
		ln, err = net.Listen("unix", socket)
		if err == nil {
			err = os.Chmod(socket, 0o777)
		}
	}
	if err != nil {
		return err
	}
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Println("listening")
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64<<10)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(buf)
			_, _ = log.Write(buf[:n])
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(creds), creds)
		}()
	}
}
