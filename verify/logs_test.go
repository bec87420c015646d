package verify_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

var _ = Describe("Logs verification", func() {
	values := generators.NewValues(1, 16)
	shape := generators.LogShape{Severity: "info", BodySize: 32}
	record := func(run string, seq uint64) verify.LogRecord {
		return verify.LogRecord{
			Body:       generators.LogBody("w/e", seq, shape.BodySize, values),
			Severity:   int(generators.Severities["info"]),
			Attributes: map[string]any{generators.AttrStream: "w/e", generators.AttrSeq: int64(seq)},
			Resource:   map[string]any{generators.ResourceRunID: run},
		}
	}
	verifyLogs := func(src verify.LogSource) (verify.Result, error) {
		sent := make(chan struct{})
		close(sent)
		return verify.Logs(context.Background(), src, verify.LogExpectation{
			Stream: "w/e", Shape: shape, Values: values, Emitted: func() uint64 { return 3 }, Sent: sent, RunID: "this",
		}, verify.Options{Window: 50 * time.Millisecond, Interval: time.Millisecond})
	}

	It("counts this run's records only, when an earlier run's are in the same backend", func() {
		batches := [][]verify.LogRecord{
			{record("earlier", 0), record("earlier", 1), record("earlier", 2), record("this", 0)},
			{record("this", 1), record("this", 2)},
		}
		res, err := verifyLogs(func(context.Context) ([]verify.LogRecord, error) {
			if len(batches) == 0 {
				return nil, nil
			}
			next := batches[0]
			batches = batches[1:]
			return next, nil
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Verified).To(Equal(int64(3)))
		Expect(res.Duplicated).To(BeZero())
		Expect(res.Altered).To(BeZero())
	})

	It("ends with the source's error, not with loss, when the backend's data cannot be read", func() {
		res, err := verifyLogs(collector.LogFiles("/nonexistent/otelbench"))
		Expect(err).To(MatchError(verify.ErrUnreadable))
		Expect(err).To(MatchError(ContainSubstring("folder /nonexistent/otelbench does not exist")))
		Expect(res.Verified).To(BeZero())
	})
})
