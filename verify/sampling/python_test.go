package sampling_test

import (
	"encoding/hex"
	"encoding/json"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/verify/sampling"
)

// The Python SDK's decisions are recorded by testdata/python_decisions.py, run in the Flask app's virtual
// environment (the opentelemetry-sdk the founding example pins): at each ratio, at its bound's edges and on random
// trace IDs.
var _ = Describe("predicting the Python SDK's TraceIdRatioBased", func() {
	It("agrees with every decision the Python SDK recorded", func() {
		data, err := os.ReadFile("testdata/python_decisions.json")
		Expect(err).NotTo(HaveOccurred())
		var rec struct {
			SDK   string `json:"sdk"`
			Cases []struct {
				Rate    float64 `json:"rate"`
				TraceID string  `json:"trace_id"`
				Sampled bool    `json:"sampled"`
			} `json:"cases"`
		}
		Expect(json.Unmarshal(data, &rec)).To(Succeed())
		Expect(len(rec.Cases)).To(BeNumerically(">", 400), "9 ratios, each at its bound's edges and on 40 random IDs")
		kept := 0
		for _, c := range rec.Cases {
			s, err := sampling.New(sampling.RulePython, c.Rate)
			Expect(err).NotTo(HaveOccurred())
			raw, err := hex.DecodeString(c.TraceID)
			Expect(err).NotTo(HaveOccurred())
			var id [16]byte
			copy(id[:], raw)
			Expect(s.Sampled(id)).To(Equal(c.Sampled), "%s: ratio %v, trace %s", rec.SDK, c.Rate, c.TraceID)
			if c.Sampled {
				kept++
			}
		}
		Expect(kept).To(BeNumerically(">", 0))
		Expect(kept).To(BeNumerically("<", len(rec.Cases)), "both decisions are covered")
	})
})
