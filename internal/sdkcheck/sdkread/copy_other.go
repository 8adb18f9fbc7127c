//go:build !linux

package sdkread

import "errors"

func memCopy([]byte) (string, func(), error) {
	return "", nil, errors.New("no memfd on this system")
}
