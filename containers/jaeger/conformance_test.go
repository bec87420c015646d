package jaeger_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/jaeger"
)

var _ = Describe("the jaeger backend's read-back", func() {
	conformance.Traces(conformance.Harness{Start: conformance.Started(jaeger.Kind{}), Protocol: "otlp-grpc", StopsAnswering: true})
})
