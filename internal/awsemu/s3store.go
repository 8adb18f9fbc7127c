package awsemu

import (
	"errors"
	"fmt"
	"io"

	"github.com/johannesboyne/gofakes3"
)

// Errors from Object and ObjectKeys, to test with errors.Is.
var (
	ErrNoSuchBucket = errors.New("no such bucket")
	ErrNoSuchKey    = errors.New("no such key")
)

// CreateBucket creates an empty bucket, as a test does before pointing an
// S3 backend at the emulator. The name must follow S3's bucket naming
// rules; creating an existing bucket is an error.
func (e *Emulator) CreateBucket(name string) error {
	if err := gofakes3.ValidateBucketName(name); err != nil {
		return fmt.Errorf("bucket %q: %w", name, err)
	}
	if err := e.objects.CreateBucket(name); err != nil {
		return fmt.Errorf("bucket %q: %w", name, err)
	}
	return nil
}

// Object returns the content of an object. A missing bucket or key gives an
// error wrapping ErrNoSuchBucket or ErrNoSuchKey.
func (e *Emulator) Object(bucket, key string) ([]byte, error) {
	obj, err := e.objects.GetObject(bucket, key, nil)
	if err != nil {
		return nil, storeError(bucket, key, err)
	}
	defer obj.Contents.Close()
	return io.ReadAll(obj.Contents)
}

// ObjectKeys returns the keys of the objects in bucket, sorted. A missing
// bucket gives an error wrapping ErrNoSuchBucket.
func (e *Emulator) ObjectKeys(bucket string) ([]string, error) {
	list, err := e.objects.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, storeError(bucket, "", err)
	}
	keys := make([]string, 0, len(list.Contents))
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	return keys, nil
}

func storeError(bucket, key string, err error) error {
	switch {
	case gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket):
		return fmt.Errorf("s3://%s: %w", bucket, ErrNoSuchBucket)
	case gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey):
		return fmt.Errorf("s3://%s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	return fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
}
