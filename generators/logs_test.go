package generators_test

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelbench/otelbench/generators"
)

// memLogs keeps every exported record.
type memLogs struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (m *memLogs) Export(_ context.Context, rs []sdklog.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		m.records = append(m.records, r.Clone())
	}
	return nil
}
func (m *memLogs) Shutdown(context.Context) error   { return nil }
func (m *memLogs) ForceFlush(context.Context) error { return nil }

var _ = Describe("LogStream", func() {
	It("emits every scheduled record with a derivable body, its seq, and the correlated trace", func(ctx SpecContext) {
		mem := &memLogs{}
		rec := generators.NewRecorder()
		ids, values := generators.NewIDs(1, "r"), generators.NewValues(1, 16)
		s, err := generators.NewLogStream(generators.LogStreamConfig{
			Stream: "l/test", Workload: "l", Exporter: "test", RunID: "r",
			Shape:    generators.LogShape{Severity: "warn", BodySize: 80, Attributes: 2, AttributeSize: 16, TraceCorrelation: true},
			Schedule: generators.Constant(1000, 100*time.Millisecond), IDs: ids, Values: values,
			Batch:       generators.Batch{Size: 32, Queue: 1024, Timeout: 20 * time.Millisecond, ExportTimeout: time.Second},
			LogExporter: generators.MeasureLogExporter(mem, rec), Recorder: rec,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Run(ctx)).To(Succeed())
		st := s.Stats()
		Expect(st.Emitted + st.Missed).To(Equal(uint64(100)))
		Expect(st.Emitted).To(BeNumerically(">=", 95))
		Expect(st.DroppedInSDK).To(BeZero())
		Expect(st.Export.Exported).To(Equal(int64(st.Emitted)))
		Expect(mem.records).To(HaveLen(int(st.Emitted)))
		seen := map[int64]bool{}
		for _, r := range mem.records {
			var seq int64 = -1
			r.WalkAttributes(func(kv attribute.KeyValue) bool {
				if string(kv.Key) == generators.AttrSeq {
					seq = kv.Value.AsInt64()
				}
				return true
			})
			Expect(seq).To(BeNumerically(">=", 0))
			seen[seq] = true
			Expect(r.Body().AsString()).To(Equal(generators.LogBody("l/test", uint64(seq), 80, values)))
			Expect(r.Body().AsString()).To(HaveLen(80))
			Expect(r.TraceID()).To(Equal(ids.TraceID("l/test", uint64(seq))))
			Expect(r.SeverityText()).To(Equal("WARN"))
		}
		Expect(seen).To(HaveLen(int(st.Emitted)))
		Expect(generators.LogBody("l/test", 7, 80, values)).To(HavePrefix("l/test #7 "))
	})
})
