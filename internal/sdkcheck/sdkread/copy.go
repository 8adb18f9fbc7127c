package sdkread

import (
	"os"
	"path/filepath"
)

// validationCopy puts data where aws-sdk-go-v2's loader can read it and
// returns that path and how to remove it. The data is the user's next
// ~/.aws/config, which may hold keys, so it never goes to a shared temp
// directory: on Linux it lives in an anonymous memory file and touches no
// file system at all (see memCopy); elsewhere it is a 0600 file next to the
// target, in the directory that already holds the real one, removed at once.
func validationCopy(target string, data []byte) (string, func(), error) {
	if path, done, err := memCopy(data); err == nil {
		return path, done, nil
	}
	return siblingCopy(target, data)
}

func siblingCopy(target string, data []byte) (string, func(), error) {
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".spin-check-*") // 0600
	if err != nil {
		return "", nil, err
	}
	done := func() { os.Remove(f.Name()) }
	if _, err := f.Write(data); err != nil {
		f.Close()
		done()
		return "", nil, err
	}
	if err := f.Close(); err != nil {
		done()
		return "", nil, err
	}
	return f.Name(), done, nil
}
