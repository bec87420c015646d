package sampling_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/otelbench/otelbench/verify/sampling"
)

// The Python SDK's decisions are recorded by testdata/python_decisions.py, run in the Flask app's virtual
// environment (the opentelemetry-sdk the founding example pins): at each ratio, at its bound's edges and on random
// trace IDs.
var _ = Describe("predicting the Python SDK's TraceIdRatioBased", func() {
	It("agrees with every decision the Python SDK recorded", func() {
		replayRecorded("testdata/python_decisions.json", sampling.RulePython)
	})
})
