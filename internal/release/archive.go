// Package release writes spin's release artifacts byte for byte the same
// on every run of one commit: archives with fixed times, owners and modes
// in name order, gzip without names or times, checksums, the SBOM and the
// Homebrew formula. scripts/release drives it.
package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// File is one entry of an archive.
type File struct {
	Name string      // slash-separated path inside the archive
	Data []byte      // contents
	Mode fs.FileMode // permission bits: 0o755 for binaries, 0o644 otherwise
}

// sorted returns files in name order, with every parent directory listed
// once before its contents, as unpackers and `tar t` readers expect.
func sorted(files []File) []File {
	out := slices.Clone(files)
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Name] = true
	}
	for _, f := range files {
		for d := path.Dir(f.Name); d != "." && d != "/"; d = path.Dir(d) {
			if !seen[d+"/"] {
				seen[d+"/"] = true
				out = append(out, File{Name: d + "/", Mode: fs.ModeDir | 0o755})
			}
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// WriteTarGz writes files as a gzipped tar: owner root (0/0), mtime and the
// gzip header from mtime alone, so the bytes depend only on the inputs.
func WriteTarGz(w io.Writer, files []File, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, f := range sorted(files) {
		h := &tar.Header{
			Name: f.Name, Mode: int64(f.Mode.Perm()), ModTime: mtime.UTC().Truncate(time.Second),
			Uid: 0, Gid: 0, Uname: "root", Gname: "root",
		}
		if f.Mode.IsDir() {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.Data))
		}
		// Plain ustar: PAX records could carry access and change times.
		h.Format = tar.FormatUSTAR
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("tar %s: %w", f.Name, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return fmt.Errorf("tar %s: %w", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// WriteZip writes files as a zip with fixed times and Unix modes.
func WriteZip(w io.Writer, files []File, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range sorted(files) {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: mtime.UTC().Truncate(time.Second)}
		h.SetMode(f.Mode)
		if f.Mode.IsDir() {
			h.Method = zip.Store
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("zip %s: %w", f.Name, err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return fmt.Errorf("zip %s: %w", f.Name, err)
		}
	}
	return zw.Close()
}

// Gzip compresses data the way Debian wants man pages and changelogs:
// maximum compression, no name, no time (gzip -9n).
func Gzip(data []byte) []byte {
	var b bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // the level is valid
	_, _ = gz.Write(data)                                  // writes to a bytes.Buffer do not fail
	_ = gz.Close()
	return b.Bytes()
}
