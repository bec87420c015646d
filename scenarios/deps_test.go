package scenarios_test

import (
	"os/exec"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the scenarios package", func() {
	It("needs no container runtime to check a file: none of its dependencies is Docker's or testcontainers'", func(ctx SpecContext) {
		out, err := exec.CommandContext(ctx, "go", "list", "-deps", ".").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		var runtime []string
		for pkg := range strings.Lines(string(out)) {
			if p := strings.TrimSpace(pkg); strings.Contains(p, "docker") || strings.Contains(p, "testcontainers") || strings.Contains(p, "/moby/") {
				runtime = append(runtime, p)
			}
		}
		Expect(runtime).To(BeEmpty())
		Expect(string(out)).To(ContainSubstring("github.com/otelbench/otelbench/containers/backend"), "it asks the backends' descriptions")
	})
})
