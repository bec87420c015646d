package otelbench_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// pages are the documentation's Markdown pages: the README, PERFORMANCE.md and docs/.
func pages() []string {
	GinkgoHelper()
	docs, err := filepath.Glob("docs/*.md")
	Expect(err).NotTo(HaveOccurred())
	Expect(docs).NotTo(BeEmpty())
	return append([]string{"README.md", "PERFORMANCE.md"}, docs...)
}

var (
	fence   = regexp.MustCompile("(?ms)^```.*?^```")
	heading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	link    = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)\)`)
)

// anchors are the fragment IDs GitHub gives a page's headings: lower case, punctuation but - and _ dropped,
// spaces as -, a repeated one suffixed -1, -2, ...
func anchors(text string) map[string]bool {
	out, seen := map[string]bool{}, map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(text, ""), -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(m[1])) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n, ok := seen[a]; ok {
			seen[a] = n + 1
			a += "-" + string(rune('0'+n+1))
		} else {
			seen[a] = 0
		}
		out[a] = true
	}
	return out
}

var _ = Describe("the documentation", func() {
	It("keeps the README a door: under 20 KB, every page of docs/ linked from it", func() {
		data, err := os.ReadFile("README.md")
		Expect(err).NotTo(HaveOccurred())
		Expect(len(data)).To(BeNumerically("<", 20*1024), "README.md is %d bytes", len(data))
		for _, p := range pages()[2:] {
			Expect(string(data)).To(ContainSubstring("]("+p+")"), "the README links %s", p)
		}
	})

	It("has no broken relative link: every file and heading linked exists", func() {
		var broken []string
		for _, page := range pages() {
			data, err := os.ReadFile(page)
			Expect(err).NotTo(HaveOccurred())
			text := fence.ReplaceAllString(string(data), "")
			for _, m := range link.FindAllStringSubmatch(text, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, fragment, _ := strings.Cut(target, "#")
				file := page
				if path != "" {
					file = filepath.Join(filepath.Dir(page), path)
				}
				linked, err := os.ReadFile(file)
				if err != nil {
					broken = append(broken, page+": "+target+" (no such file)")
					continue
				}
				if fragment != "" && strings.HasSuffix(file, ".md") && !anchors(string(linked))[fragment] {
					broken = append(broken, page+": "+target+" (no such heading)")
				}
			}
		}
		Expect(broken).To(BeEmpty())
	})
})
