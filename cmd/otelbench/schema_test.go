package main

// In-process specs of otelbench schema (package main, so that they call run as main does).

import (
	"bytes"
	"encoding/json"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("otelbench schema", func() {
	It("prints the JSON Schema of scenario files, the one the repository ships, and exits 0", func() {
		var stdout, stderr bytes.Buffer
		Expect(run([]string{"schema"}, &stdout, &stderr)).To(Equal(exitPassed), stderr.String())
		Expect(stderr.String()).To(BeEmpty())
		var doc map[string]any
		Expect(json.Unmarshal(stdout.Bytes(), &doc)).To(Succeed())
		Expect(doc).To(HaveKeyWithValue("$schema", "https://json-schema.org/draft/2020-12/schema"))
		Expect(doc).To(HaveKeyWithValue("required", ContainElements("version", "name", "backends", "workloads")))
		shipped, err := os.ReadFile("../../scenarios/scenario.schema.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(stdout.String()).To(Equal(string(shipped)))
	})

	It("takes no arguments: a usage error, exit 2", func() {
		var stdout, stderr bytes.Buffer
		Expect(run([]string{"schema", "scenarios/smoke.yaml"}, &stdout, &stderr)).To(Equal(exitUsage))
		Expect(stdout.String()).To(BeEmpty())
		Expect(stderr.String()).To(Equal("otelbench: schema takes no arguments, got 1 arguments\n"))
	})
})
