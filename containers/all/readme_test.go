package all_test

import (
	"os"
	"regexp"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
)

// path is one way items go in the README's table of supported paths: a signal, sent with a protocol to a backend
// type, read back there or, through a forwarder, at another.
type path struct{ signal, protocol, to, readAt string }

// readmePaths are the paths the table "Supported exporter × backend paths" of docs/backends.md claims.
func readmePaths() []path {
	GinkgoHelper()
	raw, err := os.ReadFile("../../docs/backends.md")
	Expect(err).NotTo(HaveOccurred())
	text := string(raw)
	start := strings.Index(text, "## Supported exporter × backend paths")
	Expect(start).To(BeNumerically(">=", 0))
	section := text[start:]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	ticked := regexp.MustCompile("`([^`]+)`")
	var out []path
	for line := range strings.Lines(section) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) < 5 || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| signal") {
			continue
		}
		signals, exporter, backendPath := strings.Split(cells[1], ","), cells[2], strings.Fields(cells[3])[0]
		to, readAt, _ := strings.Cut(backendPath, "->")
		if readAt == "" {
			readAt = to
		}
		var protocols []string
		for _, m := range ticked.FindAllStringSubmatch(exporter, -1) {
			if _, ok := generators.LookupProtocol(m[1]); ok {
				protocols = append(protocols, m[1])
			}
		}
		Expect(protocols).NotTo(BeEmpty(), "row %q names its protocols in backticks", line)
		for _, s := range signals {
			for _, p := range protocols {
				out = append(out, path{strings.TrimSpace(s), p, to, readAt})
			}
		}
	}
	Expect(out).NotTo(BeEmpty())
	return out
}

// registryPaths are the paths the registered kinds' descriptions allow.
func registryPaths() []path {
	var out []path
	for _, k := range all.Kinds() {
		d := k.Describe()
		for _, s := range generators.Signals {
			for _, p := range d.Receives[s] {
				if d.GivesBack(backend.Spec{Type: d.Type}, s) {
					out = append(out, path{string(s), p, d.Type, d.Type})
				}
				if !d.Forwarder {
					continue
				}
				for _, t := range all.Kinds() {
					if td := t.Describe(); td.Forwards(s) && td.GivesBack(backend.Spec{Type: td.Type}, s) {
						out = append(out, path{string(s), p, d.Type, td.Type})
					}
				}
			}
		}
	}
	return out
}

var _ = Describe("the README's table of supported paths", func() {
	It("claims exactly the paths the registered backends and protocols allow", func() {
		claimed, allowed := readmePaths(), registryPaths()
		var unsupported, missing []path
		for _, p := range claimed {
			if !slices.Contains(allowed, p) {
				unsupported = append(unsupported, p)
			}
		}
		for _, p := range allowed {
			if !slices.Contains(claimed, p) {
				missing = append(missing, p)
			}
		}
		Expect(unsupported).To(BeEmpty(), "rows the registry does not allow")
		Expect(missing).To(BeEmpty(), "paths the registry allows that no row shows")
	})
})
