package sampling_test

import (
	"encoding/hex"
	"encoding/json"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/verify/sampling"
)

// replayRecorded checks rule against every decision an SDK recorded in file ({"sdk", "cases": [{"rate",
// "trace_id", "sampled"}]}): 9 ratios, each at its bound's edges and on 40 random IDs, both decisions covered.
func replayRecorded(file string, rule sampling.Rule) {
	GinkgoHelper()
	data, err := os.ReadFile(file)
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
		s, err := sampling.New(rule, c.Rate)
		Expect(err).NotTo(HaveOccurred())
		raw, err := hex.DecodeString(c.TraceID)
		Expect(err).NotTo(HaveOccurred())
		Expect(raw).To(HaveLen(16))
		var id [16]byte
		copy(id[:], raw)
		Expect(s.Sampled(id)).To(Equal(c.Sampled), "%s: ratio %v, trace %s", rec.SDK, c.Rate, c.TraceID)
		if c.Sampled {
			kept++
		}
	}
	Expect(kept).To(BeNumerically(">", 0))
	Expect(kept).To(BeNumerically("<", len(rec.Cases)), "both decisions are covered")
}
