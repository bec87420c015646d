package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/otelbench/otelbench/generators"
)

// CountExpectation is what one stream sent to a counting sink: a backend that keeps nothing and says only how
// many items it accepted.
type CountExpectation struct {
	Stream string
	// Expected returns the items the stream put into the SDK (spans, data points or log records); final once
	// Sent is closed.
	Expected func() int64
	// Sent as in TraceExpectation.
	Sent <-chan struct{}
	// Undelivered as in TraceExpectation: items the sender knows never reached the sink.
	Undelivered func() int64
	// Accepted returns how many items the sink has accepted so far, in total.
	Accepted func(ctx context.Context) (int64, error)
	// Before is what the sink had accepted before the stream started (its count of earlier items).
	Before int64
}

// Count verifies a stream against a counting sink, by count rather than item by item: once the stream has sent,
// it waits until the sink has accepted as many items as were delivered, or the window closes. Verified is what
// the sink accepted (at most what was sent); the rest is lost. Nothing can be said about duplicates or
// alterations: the sink keeps nothing to compare.
func Count(ctx context.Context, exp CountExpectation, opts Options) (Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	res := Result{Changes: map[string]int64{}}
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-exp.Sent:
	}
	sentAt := time.Now()
	deadline := sentAt.Add(opts.Window)
	expected := exp.Expected()
	var undelivered int64
	if exp.Undelivered != nil {
		undelivered = exp.Undelivered()
	}
	res.Expected = expected
	timer := time.NewTimer(0)
	defer timer.Stop()
	var accepted int64
	for {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-timer.C:
		}
		res.Rounds++
		n, err := exp.Accepted(ctx)
		if err != nil {
			res.queryFailed(fmt.Errorf("read the backend's count: %w", err))
		} else {
			accepted = n - exp.Before
		}
		if opts.Progress != nil {
			opts.Progress(min(accepted, expected), expected)
		}
		if err == nil && accepted >= expected-undelivered || !time.Now().Before(deadline) {
			break
		}
		timer.Reset(opts.Interval)
	}
	res.Verified = min(accepted, expected)
	res.Lost = expected - res.Verified
	res.Duplicated = max(accepted-expected, 0)
	if res.Lost > 0 {
		res.problem(fmt.Sprintf("%s: the backend accepted %d of %d items (by its own count)", exp.Stream, accepted, expected))
	}
	if res.Verified == expected {
		d := time.Since(sentAt)
		res.Visibility = generators.OneValue(d)
	}
	return res, nil
}
