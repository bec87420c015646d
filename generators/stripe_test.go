package generators_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("Stripes of a schedule (shards)", func() {
	const s = time.Second
	stages := func() *generators.Schedule {
		return generators.NewSchedule(
			generators.Segment{Duration: 2 * s, From: 0, To: 300},
			generators.Segment{Duration: 3 * s, From: 300, To: 300},
			generators.Segment{Duration: 1500 * time.Millisecond, From: 300, To: 17},
		)
	}

	DescribeTable("together send exactly the whole schedule's slots, each when the whole schedule has it due",
		func(whole func() *generators.Schedule, shards int) {
			all := whole()
			seen := make([]int, all.AllSlots())
			var total uint64
			for i := range shards {
				st := all.Striped(generators.Stripe{Index: uint64(i), Count: uint64(shards)})
				total += st.Slots()
				for j := range st.Slots() {
					seq := st.Seq(j)
					Expect(seq).To(BeNumerically("<", all.AllSlots()))
					seen[seq]++
					back, ok := st.Stripe().Local(seq)
					Expect(ok).To(BeTrue())
					Expect(back).To(Equal(j))
					// The stripe's item j is due exactly when the whole schedule's item seq is: before then the pacer
					// says wait for it, from then on send it.
					due := all.DueAt(seq)
					wait, stop := st.Pace(due, j)
					Expect(stop).To(BeFalse())
					Expect(wait).To(BeNumerically("<=", time.Microsecond))
					if due > time.Millisecond {
						wait, _ = st.Pace(due-time.Millisecond, j)
						Expect(wait).To(BeNumerically("~", time.Millisecond, time.Microsecond))
					}
				}
				_, stop := st.Pace(0, st.Slots())
				Expect(stop).To(BeTrue(), "a stripe stops after its last slot")
			}
			Expect(total).To(Equal(all.AllSlots()), "the stripes' slots add up to the whole schedule's")
			for seq, n := range seen {
				Expect(n).To(Equal(1), "slot %d is sent by exactly one shard", seq)
			}
		},
		Entry("a constant rate, 1 shard", func() *generators.Schedule { return generators.Constant(500, 2*s) }, 1),
		Entry("a constant rate, 3 shards", func() *generators.Schedule { return generators.Constant(500, 2*s) }, 3),
		Entry("a constant rate whose slots do not divide by the shards", func() *generators.Schedule { return generators.Constant(333.3, 3*s) }, 7),
		Entry("more shards than slots", func() *generators.Schedule { return generators.Constant(2, 2*s) }, 9),
		Entry("ramping stages, 2 shards", stages, 2),
		Entry("ramping stages, 5 shards", stages, 5),
	)

	DescribeTable("Stripe",
		func(st generators.Stripe, all uint64, slots uint64, first []uint64) {
			Expect(st.Slots(all)).To(Equal(slots))
			for j, want := range first {
				Expect(st.Seq(uint64(j))).To(Equal(want))
			}
		},
		Entry("the zero stripe is the whole schedule", generators.Stripe{}, uint64(10), uint64(10), []uint64{0, 1, 2}),
		Entry("shard 0 of 3", generators.Stripe{Index: 0, Count: 3}, uint64(10), uint64(4), []uint64{0, 3, 6, 9}),
		Entry("shard 2 of 3", generators.Stripe{Index: 2, Count: 3}, uint64(10), uint64(3), []uint64{2, 5, 8}),
		Entry("a shard past the last slot", generators.Stripe{Index: 4, Count: 5}, uint64(3), uint64(0), nil),
	)
})
