package awsemu

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// TLSServer is an emulator served over HTTPS with a throw-away certificate,
// as AWS is reached: clients that open a connection per call pay a TLS
// handshake each time, and the counters show it.
type TLSServer struct {
	URL     string         // https://127.0.0.1:PORT
	CertPEM []byte         // the server's self-signed certificate
	Pool    *x509.CertPool // CertPEM as a pool, for a client's RootCAs

	conns      atomic.Int64
	handshakes atomic.Int64
	stop       func()
}

// Connections is how many TCP connections clients opened.
func (s *TLSServer) Connections() int64 { return s.conns.Load() }

// Handshakes is how many TLS handshakes clients began (full or resumed).
func (s *TLSServer) Handshakes() int64 { return s.handshakes.Load() }

// Stop shuts the server down and waits for it; it may be called twice.
func (s *TLSServer) Stop() { s.stop() }

// StartTLS listens on addr (such as "127.0.0.1:0") and serves HTTPS in the
// background until ctx is done or Stop is called.
func (e *Emulator) StartTLS(ctx context.Context, addr string) (*TLSServer, error) {
	cert, certPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &TLSServer{CertPEM: certPEM, Pool: x509.NewCertPool(), URL: "https://" + tcp.Addr().String()}
	s.Pool.AppendCertsFromPEM(certPEM)
	conf := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		// Called once per ClientHello: a handshake count that includes
		// resumed sessions, which still cost a round trip.
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			s.handshakes.Add(1)
			return nil, nil
		},
	}
	ln := tls.NewListener(&countingListener{Listener: tcp, n: &s.conns}, conf)
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := e.Serve(ctx, ln); err != nil {
			e.log.Error("serve", "err", err)
		}
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			<-served
		})
	}
	return s, nil
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// selfSigned makes a P-256 certificate for 127.0.0.1, ::1 and localhost,
// valid for a day: long enough for any test or benchmark run.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "awsemu"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}
