package threshold_test

import (
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports/threshold"
)

var _ = Describe("the scenario reference (docs/scenarios.md)", func() {
	It("names every row metric a threshold can use", func() {
		data, err := os.ReadFile("../../docs/scenarios.md")
		Expect(err).NotTo(HaveOccurred())
		_, rest, found := strings.Cut(string(data), "thresholds:             # optional")
		Expect(found).To(BeTrue())
		operands, _, _ := strings.Cut(rest, "\nfaults:")
		for name := range threshold.Metrics {
			Expect(operands).To(ContainSubstring(name), "the thresholds block of the scenario format lists the operands")
		}
	})
})
