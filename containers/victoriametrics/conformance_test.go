package victoriametrics_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/victoriametrics"
)

var _ = Describe("the victoriametrics backend's read-back", func() {
	conformance.Metrics(conformance.Harness{Start: conformance.Started(victoriametrics.Kind{}), Protocol: "otlp-http", StopsAnswering: true})
})
