package console_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/console"
)

// The console backend is files on this host, written by the SDK's stdout exporters: its read-back outlives it, so
// the spec about a backend that stops answering does not apply.
var _ = Describe("the console backend's read-back", func() {
	h := conformance.Harness{Start: conformance.Started(console.Kind{}), Protocol: "console", StopsAnswering: false}
	conformance.Traces(h)
	conformance.Metrics(h)
	conformance.Logs(h)
})
