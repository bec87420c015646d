package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers/collector"
)

// writeCerts writes into dir a certificate authority (ca.pem) and a server certificate for 127.0.0.1 signed by
// it (server.pem, server-key.pem), readable by the collector's user.
func writeCerts(dir string) {
	GinkgoHelper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "otelbench test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	srv := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srv, ca, &srvKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	Expect(err).NotTo(HaveOccurred())
	for name, block := range map[string]*pem.Block{
		"ca.pem":         {Type: "CERTIFICATE", Bytes: caDER},
		"server.pem":     {Type: "CERTIFICATE", Bytes: srvDER},
		"server-key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		Expect(os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o644)).To(Succeed())
	}
}

var _ = Describe("an external backend behind TLS that requires a token", Label("docker", "e2e"), Ordered, func() {
	var (
		dir, grpcAddr, httpAddr, token string
		col                            *collector.Collector
	)

	BeforeAll(func(ctx SpecContext) {
		dir = GinkgoT().TempDir()
		Expect(os.Chmod(dir, 0o777)).To(Succeed()) // the collector writes its files here as another user
		writeCerts(dir)
		secret := make([]byte, 16)
		_, _ = rand.Read(secret)
		token = hex.EncodeToString(secret)
		// The user's configuration, merged over otelbench's: TLS and bearer-token authentication on both OTLP
		// receivers (the files folder is mounted at /otelbench/files).
		userConfig := `extensions:
  bearertokenauth:
    token: "` + token + `"
receivers:
  otlp:
    protocols:
      grpc:
        tls: {cert_file: /otelbench/files/server.pem, key_file: /otelbench/files/server-key.pem}
        auth: {authenticator: bearertokenauth}
      http:
        tls: {cert_file: /otelbench/files/server.pem, key_file: /otelbench/files/server-key.pem}
        auth: {authenticator: bearertokenauth}
service:
  extensions: [health_check, bearertokenauth]
`
		var err error
		col, err = collector.Run(ctx, startImage(ctx, "collector"), collector.Config{
			RunID: runID("tls-collector"), FilesDir: dir, UserConfig: []byte(userConfig),
		})
		DeferCleanup(func(ctx SpecContext) { Expect(col.Terminate(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())
		grpcAddr, httpAddr = col.OTLPGRPCEndpoint(), col.OTLPHTTPEndpoint()
	}, NodeTimeout(3*time.Minute))

	// scenario describes the collector as users run it: TLS with a CA of their own, the token from the
	// environment.
	scenario := func(tls string) string {
		return writeScenario(`version: 1
name: tls-token
duration: 2s
verify: {timeout: 20s}
backends:
  - name: secured
    type: collector
    external:
      otlp_grpc: ` + grpcAddr + `
      otlp_http: ` + httpAddr + `
      files_dir: ` + dir + `
` + tls + `
      headers: {authorization: "Bearer ${OTELBENCH_E2E_TOKEN}"}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: secured, batch_timeout: 200ms}
  - {name: http, protocol: otlp-http, backend: secured, batch_timeout: 200ms}
workloads:
  - name: audit
    signal: logs
    exporters: [grpc, http]
    rate: 200
`)
	}
	withCA := func() string { return "      tls: {ca_file: " + filepath.Join(dir, "ca.pem") + "}" }
	run := func(scenarioPath, out, tokenEnv string, env ...string) *gexec.Session {
		cmd := exec.Command(binary, "run", scenarioPath, "--out", out)
		cmd.Env = append(os.Environ(), env...)
		if tokenEnv != "" {
			cmd.Env = append(cmd.Env, "OTELBENCH_E2E_TOKEN="+tokenEnv)
		}
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		return s
	}
	// leaks reports where the token shows in what the run printed or wrote.
	leaks := func(s *gexec.Session, out string) []string {
		var where []string
		if strings.Contains(string(s.Out.Contents())+string(s.Err.Contents()), token) {
			where = append(where, "output")
		}
		_ = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if data, rerr := os.ReadFile(path); rerr == nil && strings.Contains(string(data), token) {
					where = append(where, path)
				}
			}
			return nil
		})
		return where
	}

	It("passes with the CA and the token from the environment, and the token appears nowhere", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := run(scenario(withCA()), out, token)
		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(Equal(e.Sent), e.Name)
		}
		Expect(leaks(s, out)).To(BeEmpty())
	}, SpecTimeout(2*time.Minute))

	It("takes the CA from OTEL_EXPORTER_OTLP_CERTIFICATE when the scenario says nothing about TLS", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := run(scenario(""), out, token, "OTEL_EXPORTER_OTLP_CERTIFICATE="+filepath.Join(dir, "ca.pem"))
		rep := passed(ctx, s, out)
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(Equal(e.Sent), e.Name)
		}
	}, SpecTimeout(2*time.Minute))

	It("refuses to start without the token's variable, saying which one, at its place", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := run(scenario(withCA()), out, "")
		Eventually(s).WithContext(ctx).Should(gexec.Exit(2))
		Expect(string(s.Err.Contents())).To(MatchRegexp(`scenario.yaml:\d+:\d+: .*environment variable OTELBENCH_E2E_TOKEN is not set`))
	}, SpecTimeout(time.Minute))

	It("fails, naming the refusal, with a wrong token, and shows neither token", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := run(scenario(withCA()), out, "wrong-"+token[:8])
		rep := failedWith(ctx, s, out)
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(BeZero(), e.Name)
			Expect(strings.Join(e.Causes, "\n")).To(MatchRegexp(`(?i)unauthenticated|401`), e.Name)
		}
		Expect(leaks(s, out)).To(BeEmpty())
	}, SpecTimeout(2*time.Minute))

	It("fails, naming the certificate problem, without the CA", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := run(scenario("      tls: {enabled: true}"), out, token)
		rep := failedWith(ctx, s, out)
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(BeZero(), e.Name)
			Expect(strings.Join(e.Causes, "\n")).To(ContainSubstring("certificate"), e.Name)
		}
		Expect(leaks(s, out)).To(BeEmpty())
	}, SpecTimeout(2*time.Minute))
})
