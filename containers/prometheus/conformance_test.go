package prometheus_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/prometheus"
)

var _ = Describe("the prometheus backend's read-back", func() {
	conformance.Metrics(conformance.Harness{Start: conformance.Started(prometheus.Kind{}), Protocol: "otlp-http", StopsAnswering: true})
})
