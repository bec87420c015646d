package collector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/verify"
)

var _ = Describe("collector file exporter reader", func() {
	It("parses OTLP JSON lines and leaves a line still being written for later", func() {
		dir := GinkgoT().TempDir()
		line := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"audit"}}]},"scopeLogs":[{"logRecords":[` +
			`{"timeUnixNano":"1700000000000000000","severityNumber":13,"severityText":"WARN","body":{"stringValue":"hi"},` +
			`"attributes":[{"key":"otelbench.seq","value":{"intValue":"7"}},{"key":"f","value":{"doubleValue":1.5}},{"key":"b","value":{"boolValue":true}}],` +
			`"traceId":"2cb039c6e2afec1b01ee5c613359d5ca","spanId":"33be2e9f1ccb987c"}]}]}]}`
		Expect(os.WriteFile(filepath.Join(dir, "logs.jsonl"), []byte(line+"\n"+line[:40]), 0o644)).To(Succeed())
		recs, err := collector.LogFiles(dir)(context.Background())
		Expect(err).NotTo(HaveOccurred())
		Expect(recs).To(HaveLen(1))
		r := recs[0]
		Expect(r.Body).To(Equal("hi"))
		Expect(r.Severity).To(Equal(13))
		Expect(r.Attributes).To(Equal(map[string]any{"otelbench.seq": int64(7), "f": 1.5, "b": true}))
		Expect(r.Resource).To(HaveKeyWithValue("service.name", "audit"))
		Expect(r.TraceID.String()).To(Equal("2cb039c6e2afec1b01ee5c613359d5ca"))
		Expect(r.Time).To(Equal(time.Unix(1700000000, 0)))
	})

	It("returns each record once, as it is appended, and only from logs files", func() {
		dir := GinkgoT().TempDir()
		line := func(seq int) string {
			return fmt.Sprintf(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"r"},"attributes":[{"key":"otelbench.seq","value":{"intValue":"%d"}}]}]}]}]}`, seq)
		}
		path := filepath.Join(dir, "logs.jsonl")
		Expect(os.WriteFile(path, []byte(line(1)+"\n"+line(2)+"\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(`{"resourceMetrics":[]}`+"\n"), 0o644)).To(Succeed())
		src := collector.LogFiles(dir)
		seqs := func() []any {
			recs, err := src(context.Background())
			Expect(err).NotTo(HaveOccurred())
			var out []any
			for _, r := range recs {
				out = append(out, r.Attributes["otelbench.seq"])
			}
			return out
		}
		Expect(seqs()).To(Equal([]any{int64(1), int64(2)}))
		Expect(seqs()).To(BeEmpty())
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		Expect(err).NotTo(HaveOccurred())
		_, err = f.WriteString(line(3) + "\n" + line(4)[:30])
		Expect(err).NotTo(HaveOccurred())
		Expect(seqs()).To(Equal([]any{int64(3)}))
		_, err = f.WriteString(line(4)[30:] + "\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Close()).To(Succeed())
		Expect(seqs()).To(Equal([]any{int64(4)}))
	})

	DescribeTable("says what it cannot read, as an error that ends verification rather than as loss",
		func(prepare func(dir string) string, want string) {
			dir := GinkgoT().TempDir()
			src := collector.LogFiles(prepare(dir))
			_, err := src(context.Background())
			Expect(err).To(MatchError(verify.ErrUnreadable))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a folder that does not exist", func(dir string) string { return filepath.Join(dir, "typo") }, "does not exist or is not a folder"),
		Entry("a line that is not OTLP JSON", func(dir string) string {
			Expect(os.WriteFile(filepath.Join(dir, "logs.jsonl"), []byte("{\"resourceLogs\":[]}\n{\"resourceLogs\": [tru\n{}\n"), 0o644)).To(Succeed())
			return dir
		}, "logs.jsonl line 2: not OTLP JSON logs"),
	)

	It("says when a file it read was truncated", func() {
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "logs.jsonl")
		Expect(os.WriteFile(path, []byte("{\"resourceLogs\":[]}\n{\"resourceLogs\":[]}\n"), 0o644)).To(Succeed())
		src := collector.LogFiles(dir)
		_, err := src(context.Background())
		Expect(err).NotTo(HaveOccurred())
		Expect(os.Truncate(path, 10)).To(Succeed())
		_, err = src(context.Background())
		Expect(err).To(MatchError(verify.ErrUnreadable))
		Expect(err).To(MatchError(ContainSubstring("shrank from 40 to 10 bytes")))
	})
})
