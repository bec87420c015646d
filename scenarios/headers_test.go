package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

var _ = Describe("Headers", func() {
	DescribeTable("that HTTP cannot carry are refused at their place, a value never shown",
		func(headers, want string) {
			_, err := scenarios.Parse("s.yaml", []byte(`version: 1
name: s
duration: 5s
backends:
  - name: jaeger
    type: jaeger
    external:
      otlp_grpc: "127.0.0.1:4317"
      url: "http://127.0.0.1:16686"
      headers: `+headers+`
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 100}
`))
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		},
		Entry("a newline pasted with a token", `{Authorization: "Bearer s3cret\n"}`,
			"s.yaml:10:32: the value of header Authorization has a control character at byte 13"),
		Entry("an escape character", `{X-Tenant: "s3cret\u001b"}`, "the value of header X-Tenant has a control character at byte 6"),
		Entry("a name with a space", `{"X Tenant": s3cret}`, `header name "X Tenant" is not an HTTP field name`),
	)

	It("takes visible characters, spaces and tabs", func() {
		_, err := scenarios.Parse("s.yaml", []byte(`version: 1
name: s
duration: 5s
backends:
  - name: jaeger
    type: jaeger
    external: {otlp_grpc: "127.0.0.1:4317", url: "http://127.0.0.1:16686", headers: {Authorization: "Bearer a.b-c_d~e+f/g=", X-Note: "two	words"}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 100}
`))
		Expect(err).NotTo(HaveOccurred())
	})
})
