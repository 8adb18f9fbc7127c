package awsemu

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// readS3Body reads the body of an authenticated S3 request and checks it
// against the X-Amz-Content-Sha256 form the client signed, returning the
// payload itself:
//   - a hex SHA-256 must match the body (XAmzContentSHA256Mismatch);
//   - UNSIGNED-PAYLOAD is taken as it comes (presigned URLs, or clients
//     relying on TLS);
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD is aws-chunked with a signature
//     per chunk, each chained to the previous one and the first to the
//     request's (seed) signature; every chunk signature is verified;
//   - STREAMING-UNSIGNED-PAYLOAD-TRAILER is aws-chunked without chunk
//     signatures, followed by trailing headers carrying a checksum
//     (x-amz-checksum-crc32 and the like). Only the seed signature covers
//     such a request; the trailing checksum is NOT verified here.
func readS3Body(r *http.Request, c *caller) ([]byte, *apiError) {
	form, aerr := s3PayloadHash(r)
	if aerr != nil {
		return nil, aerr
	}
	if form == streamingSigned || form == streamingUnsignedTrailer {
		var verify func([]byte, string) bool
		if form == streamingSigned {
			verify = newChunkChain(c).verify
		}
		body, aerr := decodeChunked(r.Body, verify)
		if aerr != nil {
			return nil, aerr
		}
		if n := r.Header.Get("X-Amz-Decoded-Content-Length"); n != "" && n != strconv.Itoa(len(body)) {
			return nil, errIncompleteBody()
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxS3Body+1))
	switch {
	case err != nil:
		return nil, errIncompleteBody()
	case len(body) > maxS3Body:
		return nil, errEntityTooLarge()
	case form == unsignedPayload:
		return body, nil
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != form {
		return nil, newError(http.StatusBadRequest, "XAmzContentSHA256Mismatch",
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return body, nil
}

// chunkChain verifies the chunk signatures of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD body in order.
type chunkChain struct {
	key    []byte
	prefix string // algorithm, date and scope: the same for every chunk
	prev   string // the previous chunk's signature, first the seed's
}

func newChunkChain(c *caller) *chunkChain {
	return &chunkChain{
		key:    signingKey(c.secret, c.sig),
		prefix: "AWS4-HMAC-SHA256-PAYLOAD\n" + c.sig.amzDate + "\n" + c.sig.scope() + "\n",
		prev:   c.sig.signature,
	}
}

func (ch *chunkChain) verify(data []byte, sig string) bool {
	sum := sha256.Sum256(data)
	toSign := ch.prefix + ch.prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum[:])
	want := hex.EncodeToString(hmacSHA256(ch.key, toSign))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return false
	}
	ch.prev = sig
	return true
}

// decodeChunked decodes an aws-chunked body:
//
//	hex-size[;chunk-signature=SIG]\r\n DATA \r\n ... 0[;chunk-signature=SIG]\r\n [trailer: value\r\n ...] \r\n
//
// verify, if not nil, must accept every chunk's signature, the final empty
// chunk's included.
func decodeChunked(r io.Reader, verify func(data []byte, sig string) bool) ([]byte, *apiError) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out bytes.Buffer
	for {
		line, aerr := chunkLine(br)
		if aerr != nil {
			return nil, aerr
		}
		sizeHex, ext, _ := strings.Cut(line, ";")
		size, err := strconv.ParseUint(sizeHex, 16, 32)
		if err != nil {
			return nil, errMalformedChunk()
		}
		if uint64(out.Len())+size > maxS3Body {
			return nil, errEntityTooLarge()
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, errIncompleteBody()
		}
		if verify != nil {
			sig, ok := strings.CutPrefix(ext, "chunk-signature=")
			if !ok || !verify(data, sig) {
				return nil, errBadSignature().s3
			}
		}
		if size == 0 {
			break
		}
		out.Write(data)
		if end, aerr := chunkLine(br); aerr != nil || end != "" {
			return nil, errMalformedChunk()
		}
	}
	// Trailing headers, if any, end with an empty line. Their checksums
	// are not verified (see readS3Body).
	for {
		line, aerr := chunkLine(br)
		if aerr != nil {
			return nil, aerr
		}
		if line == "" {
			return out.Bytes(), nil
		}
	}
}

// chunkLine reads one CRLF-terminated line of chunk framing, without the
// CRLF.
func chunkLine(br *bufio.Reader) (string, *apiError) {
	line, err := br.ReadSlice('\n') // a line longer than br's buffer is malformed
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", errMalformedChunk()
	case err != nil:
		return "", errIncompleteBody()
	}
	s, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok {
		return "", errMalformedChunk()
	}
	return s, nil
}

func errIncompleteBody() *apiError {
	return newError(http.StatusBadRequest, "IncompleteBody",
		"You did not provide the number of bytes specified by the Content-Length HTTP header.")
}

func errMalformedChunk() *apiError {
	return newError(http.StatusBadRequest, "InvalidRequest", "The aws-chunked body is malformed.")
}

func errEntityTooLarge() *apiError {
	return newError(http.StatusBadRequest, "EntityTooLarge",
		"Your proposed upload exceeds the maximum allowed size (the emulator holds at most %d bytes).", maxS3Body)
}
