package reports_test

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// consoleProblem matches what Chromium logs (--enable-logging=stderr) for any console message of the page
// (`INFO:CONSOLE:1] "Uncaught Error: ..."`) and for a resource it failed to load: the page has no script, so any
// console output is a problem.
var consoleProblem = regexp.MustCompile(`:CONSOLE[:(]\d+\)?\]|Uncaught |Failed to load resource`)

var _ = Describe("report.html in a real browser", Label("browser"), func() {
	It("loads in headless Chromium without console errors, and its charts draw", func(ctx SpecContext) {
		browser, err := exec.LookPath("chromium")
		Expect(err).NotTo(HaveOccurred(), "Debian's chromium package: make test installs it (reports/browser.sh)")
		dir := GinkgoT().TempDir()
		_, err = sampleReport().WriteFiles(dir)
		Expect(err).NotTo(HaveOccurred())
		shot := filepath.Join(dir, "shot.png")
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
			"--window-size=1200,1400", "--screenshot="+shot, "file://"+filepath.Join(dir, "report.html"))
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		for _, line := range regexp.MustCompile("\n").Split(string(out), -1) {
			Expect(consoleProblem.MatchString(line)).To(BeFalse(), "the page logged: %s", line)
		}

		f, err := os.Open(shot)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		img, err := png.Decode(f)
		Expect(err).NotTo(HaveOccurred())
		// The charts' colours: the throughput line, the latency bars, the verified and lost parts.
		want := map[string][3]uint8{"throughput line": {0x00, 0x72, 0xB2}, "p90 bar": {0xE6, 0x9F, 0x00},
			"verified": {0x00, 0x9E, 0x73}, "dropped in the SDK": {0xD5, 0x5E, 0x00}}
		found := map[string]int{}
		nonBlank := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				px := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
				if px[0] < 240 || px[1] < 240 || px[2] < 240 {
					nonBlank++
				}
				for name, c := range want {
					if near(px, c) {
						found[name]++
					}
				}
			}
		}
		Expect(float64(nonBlank)/float64(b.Dx()*b.Dy())).To(BeNumerically(">", 0.03), "the page is mostly blank")
		for name := range want {
			Expect(found[name]).To(BeNumerically(">", 20), "no %s drawn", name)
		}
	}, SpecTimeout(2*time.Minute))
})

func near(a, b [3]uint8) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a[0], b[0]) < 12 && d(a[1], b[1]) < 12 && d(a[2], b[2]) < 12
}

var _ image.Image // image formats are registered by image/png
