package scenarios

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLS says how otelbench connects to an external backend over TLS: its exporters and its read-back clients alike.
// The zero value with Enabled false means plain connections (as to a backend on this host); any field set turns
// TLS on, with the system's roots unless CAFile says otherwise.
type TLS struct {
	// Enabled turns TLS on with the system's root certificates and nothing else set.
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the certificate authorities to trust instead of the system's.
	CAFile string `yaml:"ca_file"`
	// CertFile is a client certificate (PEM), for servers that ask for one; it needs KeyFile.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the client certificate's private key (PEM).
	KeyFile string `yaml:"key_file"`
	// ServerName is the name the server's certificate must carry, when not the endpoint's host.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate: an explicit opt-in, for test servers only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// On reports whether TLS is used.
func (t TLS) On() bool { return t != TLS{} }

// config builds the TLS configuration; paths are resolved by resolve. It says which file could not be used.
func (t TLS) config(resolve func(string) string) (*tls.Config, error) {
	if !t.On() {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} // #nosec G402 -- opt-in
	if t.CAFile != "" {
		pem, err := os.ReadFile(resolve(t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, fmt.Errorf("cert_file and key_file go together: a client certificate needs its key")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(resolve(t.CertFile), resolve(t.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
