package version

import (
	"bytes"
	"io"
	"os"
)

// The Go linker writes a build info blob into every binary: a 16-byte
// header starting with this magic, then (since Go 1.18, flag bit 2) the Go
// version and the module info text, each as a uvarint length and bytes;
// the module info is wrapped in 16-byte sentinels. debug/buildinfo reads
// the same, but links fmt, reflect and the object file parsers, which the
// lean helper must not.
const (
	buildInfoMagic   = "\xff Go buildinf:"
	buildInfoHeader  = 32
	flagsVersionInl  = 0x2
	modInfoSentinels = 16
)

// readExecutable returns the build info of the running binary.
func readExecutable() (goVersion, modinfo string, ok bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", "", false
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	return findBuildInfo(f)
}

// findBuildInfo scans r in chunks for the build info blob. Chunks overlap
// by the longest blob we accept, so a blob that straddles two is seen whole
// in the second.
func findBuildInfo(r io.Reader) (goVersion, modinfo string, ok bool) {
	const chunk, overlap = 1 << 20, 64 << 10
	buf := make([]byte, 0, chunk+overlap)
	for {
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for off := 0; ; {
			i := bytes.Index(buf[off:], []byte(buildInfoMagic))
			if i < 0 {
				break
			}
			off += i
			if gv, mi, ok := decodeBuildInfo(buf[off:]); ok {
				return gv, mi, true
			}
			off++
		}
		if err != nil {
			return "", "", false
		}
		keep := min(overlap, len(buf))
		copy(buf, buf[len(buf)-keep:])
		buf = buf[:keep]
	}
}

func decodeBuildInfo(b []byte) (goVersion, modinfo string, ok bool) {
	if len(b) < buildInfoHeader || b[len(buildInfoMagic)+1]&flagsVersionInl == 0 {
		return "", "", false
	}
	b = b[buildInfoHeader:]
	gv, b, ok := uvarintString(b)
	if !ok || !bytes.HasPrefix(gv, []byte("go")) {
		return "", "", false
	}
	mi, _, ok := uvarintString(b)
	if !ok {
		return "", "", false
	}
	if len(mi) >= 2*modInfoSentinels+1 {
		mi = mi[modInfoSentinels : len(mi)-modInfoSentinels]
	}
	return string(gv), string(mi), true
}

// uvarintString reads a uvarint-length-prefixed string (encoding/binary
// would link reflect).
func uvarintString(b []byte) (s, rest []byte, ok bool) {
	var n uint64
	for w := 0; w < len(b) && w < 10; w++ {
		n |= uint64(b[w]&0x7f) << (7 * w)
		if b[w] < 0x80 {
			w++
			if n > uint64(len(b)-w) {
				return nil, nil, false
			}
			return b[w : w+int(n)], b[w+int(n):], true
		}
	}
	return nil, nil, false
}
