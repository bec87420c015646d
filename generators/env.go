package generators

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"strings"
)

// withEnv completes the TLS of an exporter to an external backend from the standard OTEL_EXPORTER_OTLP_*
// variables when the scenario sets none: OTEL_EXPORTER_OTLP_CERTIFICATE (trusted CAs),
// OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and _CLIENT_KEY, each also per signal (OTEL_EXPORTER_OTLP_TRACES_...),
// which wins. Headers (OTEL_EXPORTER_OTLP_HEADERS) are the SDK exporters' own business: they read them when the
// scenario sets none. A file that cannot be used leaves TLS off, and the export's error says why.
func (cfg ExporterConfig) withEnv(signal Signal) ExporterConfig {
	if p, ok := LookupProtocol(cfg.Protocol); !cfg.External || cfg.TLS != nil || !ok || !p.IsOTLP() {
		return cfg
	}
	get := func(name string) string {
		if v := os.Getenv("OTEL_EXPORTER_OTLP_" + strings.ToUpper(string(signal)) + "_" + name); v != "" {
			return v
		}
		return os.Getenv("OTEL_EXPORTER_OTLP_" + name)
	}
	ca, cert, key := get("CERTIFICATE"), get("CLIENT_CERTIFICATE"), get("CLIENT_KEY")
	if ca == "" && cert == "" {
		return cfg
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return cfg
		}
		t.RootCAs = x509.NewCertPool()
		t.RootCAs.AppendCertsFromPEM(pem)
	}
	if cert != "" && key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return cfg
		}
		t.Certificates = []tls.Certificate{pair}
	}
	cfg.TLS = t
	return cfg
}
