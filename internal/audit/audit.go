// Package audit is spind's record of who asked for credentials: one JSON
// line per credentials request (the requesting program, its parent chain,
// the profile and session name, whether AWS was called, the outcome), in an
// append-only file of the user's, 0600, rotated by size. It never holds a
// secret: records have no field that could carry one.
package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cloudspin/spin/internal/proc"
)

// DefaultMaxSize is the size at which the log is rotated: the current file
// becomes PATH.1 (replacing the previous one), so at most about twice this
// is kept.
const DefaultMaxSize = 10 << 20

// Outcome values other than an api error code.
const (
	OK = "ok"
	// NotAllowed: the requester is not among the profile's allowed_callers.
	NotAllowed = "caller_not_allowed"
)

// Record is one credentials request.
type Record struct {
	Time        time.Time `json:"time"`
	Profile     string    `json:"profile"`
	SessionName string    `json:"session_name,omitempty"`
	// STS: answering it called AWS (STS, or a source's sign-in API), as
	// opposed to a cached session.
	STS     bool   `json:"sts"`
	Outcome string `json:"outcome"` // OK, NotAllowed or an api error code
	// Caller is the program that asked: the first of Chain that is not
	// spin itself or a `sh -c` wrapper.
	Caller proc.Process `json:"caller"`
	// Chain is the socket's peer (usually spin's helper) and its
	// ancestors up to the user's shell.
	Chain []proc.Process `json:"chain"`
}

// DefaultPath is $XDG_STATE_HOME/spin/audit.log, else
// ~/.local/state/spin/audit.log, beside spind's log; empty without a home.
func DefaultPath(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "spin", "audit.log")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "spin", "audit.log")
	}
	return ""
}

// Log appends records to a file. Its methods are safe for concurrent use.
type Log struct {
	path    string
	maxSize int64
	mu      sync.Mutex
	f       *os.File
	size    int64
	buf     []byte // Append's line, reused under mu
}

// maxKeptBuf bounds the line buffer a Log keeps between records: a record
// with a long chain of long paths is rare, and its buffer is let go.
const maxKeptBuf = 16 << 10

// Open opens (creating it 0600, in a 0700 directory) the log at path for
// appending; maxSize <= 0 means DefaultMaxSize.
func Open(path string, maxSize int64) (*Log, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	l := &Log{path: path, maxSize: maxSize}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log directory: %w", err)
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	f, err := openAppend(l.path)
	if err != nil {
		return fmt.Errorf("open audit log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open audit log: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("audit log %s is not a regular file: remove it", l.path)
	}
	// A file made by an older umask or by hand is tightened, not trusted.
	if st.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return fmt.Errorf("audit log: %w", err)
		}
	}
	l.f, l.size = f, st.Size()
	return l.endLine()
}

// endLine ends a line a crash cut short, so the next record is not glued
// to it and lost with it.
func (l *Log) endLine() error {
	if l.size == 0 {
		return nil
	}
	r, err := os.Open(l.path)
	if err != nil {
		return nil // write-only is all Append needs
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, l.size-1); err != nil || last[0] == '\n' {
		return nil
	}
	n, err := l.f.Write([]byte{'\n'})
	l.size += int64(n)
	return err
}

// Append writes r as one line, rotating first when the file would exceed
// the size limit.
func (l *Log) Append(r Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("audit log closed")
	}
	line, err := appendRecord(l.buf[:0], &r)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if cap(line) <= maxKeptBuf {
		l.buf = line
	}
	if l.size > 0 && l.size+int64(len(line)) > l.maxSize {
		if err := l.rotateLocked(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(line)
	l.size += int64(n)
	return err
}

func (l *Log) rotateLocked() error {
	l.f.Close()
	l.f = nil
	if err := os.Rename(l.path, l.path+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate audit log: %w", err)
	}
	return l.open()
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Filter selects records; zero fields select everything.
type Filter struct {
	Since   time.Time
	Profile string
}

func (f Filter) match(r Record) bool {
	return !r.Time.Before(f.Since) && (f.Profile == "" || r.Profile == f.Profile)
}

// Read returns the records of the log at path (its rotated part first)
// that f selects, oldest first. A missing log is no records; a line that
// does not parse (a write cut short by a crash) is skipped and counted.
func Read(path string, f Filter) (recs []Record, skipped int, err error) {
	for _, p := range []string{path + ".1", path} {
		file, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read audit log: %w", err)
		}
		n, err := readFrom(file, f, &recs)
		file.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("read audit log %s: %w", p, err)
		}
		skipped += n
	}
	return recs, skipped, nil
}

func readFrom(r io.Reader, f Filter, recs *[]Record) (skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec Record
		if json.Unmarshal(line, &rec) != nil {
			skipped++
			continue
		}
		if f.match(rec) {
			*recs = append(*recs, rec)
		}
	}
	return skipped, sc.Err()
}
