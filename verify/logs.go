package verify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/otelbench/otelbench/generators"
)

// LogExpectation is what one logs stream sent.
type LogExpectation struct {
	Stream string
	Shape  generators.LogShape
	IDs    generators.IDs
	Values *generators.Values
	// Emitted, Stripe and Sent as in TraceExpectation: the records of other stripes (other shards of the run)
	// are not this stream's to verify.
	Emitted func() uint64
	Stripe  generators.Stripe
	Sent    <-chan struct{}
	// RunID, when set, is the run's ID: records whose resource carries another otelbench.run_id (an earlier run
	// against the same backend) are not this run's.
	RunID string
	// Undelivered as in TraceExpectation, in records.
	Undelivered func() int64
}

// Logs verifies a logs stream: every record emitted must be found once, with its body, severity, attributes
// and (when correlated) trace and span IDs as sent. It reads while the stream sends and keeps reading for the
// window after sending ends. A source error wrapping ErrUnreadable ends it with that error.
func Logs(ctx context.Context, src LogSource, exp LogExpectation, opts Options) (Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	res := Result{Changes: map[string]int64{}}
	lat := generators.NewLatencyHistogram()
	// Memory is per record emitted, a byte each: seen[j] counts the copies found of the stripe's record j
	// (sequence number Stripe.Seq(j)), saturating; found how many records were seen at least once; only altered
	// records keep what differs.
	var seen []uint8
	var found uint64
	altered := map[uint64]string{} // j -> what differs
	var deadline time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	finish := func(n uint64) {
		res.Expected = int64(n)
		res.Traces = int64(n)
		for j := range n {
			var c uint8
			if j < uint64(len(seen)) {
				c = seen[j]
			}
			switch seq := exp.Stripe.Seq(j); {
			case c == 0:
				res.Lost++
				if opts.Lost != nil {
					opts.Lost(seq, 1)
				}
				res.problem(fmt.Sprintf("%s: record %d not found", exp.Stream, seq))
			case altered[j] != "":
				res.Altered++
				res.Duplicated += int64(c - 1)
				res.problem(altered[j])
			default:
				res.Verified++
				res.Complete++
				res.Duplicated += int64(c - 1)
			}
		}
		res.Visibility = generators.FinalQuantiles(lat)
	}
	for {
		select {
		case <-ctx.Done():
			finish(exp.Emitted())
			return res, ctx.Err()
		case <-timer.C:
		}
		sent := !deadline.IsZero()
		if !sent {
			select {
			case <-exp.Sent:
				sent = true
				deadline = time.Now().Add(opts.Window)
			default:
			}
		}
		res.Rounds++
		records, err := src(ctx)
		now := time.Now()
		// Read after the records: every record read was emitted before, so its seq is below n.
		n := exp.Emitted()
		if errors.Is(err, ErrUnreadable) {
			finish(n)
			return res, fmt.Errorf("read logs: %w", err)
		}
		if err != nil {
			res.queryFailed(fmt.Errorf("read logs: %w", err))
		}
		// Each read returns what arrived since the previous one: add it up.
		for i := range records {
			r := &records[i]
			if fmt.Sprint(r.Attributes[generators.AttrStream]) != exp.Stream || !ofRun(r.Resource, exp.RunID) {
				continue
			}
			seq, ok := seqOf(r.Attributes[generators.AttrSeq])
			if !ok {
				continue
			}
			j, mine := exp.Stripe.Local(seq)
			if !mine || j >= n {
				continue
			}
			if j >= uint64(len(seen)) {
				seen = append(seen, make([]uint8, int(n)-len(seen))...)
			}
			if seen[j] == 0 {
				found++
				if diff := diffLog(exp, seq, r); diff != "" {
					altered[j] = diff
				} else if _, isString := r.Attributes[generators.AttrSeq].(string); isString {
					res.Changes["int attributes became strings"]++ // the store keeps every value as text
				}
				_ = lat.RecordValue(generators.ClampMicros(now.Sub(r.Time)))
				if opts.Found != nil {
					opts.Found(seq, now)
				}
			}
			if seen[j] < 255 {
				seen[j]++
			}
		}
		if opts.Progress != nil {
			opts.Progress(int64(found), int64(n))
		}
		accounted := exp.Undelivered != nil && int64(n)-int64(found) <= exp.Undelivered()
		if sent && (found >= n || !time.Now().Before(deadline) || accounted) {
			finish(n)
			return res, nil
		}
		timer.Reset(opts.Interval)
	}
}

// ofRun reports whether an item with resource attributes res belongs to run runID: it does unless both are known
// and differ.
func ofRun(res map[string]any, runID string) bool {
	got, ok := res[generators.ResourceRunID]
	return runID == "" || !ok || fmt.Sprint(got) == runID
}

func seqOf(v any) (uint64, bool) {
	switch x := v.(type) {
	case int64:
		return uint64(x), x >= 0
	case float64:
		return uint64(x), x >= 0
	case string:
		n, err := strconv.ParseUint(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// diffLog says how record r differs from record seq as sent, or "" when it does not.
func diffLog(exp LogExpectation, seq uint64, r *LogRecord) string {
	if want := generators.LogBody(exp.Stream, seq, exp.Shape.BodySize, exp.Values); r.Body != want {
		return fmt.Sprintf("%s: record %d body %.40q, expected %.40q", exp.Stream, seq, r.Body, want)
	}
	if want := int(generators.Severities[exp.Shape.Severity]); r.Severity != want {
		return fmt.Sprintf("%s: record %d severity %d, expected %d", exp.Stream, seq, r.Severity, want)
	}
	for a := range exp.Shape.Attributes {
		key := generators.AttributeKey(a)
		if want := exp.Values.Value(seq, 1, a); r.Attributes[key] != want {
			return fmt.Sprintf("%s: record %d attribute %s is %.40v, expected %.40q", exp.Stream, seq, key, r.Attributes[key], want)
		}
	}
	if exp.Shape.TraceCorrelation {
		tid := exp.IDs.TraceID(exp.Stream, seq)
		if r.TraceID != tid || r.SpanID != generators.SpanID(tid, 0) {
			return fmt.Sprintf("%s: record %d trace/span %s/%s, expected %s/%s", exp.Stream, seq, r.TraceID, r.SpanID, tid, generators.SpanID(tid, 0))
		}
	}
	return ""
}
