package backend_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("a description", func() {
	store := backend.Description{
		Type:         "store-under-test",
		Receives:     map[generators.Signal][]string{generators.Traces: {generators.OTLPGRPC}},
		ForwardedVia: map[generators.Signal]string{generators.Traces: backend.ViaOTLP},
		Footprint:    func(backend.Spec, backend.Load) (int64, string) { return 1 << 30, "a gigabyte" },
	}
	relay := backend.Description{Type: "relay-under-test", Receives: backend.Every(generators.OTLPHTTP), Forwarder: true}

	It("is found by its type once registered, and a second registration of the type is refused", func() {
		backend.Register(store)
		backend.Register(relay)
		got, ok := backend.Lookup("store-under-test")
		Expect(ok).To(BeTrue())
		Expect(got.Takes(generators.Traces)).To(BeTrue())
		Expect(got.Takes(generators.Logs)).To(BeFalse())
		Expect(got.GivesBack(backend.Spec{}, generators.Traces)).To(BeFalse(), "no GivesBack: nothing comes back")
		Expect(backend.Types()).To(ContainElements("relay-under-test", "store-under-test"))
		Expect(backend.TypesWhere(func(d *backend.Description) bool { return d.Forwarder })).To(ContainElement("relay-under-test"))
		Expect(backend.TypesWhere(func(d *backend.Description) bool { return d.Forwarder })).NotTo(ContainElement("store-under-test"))
		Expect(func() { backend.Register(store) }).To(PanicWith(ContainSubstring("registered twice")))
	})

	DescribeTable("says what it takes, forwards and needs",
		func(d backend.Description, signal generators.Signal, takes, forwarded bool, memory int64) {
			Expect(d.Takes(signal)).To(Equal(takes))
			Expect(d.Forwards(signal)).To(Equal(forwarded))
			got, _ := d.MemoryFor(backend.Spec{}, backend.Load{})
			Expect(got).To(Equal(memory))
		},
		Entry("a store, its signal", store, generators.Traces, true, true, int64(1<<30)),
		Entry("a store, another signal", store, generators.Metrics, false, false, int64(1<<30)),
		Entry("a relay takes every signal alike and says nothing of its memory", relay, generators.Logs, true, false, int64(backend.DefaultFootprint)),
	)
})
