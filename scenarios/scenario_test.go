package scenarios_test

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

// valid is a complete scenario; the sad-path rows below each break one thing in it.
const valid = `version: 1
name: t
seed: 3
duration: 10s
backends:
  - name: jaeger
    type: jaeger
exporters:
  - name: grpc
    protocol: otlp-grpc
    backend: jaeger
    batch_size: 100
workloads:
  - name: w
    signal: traces
    exporters: [grpc]
    rate: 100
    trace:
      spans: 4
      depth: 2
`

// errorsOf parses src and returns its scenario errors (failing the spec if it parses).
func errorsOf(src string) scenarios.Errors {
	_, err := scenarios.Parse("s.yaml", []byte(src))
	ExpectWithOffset(1, err).To(HaveOccurred())
	var errs scenarios.Errors
	ExpectWithOffset(1, errors.As(err, &errs)).To(BeTrue(), "error is %T: %v", err, err)
	return errs
}

var _ = Describe("Parse", func() {
	It("reads a valid scenario and applies the SDK's defaults", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(valid))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Name).To(Equal("t"))
		Expect(sc.Seed).To(Equal(int64(3)))
		Expect(time.Duration(sc.Duration)).To(Equal(10 * time.Second))
		Expect(time.Duration(sc.Verify.Timeout)).To(Equal(30 * time.Second))
		e := sc.Exporter("grpc")
		Expect(e).NotTo(BeNil())
		Expect(e.BatchSize).To(Equal(100))
		Expect(e.QueueSize).To(Equal(2048))
		Expect(time.Duration(e.BatchTimeout)).To(Equal(5 * time.Second))
		Expect(time.Duration(e.ExportTimeout)).To(Equal(10 * time.Second))
		Expect(e.Compression).To(Equal("none"))
		w := sc.Workloads[0]
		Expect(w.Trace).To(Equal(scenarios.TraceShape{Spans: 4, Depth: 2, Attributes: 0, AttributeSize: 16}))
		Expect(sc.ExpectedSpans(&w)).To(BeNumerically("==", 1000))
	})

	It("loads the shipped smoke scenario", func() {
		sc, err := scenarios.Load("smoke.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.File).To(Equal("smoke.yaml"))
		Expect(sc.Exporters).To(HaveLen(2))
		Expect(sc.WorkloadDuration(&sc.Workloads[0])).To(BeNumerically("<", 30*time.Second), "smoke must stay quick")
	})

	It("integrates ramping stages from the start rate", func() {
		sc, err := scenarios.Load("testdata/ramp.yaml")
		Expect(err).NotTo(HaveOccurred())
		w := &sc.Workloads[0]
		Expect(sc.WorkloadDuration(w)).To(Equal(12 * time.Second))
		// 100->500 over 5s = 1500, 500 for 5s = 2500, 500->0 over 2s = 500.
		Expect(sc.ExpectedSpans(w)).To(BeNumerically("~", 4500, 1e-9))
	})

	It("names file, line and column of an unknown key and lists the keys it expected", func() {
		_, err := scenarios.Load("testdata/unknown-key.yaml")
		Expect(err).To(MatchError(ContainSubstring(`testdata/unknown-key.yaml:11:5: unknown key "batch_sise" in exporters[0]`)))
		Expect(err).To(MatchError(ContainSubstring("batch_size")))
	})

	It("reports every problem at once, in file order", func() {
		src := strings.NewReplacer(
			"name: t\n", "name: t\nbogus: 1\n",
			"protocol: otlp-grpc", "protocol: carrier-pigeon",
			"rate: 100", "rate: fast",
		).Replace(valid)
		errs := errorsOf(src)
		Expect(errs).To(HaveLen(3))
		Expect(errs[0].Error()).To(HavePrefix(`s.yaml:3:1: unknown key "bogus"`))
		Expect(errs[1].Error()).To(HavePrefix(`s.yaml:11:15: protocol "carrier-pigeon" is not supported`))
		Expect(errs[2].Error()).To(HavePrefix(`s.yaml:18:11: workloads[0].rate: expected a number, got "fast"`))
	})

	It("does not repeat a decode error as a semantic one", func() {
		errs := errorsOf(strings.Replace(valid, "rate: 100", "rate: [1]", 1))
		Expect(errs).To(HaveLen(1), "no 'neither rate nor stages' or 'would send no trace' after the rate failed: %v", errs)
		Expect(errs[0].Error()).To(HavePrefix("s.yaml:17:11: workloads[0].rate: expected a number"))
	})

	DescribeTable("rejects a bad scenario with the place and what was expected",
		func(from, to, wantAt, wantMsg string) {
			Expect(valid).To(ContainSubstring(from), "the row must change something")
			errs := errorsOf(strings.Replace(valid, from, to, 1))
			Expect(errs.Error()).To(ContainSubstring(wantAt + ": " + wantMsg))
		},
		// syntax
		Entry("broken YAML", "name: t\n", "name: [t\n", "s.yaml:2", "invalid YAML"),
		Entry("empty file", valid, "", "s.yaml:1:1", "the file is empty"),
		Entry("two documents", "seed: 3\n", "seed: 3\n---\nname: x\n", "s.yaml:4:1", "a second YAML document"),
		// unknown or repeated keys
		Entry("unknown top-level key", "seed: 3", "sead: 3", "s.yaml:3:1", `unknown key "sead" in the scenario; expected one of: version, name, seed`),
		Entry("unknown nested key", "depth: 2", "dept: 2", "s.yaml:20:7", `unknown key "dept" in workloads[0].trace`),
		Entry("duplicate key", "seed: 3", "seed: 3\nseed: 4", "s.yaml:4:1", `key "seed" appears twice`),
		// wrong types
		Entry("string for a number", "seed: 3", "seed: three", "s.yaml:3:7", `seed: expected a whole number, got "three"`),
		Entry("number for a string", "name: t", "name: 12", "s.yaml:2:7", `name: expected a string, got "12"`),
		Entry("bad duration", "duration: 10s", "duration: 10", "s.yaml:4:11", `duration: expected a duration such as 30s`),
		Entry("mapping for a list", "exporters: [grpc]", "exporters: {grpc: 1}", "s.yaml:16:16", "workloads[0].exporters: expected a list, got a mapping"),
		Entry("scalar for a mapping", "    trace:\n      spans: 4\n      depth: 2\n", "    trace: big\n", "s.yaml:18:12", "workloads[0].trace: expected a mapping"),
		// impossible values
		Entry("unsupported version", "version: 1", "version: 2", "s.yaml:1:10", "version 2 is not supported; expected 1"),
		Entry("missing version", "version: 1\n", "", "s.yaml:1:1", "missing key version"),
		Entry("unknown backend type", "type: jaeger", "type: tempo", "s.yaml:7:11", `backend type "tempo" is not supported; expected one of: collector, console, jaeger, prometheus, sink, victorialogs, victoriametrics, zipkin`),
		Entry("undefined backend", "backend: jaeger", "backend: zipkin", "s.yaml:11:14", `exporter "grpc" sends to backend "zipkin", which is not defined; expected one of: jaeger`),
		Entry("unknown protocol", "protocol: otlp-grpc", "protocol: thrift", "s.yaml:10:15", `protocol "thrift" is not supported; expected one of: otlp-grpc, otlp-http`),
		Entry("undefined exporter", "exporters: [grpc]", "exporters: [grpc, http]", "s.yaml:16:23", `exporter "http" is not defined; expected one of: grpc`),
		Entry("exporter listed twice", "exporters: [grpc]", "exporters: [grpc, grpc]", "s.yaml:16:23", `exporter "grpc" is listed twice`),
		Entry("queue smaller than batch", "batch_size: 100", "batch_size: 100\n    queue_size: 10", "s.yaml:13:17", "queue_size 10 is smaller than batch_size 100"),
		Entry("negative rate", "rate: 100", "rate: -5", "s.yaml:17:11", "rate -5 is out of range"),
		Entry("absurd rate", "rate: 100", "rate: 1e12", "s.yaml:17:11", "rate 1e+12 is out of range"),
		Entry("no rate", "    rate: 100\n", "", "s.yaml:14:5", `workload "w" has neither rate nor stages; expected rate: <items per second>`),
		Entry("depth deeper than spans", "depth: 2", "depth: 5", "s.yaml:20:14", "depth 5 is impossible with 4 spans per trace"),
		Entry("depth 1 with children", "depth: 2", "depth: 1", "s.yaml:20:14", "depth 1 allows only the root span"),
		Entry("unknown signal", "signal: traces", "signal: profiles", "s.yaml:15:13", `signal "profiles" is not supported; expected one of: traces`),
		Entry("bad compression", "batch_size: 100", "batch_size: 100\n    compression: zstd", "s.yaml:13:18", `compression "zstd" is not supported; expected one of: none, gzip`),
		Entry("bad name", "name: grpc", "name: GRPC!", "s.yaml:9:11", `name "GRPC!" is not valid`),
		Entry("too short to send a trace", "duration: 10s", "duration: 10ms", "s.yaml:14:5", `workload "w" would send no trace`),
		Entry("stage without duration", "rate: 100", "stages:\n      - target: 10", "s.yaml:18:9", "a stage needs a positive duration"),
	)

	It("rejects two exporters with one name", func() {
		src := strings.Replace(valid, "workloads:", "  - name: grpc\n    protocol: otlp-http\n    backend: jaeger\nworkloads:", 1)
		Expect(errorsOf(src).Error()).To(ContainSubstring(`s.yaml:13:11: name "grpc" is used twice`))
	})
})

var _ = Describe("shipped scenarios", func() {
	It("are all valid", func() {
		paths, err := filepath.Glob("*.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(paths).To(ContainElements("smoke.yaml", "exporters-matrix.yaml", "collector-large-spans.yaml", "delta-temporality.yaml"))
		sweeps, err := filepath.Glob("sweeps/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(sweeps).To(HaveLen(7), "batch size, compression, protocol, queue size, instances, Jaeger and collector end to end")
		paths = append(paths, sweeps...)
		for _, path := range paths {
			_, err := scenarios.Load(path)
			Expect(err).NotTo(HaveOccurred(), path)
		}
	})
})
