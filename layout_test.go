package otelbench_test

import (
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the root package", func() {
	It("holds only the public API, and nothing below it imports the root or the run back", func(ctx SpecContext) {
		files, err := filepath.Glob("*.go")
		Expect(err).NotTo(HaveOccurred())
		var api []string
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				api = append(api, f)
			}
		}
		Expect(api).To(Equal([]string{"otelbench.go"}))

		out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		const root = "github.com/otelbench/otelbench"
		var back []string
		for line := range strings.Lines(string(out)) {
			f := strings.Fields(line)
			for _, imp := range f[1:] {
				switch {
				case imp == root && !strings.HasPrefix(f[0], root+"/cmd/"):
					back = append(back, f[0]+" imports the root")
				case imp == root+"/engine" && f[0] != root:
					back = append(back, f[0]+" imports the run (engine)")
				}
			}
		}
		Expect(back).To(BeEmpty())
	})
})
