package scenarios_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

// withExternal is a scenario sending traces to an external Jaeger described by external (indented under it).
func withExternal(external string) string {
	return `version: 1
name: ext
duration: 2s
backends:
  - name: jaeger
    type: jaeger
    external:
` + external + `
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
workloads:
  - {name: t, signal: traces, exporters: [grpc], rate: 10}
`
}

var _ = Describe("external backends with TLS and headers", func() {
	It("expands ${ENV_VAR} in headers from the environment, so that secrets stay out of the file", func() {
		GinkgoT().Setenv("OTELBENCH_TEST_TOKEN", "s3cret")
		sc, err := scenarios.Parse("s.yaml", []byte(withExternal(`      otlp_grpc: 127.0.0.1:4317
      url: http://127.0.0.1:16686
      headers: {authorization: "Bearer ${OTELBENCH_TEST_TOKEN}", x-tenant: "a$$b"}`)))
		Expect(err).NotTo(HaveOccurred())
		ext := sc.Spec(sc.Backend("jaeger")).External
		Expect(ext.Headers).To(Equal(map[string]string{"authorization": "Bearer s3cret", "x-tenant": "a$b"}))
		Expect(ext.TLS).To(BeNil(), "plain connections unless tls says otherwise")
	})

	It("refuses an unset variable at its place, naming it but never a value", func() {
		os.Unsetenv("OTELBENCH_TEST_UNSET")
		errs := errorsOf(withExternal(`      otlp_grpc: 127.0.0.1:4317
      url: http://127.0.0.1:16686
      headers: {authorization: "Bearer ${OTELBENCH_TEST_UNSET}"}`))
		Expect(errs.Error()).To(ContainSubstring("s.yaml:10:32: backends[0].external.headers.authorization: environment variable OTELBENCH_TEST_UNSET is not set"))
	})

	It("loads a CA file for TLS, and refuses one that cannot be used at the tls key", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "not-a-cert.pem"), []byte("hello"), 0o644)).To(Succeed())
		errs := errorsOf(withExternal(`      otlp_grpc: 127.0.0.1:4317
      url: https://127.0.0.1:16686
      tls: {ca_file: ` + filepath.Join(dir, "not-a-cert.pem") + `}`))
		Expect(errs.Error()).To(ContainSubstring("s.yaml:10:12: ca_file " + filepath.Join(dir, "not-a-cert.pem") + " holds no PEM certificate; expected readable PEM files"))

		sc, err := scenarios.Parse("s.yaml", []byte(withExternal(`      otlp_grpc: 127.0.0.1:4317
      url: https://127.0.0.1:16686
      tls: {insecure_skip_verify: true}`)))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Spec(sc.Backend("jaeger")).External.TLS.InsecureSkipVerify).To(BeTrue(), "an explicit opt-in")
	})
})

var _ = Describe("external endpoints", func() {
	DescribeTable("are checked for their form, at their place",
		func(external, want string) {
			Expect(errorsOf(withExternal(external)).Error()).To(ContainSubstring(want))
		},
		Entry("an OTLP receiver without a port", "      otlp_grpc: localhost\n      url: http://127.0.0.1:16686",
			`s.yaml:8:18: otlp_grpc "localhost" is not host:port; expected the receiver's address`),
		Entry("an OTLP receiver given as a URL", "      otlp_http: http://127.0.0.1:4318\n      url: http://127.0.0.1:16686",
			`s.yaml:8:18: otlp_http "http://127.0.0.1:4318" is not host:port`),
		Entry("a query URL without a scheme", "      otlp_grpc: 127.0.0.1:4317\n      url: 127.0.0.1:16686",
			`s.yaml:9:12: url "127.0.0.1:16686" is not an http or https URL`),
	)
})
