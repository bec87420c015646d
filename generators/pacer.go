// Package generators produces synthetic telemetry through the real OpenTelemetry Go SDK at a paced, open-loop
// rate, and measures every export call the SDK makes.
//
// Open loop means the schedule never waits for the backend: the item due at time t is offered at t whether or not
// earlier exports have finished. When the SDK cannot keep up it drops items from its queue; those drops are
// counted, never hidden.
package generators

import (
	"context"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Pacer decides when the next item is due. Pace is given the time since the start and the number of items sent so
// far, and returns how long to wait before sending the next one; stop is true when the schedule has no more items.
// A Pacer is a pure function of its arguments, so a slow sender is told to send at once (wait 0) until it has
// caught up with the schedule: the offered load does not fall when the target slows down.
type Pacer interface {
	Pace(elapsed time.Duration, sent uint64) (wait time.Duration, stop bool)
}

// Segment is a span of time over which the rate changes linearly from From to To items per second.
type Segment struct {
	Duration time.Duration
	From, To float64
}

// Schedule is a Pacer over consecutive linear segments: a constant rate is one segment with From == To, a ramp
// is several. Item k (counting from 0) is due at the moment the integral of the rate reaches k, so the first
// item is due at once and a constant rate r over d sends r×d items.
//
// A Schedule may be striped (Striped): one shard of N then offers only the slots k with k mod N == its index, at
// the times the whole schedule gives them, so that N shards together send exactly the whole schedule.
type Schedule struct {
	stripe   Stripe
	segments []Segment
	starts   []time.Duration // start time of each segment
	before   []float64       // items due before each segment starts
	total    time.Duration
	items    float64
}

// Constant is a Schedule of rate items per second for d.
func Constant(rate float64, d time.Duration) *Schedule {
	return NewSchedule(Segment{Duration: d, From: rate, To: rate})
}

// NewSchedule builds a Schedule from segments in order. Segments with a non-positive duration are skipped.
func NewSchedule(segments ...Segment) *Schedule {
	s := &Schedule{}
	for _, seg := range segments {
		if seg.Duration <= 0 {
			continue
		}
		s.segments = append(s.segments, seg)
		s.starts = append(s.starts, s.total)
		s.before = append(s.before, s.items)
		s.total += seg.Duration
		s.items += (seg.From + seg.To) / 2 * seg.Duration.Seconds()
	}
	return s
}

// Duration is how long the schedule lasts.
func (s *Schedule) Duration() time.Duration { return s.total }

// Slots is the number of items the schedule offers over its whole duration: its stripe's, when striped.
func (s *Schedule) Slots() uint64 { return s.stripe.Slots(s.AllSlots()) }

// AllSlots is the number of items the whole schedule offers, every stripe's together.
func (s *Schedule) AllSlots() uint64 {
	// Item k is due when the integral reaches k, for k = 0 .. ceil(items)-1. The epsilon keeps a float sum such as
	// 1000.0000000001 from creating a slot that is due only at the very end.
	return uint64(math.Ceil(s.items - 1e-9))
}

// Striped is the schedule's stripe st: a copy that offers only st's slots (see Stripe).
func (s *Schedule) Striped(st Stripe) *Schedule {
	c := *s
	c.stripe = st
	return &c
}

// Stripe is the schedule's stripe (the zero Stripe: all of it).
func (s *Schedule) Stripe() Stripe { return s.stripe }

// Seq is the sequence number in the whole schedule of the stripe's item j (counting from 0): what item j's IDs
// and contents derive from.
func (s *Schedule) Seq(j uint64) uint64 { return s.stripe.Seq(j) }

// RateAt is the target rate in items per second at elapsed.
func (s *Schedule) RateAt(elapsed time.Duration) float64 {
	i := s.segmentAt(elapsed)
	if i < 0 {
		return 0
	}
	seg := s.segments[i]
	f := float64(elapsed-s.starts[i]) / float64(seg.Duration)
	return seg.From + (seg.To-seg.From)*f
}

// Due is the number of items the schedule has offered by elapsed (the integral of the rate, not rounded).
func (s *Schedule) Due(elapsed time.Duration) float64 {
	if elapsed >= s.total {
		return s.items
	}
	i := s.segmentAt(elapsed)
	if i < 0 {
		return 0
	}
	seg := s.segments[i]
	t := (elapsed - s.starts[i]).Seconds()
	slope := (seg.To - seg.From) / seg.Duration.Seconds()
	return s.before[i] + seg.From*t + slope*t*t/2
}

// Pace implements Pacer: sent counts the stripe's items, each due when the whole schedule's item Seq(sent) is.
func (s *Schedule) Pace(elapsed time.Duration, sent uint64) (time.Duration, bool) {
	if elapsed >= s.total || sent >= s.Slots() {
		return 0, true
	}
	k := float64(s.stripe.Seq(sent))
	if s.Due(elapsed) >= k {
		return 0, false
	}
	return s.dueAt(k) - elapsed, false
}

// DueAt is when item seq of the whole schedule is due, from the schedule's start: what an open-loop sender
// promised, whatever it managed.
func (s *Schedule) DueAt(k uint64) time.Duration {
	if k >= s.AllSlots() || k == 0 {
		if k == 0 {
			return 0
		}
		return s.total
	}
	return s.dueAt(float64(k))
}

// dueAt is the time at which the integral of the rate reaches k (k < items).
func (s *Schedule) dueAt(k float64) time.Duration {
	i := len(s.segments) - 1
	for i > 0 && s.before[i] > k {
		i--
	}
	seg := s.segments[i]
	y := k - s.before[i]
	slope := (seg.To - seg.From) / seg.Duration.Seconds()
	// Solve From·t + slope·t²/2 = y for t >= 0 in the form that stays exact when slope is 0 or tiny.
	disc := seg.From*seg.From + 2*slope*y
	den := seg.From + math.Sqrt(max(disc, 0))
	var t float64
	if den > 0 {
		t = 2 * y / den
	}
	return s.starts[i] + time.Duration(t*float64(time.Second))
}

func (s *Schedule) segmentAt(elapsed time.Duration) int {
	if elapsed < 0 || elapsed >= s.total {
		return -1
	}
	for i := len(s.segments) - 1; i >= 0; i-- {
		if elapsed >= s.starts[i] {
			return i
		}
	}
	return -1
}

// Stripe is shard Index of Count: the slots k of a schedule with k mod Count == Index, as k6 stripes an arrival
// rate over instances. Stripes interleave, so every shard follows the schedule's ramps at 1/Count of its rate, the
// stripes' slots add up to the whole schedule's, and sequence numbers (and the IDs derived from them) of two stripes
// never meet. The zero Stripe, and any with Count <= 1, is the whole schedule.
type Stripe struct {
	Index, Count uint64
}

// whole reports whether st is the whole schedule.
func (st Stripe) whole() bool { return st.Count <= 1 }

// Seq is the sequence number in the whole schedule of the stripe's item j.
func (st Stripe) Seq(j uint64) uint64 {
	if st.whole() {
		return j
	}
	return st.Index + j*st.Count
}

// Local is the stripe's index of sequence number seq of the whole schedule; ok is false when seq is another
// stripe's.
func (st Stripe) Local(seq uint64) (j uint64, ok bool) {
	if st.whole() {
		return seq, true
	}
	if seq%st.Count != st.Index {
		return 0, false
	}
	return seq / st.Count, true
}

// Slots is how many of the first all sequence numbers are the stripe's.
func (st Stripe) Slots(all uint64) uint64 {
	if st.whole() {
		return all
	}
	if all <= st.Index {
		return 0
	}
	return (all-st.Index-1)/st.Count + 1
}

// String is "1/3" (index/count), or "" for the whole schedule.
func (st Stripe) String() string {
	if st.whole() {
		return ""
	}
	return strconv.FormatUint(st.Index, 10) + "/" + strconv.FormatUint(st.Count, 10)
}

// Drive calls emit for item 0, 1, 2, ... each at the time p says it is due, until p stops or ctx is cancelled,
// and stores the count in emitted after every item so that other goroutines can follow. It never waits for emit's
// effects: that is the open loop. It returns when sending started and ended, and how many items were emitted.
func Drive(ctx context.Context, p Pacer, emitted *atomic.Uint64, emit func(seq uint64)) (start, end time.Time, n uint64) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	start = time.Now()
	for {
		wait, stop := p.Pace(time.Since(start), n)
		if stop {
			break
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return start, time.Now(), n
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			break
		}
		emit(n)
		n++
		emitted.Store(n)
	}
	return start, time.Now(), n
}

// DriveParallel is Drive with the emission spread over workers goroutines, for emitters that need more than one
// core: the pacer dispatches every slot, in order, to worker seq mod workers, and each worker emits its slots in
// order. emitted holds the frontier below which every slot has been emitted (not merely dispatched), so readers
// can rely on it as on Drive's. A worker that falls behind blocks the dispatch and the pacer falls behind with it:
// slots not dispatched in time are missed, as with Drive. It returns once every dispatched slot is emitted.
func DriveParallel(ctx context.Context, p Pacer, workers int, emitted *atomic.Uint64, emit func(worker int, seq uint64)) (start, end time.Time, n uint64) {
	if workers <= 1 {
		return Drive(ctx, p, emitted, func(seq uint64) { emit(0, seq) })
	}
	w := uint64(workers)
	queues := make([]chan uint64, workers)
	done := make([]atomic.Uint64, workers) // slots emitted per worker
	publish := func() {
		frontier := uint64(math.MaxUint64)
		for i := range done {
			frontier = min(frontier, done[i].Load()*w+uint64(i))
		}
		for {
			cur := emitted.Load()
			if frontier <= cur || emitted.CompareAndSwap(cur, frontier) {
				return
			}
		}
	}
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan uint64, 64)
		wg.Go(func() {
			for seq := range queues[i] {
				emit(i, seq)
				done[i].Add(1)
				publish()
			}
		})
	}
	var dispatched atomic.Uint64
	start, _, n = Drive(ctx, p, &dispatched, func(seq uint64) {
		select {
		case queues[seq%w] <- seq:
		case <-ctx.Done():
		}
	})
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if ctx.Err() == nil {
		emitted.Store(n)
	}
	return start, time.Now(), emitted.Load()
}
