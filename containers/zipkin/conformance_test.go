package zipkin_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/zipkin"
)

var _ = Describe("the zipkin backend's read-back", func() {
	conformance.Traces(conformance.Harness{Start: conformance.Started(zipkin.Kind{}), Protocol: "zipkin", StopsAnswering: true})
})
