package victorialogs_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/victorialogs"
)

var _ = Describe("the victorialogs backend's read-back", func() {
	conformance.Logs(conformance.Harness{Start: conformance.Started(victorialogs.Kind{}), Protocol: "otlp-http", StopsAnswering: true})
})
