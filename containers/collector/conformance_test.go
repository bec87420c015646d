package collector_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/containers/conformance"
)

var _ = Describe("the collector backend's read-back", func() {
	conformance.Metrics(conformance.Harness{Start: conformance.Started(collector.Kind{}), Protocol: "otlp-grpc", StopsAnswering: false})
	conformance.Logs(conformance.Harness{Start: conformance.Started(collector.Kind{}), Protocol: "otlp-grpc", StopsAnswering: false})
})
