package credendpoint

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// peerOf names who sent r, for logging: "uid N" when the kernel's socket
// table says which user owns the connecting socket (Linux), else the remote
// address without its port (a new port per connection would make every
// request a new peer).
func peerOf(r *http.Request) string {
	remote, err := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
		if uid, ok := socketUID(remote, local); ok {
			return "uid " + strconv.Itoa(uid)
		}
	}
	return remote.IP.String()
}

// socketUID finds the client's end of the connection (local address =
// remote, remote address = local) in /proc/net/tcp and returns its owner.
func socketUID(remote, local *net.TCPAddr) (int, bool) {
	want := hexAddr(remote) + " " + hexAddr(local)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1]+" "+fields[2] != want {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		return uid, err == nil
	}
	return 0, false
}

// hexAddr renders an IPv4 address as /proc/net/tcp does: the address as a
// native-endian 32-bit number, then the port, both in upper-case hex.
func hexAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip), a.Port)
}
