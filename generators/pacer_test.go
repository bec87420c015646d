package generators_test

import (
	"context"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("Schedule", func() {
	const s = time.Second
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }

	DescribeTable("Pace",
		func(sched *generators.Schedule, elapsed time.Duration, sent uint64, wantWait time.Duration, wantStop bool) {
			wait, stop := sched.Pace(elapsed, sent)
			Expect(stop).To(Equal(wantStop))
			Expect(wait).To(BeNumerically("~", wantWait, time.Microsecond))
		},
		Entry("the first item is due at once", generators.Constant(10, s), time.Duration(0), uint64(0), time.Duration(0), false),
		Entry("the second item waits one interval", generators.Constant(10, s), time.Duration(0), uint64(1), ms(100), false),
		Entry("part of the interval already passed", generators.Constant(10, s), ms(30), uint64(1), ms(70), false),
		Entry("a sender behind schedule is told to send at once (open loop)", generators.Constant(10, s), ms(500), uint64(1), time.Duration(0), false),
		Entry("stops when every slot is sent", generators.Constant(10, s), ms(950), uint64(10), time.Duration(0), true),
		Entry("stops when the time is up, whatever was sent", generators.Constant(10, s), s, uint64(3), time.Duration(0), true),
		Entry("a ramp from 0 to 20/s over 1s: item 1 at sqrt(0.1)s",
			generators.NewSchedule(generators.Segment{Duration: s, From: 0, To: 20}), time.Duration(0), uint64(1),
			time.Duration(316227766), false),
		Entry("a second segment starts where the first ended",
			generators.NewSchedule(generators.Segment{Duration: s, From: 10, To: 10}, generators.Segment{Duration: s, From: 100, To: 100}),
			s, uint64(11), ms(10), false),
		Entry("an empty schedule stops at once", generators.NewSchedule(), time.Duration(0), uint64(0), time.Duration(0), true),
		Entry("a zero-length segment is skipped",
			generators.NewSchedule(generators.Segment{Duration: 0, From: 5, To: 5}, generators.Segment{Duration: s, From: 10, To: 10}),
			time.Duration(0), uint64(1), ms(100), false),
	)

	DescribeTable("Slots",
		func(sched *generators.Schedule, want uint64) {
			Expect(sched.Slots()).To(Equal(want))
		},
		Entry("constant rate × duration", generators.Constant(1000, 15*s), uint64(15000)),
		Entry("a fraction rounds up: item 2 is due at 2 of 2.5", generators.Constant(2.5, s), uint64(3)),
		Entry("a ramp's integral", generators.NewSchedule(generators.Segment{Duration: 10 * s, From: 0, To: 100}), uint64(500)),
		Entry("float noise does not add a slot", generators.Constant(0.1, 10000*s), uint64(1000)),
		Entry("nothing offered", generators.Constant(0, s), uint64(0)),
	)

	DescribeTable("RateAt",
		func(sched *generators.Schedule, at time.Duration, want float64) {
			Expect(sched.RateAt(at)).To(BeNumerically("~", want, 1e-9))
		},
		Entry("constant", generators.Constant(50, s), ms(500), 50.0),
		Entry("half-way up a ramp", generators.NewSchedule(generators.Segment{Duration: 2 * s, From: 10, To: 30}), s, 20.0),
		Entry("after the end", generators.Constant(50, s), 2*s, 0.0),
		Entry("before the start", generators.Constant(50, s), -s, 0.0),
	)

	It("offers every slot exactly once to a sender that keeps up", func() {
		sched := generators.NewSchedule(
			generators.Segment{Duration: 2 * s, From: 0, To: 500},
			generators.Segment{Duration: 3 * s, From: 500, To: 500},
			generators.Segment{Duration: s, From: 500, To: 0},
		)
		var elapsed time.Duration
		var sent uint64
		for {
			wait, stop := sched.Pace(elapsed, sent)
			if stop {
				break
			}
			Expect(wait).To(BeNumerically(">=", 0))
			elapsed += wait
			sent++
		}
		Expect(sent).To(Equal(sched.Slots()))
		Expect(sent).To(Equal(uint64(500 + 1500 + 250)))
		Expect(elapsed).To(BeNumerically("<", sched.Duration()))
	})
})

var _ = Describe("Drive", func() {
	It("emits every slot of a schedule in order and counts as it goes", func(ctx SpecContext) {
		var emitted atomic.Uint64
		var seen []uint64
		start, end, n := generators.Drive(ctx, generators.Constant(1000, 50*time.Millisecond), &emitted, func(seq uint64) {
			Expect(emitted.Load()).To(Equal(seq), "the count is stored after each item")
			seen = append(seen, seq)
		})
		Expect(n).To(Equal(uint64(len(seen))))
		Expect(n).To(BeNumerically(">=", 45))
		Expect(emitted.Load()).To(Equal(n))
		for i, seq := range seen {
			Expect(seq).To(Equal(uint64(i)))
		}
		Expect(end).To(BeTemporally(">=", start))
	})

	It("returns as soon as the context is cancelled, even while waiting for the next slot", func() {
		var emitted atomic.Uint64
		ctx, cancel := context.WithCancel(context.Background())
		_, _, n := generators.Drive(ctx, generators.Constant(0.001, time.Hour), &emitted, func(uint64) { cancel() })
		Expect(n).To(Equal(uint64(1)))
	})
})

// allDue is a pacer whose n slots are all due from the start and never expire.
type allDue uint64

func (a allDue) Pace(_ time.Duration, sent uint64) (time.Duration, bool) { return 0, sent >= uint64(a) }

var _ = Describe("DriveParallel", func() {
	DescribeTable("emits every slot exactly once, and its frontier never passes a slot not yet emitted",
		func(workers int) {
			const slots = 2000
			var emitted atomic.Uint64
			var count [slots]atomic.Int32
			var frontierAhead atomic.Bool
			// Every slot is due at once and none is ever missed, so the outcome does not depend on how fast this
			// machine is: only on how the slots are dispatched and published.
			_, _, n := generators.DriveParallel(context.Background(), allDue(slots), workers, &emitted,
				func(_ int, seq uint64) {
					// Every slot below the published frontier must be emitted already.
					for s := range emitted.Load() {
						if count[s].Load() == 0 {
							frontierAhead.Store(true)
						}
					}
					count[seq].Add(1)
				})
			Expect(n).To(Equal(uint64(slots)))
			Expect(emitted.Load()).To(Equal(uint64(slots)))
			for s := range slots {
				Expect(count[s].Load()).To(Equal(int32(1)), "slot %d", s)
			}
			Expect(frontierAhead.Load()).To(BeFalse())
		},
		Entry("one worker", 1),
		Entry("two workers", 2),
		Entry("three workers (slots not a multiple)", 3),
		Entry("four workers", 4),
	)

	It("stops on cancellation with a frontier of slots really emitted", func() {
		ctx, cancel := context.WithCancel(context.Background())
		var emitted atomic.Uint64
		var count atomic.Uint64
		_, _, n := generators.DriveParallel(ctx, generators.Constant(1000, time.Minute), 3, &emitted, func(_ int, seq uint64) {
			if count.Add(1) == 500 {
				cancel()
			}
		})
		Expect(n).To(Equal(emitted.Load()))
		Expect(n).To(BeNumerically("<=", count.Load()))
		Expect(n).To(BeNumerically(">=", 490))
	})
})
