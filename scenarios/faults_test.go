package scenarios_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/scenarios"
)

// faulted is a valid scenario of 30 s with a collector, a Jaeger it forwards to, an external Jaeger and a console;
// each row below puts one faults: block under it.
const faulted = `version: 1
name: f
duration: 30s
backends:
  - {name: col, type: collector, forward_to: [jaeger]}
  - {name: jaeger, type: jaeger}
  - {name: theirs, type: jaeger, external: {otlp_grpc: "127.0.0.1:4317", url: "http://127.0.0.1:16686"}}
  - {name: stdout, type: console}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: col}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 10}
`

var _ = Describe("faults", func() {
	It("reads a schedule of actions and expands it into steps, in time order", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(faulted+`faults:
  - {action: restart, backend: col, at: 20s}
  - {action: down, backend: jaeger, at: 5s, for: 10s}
  - {action: pause, backend: col, at: 2s, for: 3s}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.FaultSteps()).To(Equal([]scenarios.FaultStep{
			{Fault: 2, Action: "pause", Backend: "col", At: 2 * time.Second},
			{Fault: 1, Action: "stop", Backend: "jaeger", At: 5 * time.Second},
			{Fault: 2, Action: "unpause", Backend: "col", At: 5 * time.Second},
			{Fault: 1, Action: "start", Backend: "jaeger", At: 15 * time.Second},
			{Fault: 0, Action: "restart", Backend: "col", At: 20 * time.Second},
		}))
	})

	DescribeTable("refuses what cannot be carried out, saying where and what is expected",
		func(faults, want string) {
			Expect(errorsOf(faulted + "faults:\n" + faults).Error()).To(ContainSubstring(want))
		},
		Entry("an unknown action", "  - {action: reboot, backend: col, at: 1s}\n",
			`s.yaml:14:14: action "reboot" is not supported; expected one of: stop, start, restart, kill, pause, unpause, down`),
		Entry("an unknown backend", "  - {action: stop, backend: nope, at: 1s}\n",
			`s.yaml:14:29: backend "nope" is not defined; expected one of: col, jaeger`),
		Entry("an external backend", "  - {action: stop, backend: theirs, at: 1s}\n",
			`s.yaml:14:29: backend "theirs" is external: otelbench acts only on what it started and never touches the user's`),
		Entry("a console", "  - {action: stop, backend: stdout, at: 1s}\n",
			`s.yaml:14:29: a console backend is not a container otelbench can stop`),
		Entry("no at", "  - {action: stop, backend: col}\n",
			`s.yaml:14:5: missing at; expected the offset from the start of sending`),
		Entry("an offset past the end of sending", "  - {action: restart, backend: col, at: 30s}\n",
			`s.yaml:14:41: at 30s is outside the run's sending (0s to 30s)`),
		Entry("a window past the end of sending", "  - {action: down, backend: col, at: 25s, for: 5s}\n",
			`s.yaml:14:48: at 25s plus for 5s ends at or after sending does (30s)`),
		Entry("down without for", "  - {action: down, backend: col, at: 5s}\n",
			`s.yaml:14:5: down needs for`),
		Entry("for on a restart", "  - {action: restart, backend: col, at: 5s, for: 2s}\n",
			`s.yaml:14:50: for applies to stop, kill, pause and down; a restart is not undone`),
		Entry("a start of a running backend", "  - {action: start, backend: col, at: 5s}\n",
			`s.yaml:14:14: start on backend "col" at 5s finds it running; expected a start only after a stop or kill`),
		Entry("an unpause of a stopped backend", "  - {action: stop, backend: col, at: 5s}\n  - {action: unpause, backend: col, at: 8s}\n",
			`s.yaml:15:14: unpause on backend "col" at 8s finds it stopped; expected an unpause only after a pause`),
		Entry("overlapping actions on one backend", "  - {action: down, backend: col, at: 5s, for: 10s}\n  - {action: restart, backend: col, at: 8s}\n",
			`s.yaml:15:41: restart on backend "col" at 8s overlaps faults[0] (down from 5s until 15s)`),
	)

	It("keeps actions on different backends apart: they may overlap", func() {
		_, err := scenarios.Parse("s.yaml", []byte(faulted+`faults:
  - {action: down, backend: col, at: 5s, for: 10s}
  - {action: kill, backend: jaeger, at: 8s, for: 2s}
`))
		Expect(err).NotTo(HaveOccurred())
	})
})

var _ = Describe("an exporter's retry", func() {
	withRetry := func(protocol, retry string) string {
		return strings.Replace(faulted, "  - {name: grpc, protocol: otlp-grpc, backend: col}\n",
			"  - {name: grpc, protocol: "+protocol+", backend: col, retry: "+retry+"}\n", 1)
	}

	It("takes the SDK's defaults for what it leaves out, and is a sweep axis", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(withRetry("otlp-grpc", "{initial_interval: 1s}")))
		Expect(err).NotTo(HaveOccurred())
		r := sc.Exporters[0].Retry
		Expect(r.On()).To(BeTrue())
		Expect(time.Duration(r.InitialInterval)).To(Equal(time.Second))
		Expect(scenarios.SweepAxes).To(ContainElements("retry.enabled", "retry.initial_interval", "retry.max_interval", "retry.max_elapsed_time"))
	})

	DescribeTable("refuses what the SDK would not do, saying where",
		func(protocol, retry, want string) {
			Expect(errorsOf(withRetry(protocol, retry)).Error()).To(ContainSubstring(want))
		},
		Entry("on an exporter that does not retry", "zipkin", "{enabled: true}",
			"retry applies to otlp-grpc and otlp-http exporters; the zipkin exporter does not retry"),
		Entry("a zero interval", "otlp-grpc", "{initial_interval: 0s}",
			"initial_interval 0s is out of range; expected a positive duration (the SDK's default is 5s)"),
		Entry("a first wait longer than the longest", "otlp-grpc", "{initial_interval: 10s, max_interval: 1s}",
			"initial_interval 10s is longer than max_interval 1s"),
		Entry("intervals with retries off", "otlp-grpc", "{enabled: false, max_interval: 1s}",
			"retries are off, so its intervals mean nothing"),
	)
})

var _ = Describe("a collector's sending queue", func() {
	withQueue := func(backend, queue string) string {
		return strings.Replace(faulted, "  - {name: "+backend+", ", "  - {name: "+backend+", sending_queue: "+queue+", ", 1)
	}

	It("sizes the forwarding exporters' queue, in memory or persistent, with the collector's defaults for what it leaves out", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(withQueue("col", "{persistent: true, consumers: 2}")))
		Expect(err).NotTo(HaveOccurred())
		spec := sc.Spec(sc.Backend("col"))
		Expect(spec.Queue).NotTo(BeNil())
		Expect(*spec.Queue).To(Equal(backend.Queue{Size: scenarios.DefaultQueueSize, Consumers: 2, Persistent: true}))
		Expect(sc.Spec(sc.Backend("jaeger")).Queue).To(BeNil())
	})

	DescribeTable("refuses a queue otelbench cannot write, saying where",
		func(name, queue, want string) {
			Expect(errorsOf(withQueue(name, queue)).Error()).To(ContainSubstring(want))
		},
		Entry("on a backend that forwards nothing", "jaeger", "{size: 10}",
			`s.yaml:6:35: sending_queue applies to collector backends, whose forwarding exporters have one; a jaeger backend has none`),
		Entry("on an external collector", "theirs", "{size: 10}",
			`sending_queue applies to collector backends`),
		Entry("a size of zero", "col", "{size: 0}",
			`s.yaml:5:39: size 0 is not a queue size; expected a number of requests above 0 (default 100000)`),
		Entry("negative consumers", "col", "{consumers: -1}",
			`consumers -1 is not a number of consumers; expected 1 or more (default 10)`),
		Entry("an unknown key", "col", "{persistant: true}",
			`persistant`),
	)

	It("refuses a queue on a collector that forwards nothing: its file exporters have none", func() {
		src := strings.Replace(faulted, "{name: col, type: collector, forward_to: [jaeger]}", "{name: col, type: collector, sending_queue: {size: 10}}", 1)
		src = strings.Replace(src, "workloads:\n  - {name: w, signal: traces,", "workloads:\n  - {name: w, signal: logs,", 1)
		Expect(errorsOf(src).Error()).To(ContainSubstring(`backend "col" forwards to nothing: the sending queue belongs to the exporters forward_to adds`))
	})
})

var _ = Describe("faults on a sink", func() {
	It("refuses a stop, whose restart would zero the counters the sink is read back by", func() {
		src := faulted + "faults:\n  - {action: restart, backend: count, at: 5s}\n"
		src = strings.Replace(src, "  - {name: stdout, type: console}\n", "  - {name: stdout, type: console}\n  - {name: count, type: sink}\n", 1)
		Expect(errorsOf(src).Error()).To(ContainSubstring(`a sink backend is read back by its process's counters, which a restart starts again from zero; expected pause`))
	})
})
