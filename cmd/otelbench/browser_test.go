package main_test

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// consoleLine is a console message or a failed load Chromium logs for the page (--enable-logging=stderr).
var consoleLine = regexp.MustCompile(`:CONSOLE[:(]\d+\)?\]|Uncaught |Failed to load resource`)

// expectRenders opens page in headless Chromium (Debian's chromium package, which make test installs) and
// expects no console output and a screenshot that is not blank.
func expectRenders(ctx context.Context, page string) {
	GinkgoHelper()
	browser, err := exec.LookPath("chromium")
	Expect(err).NotTo(HaveOccurred(), "Debian's chromium package: make test installs it (reports/browser.sh)")
	dir := GinkgoT().TempDir()
	shot := filepath.Join(dir, "shot.png")
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(cctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--window-size=1200,1400", "--screenshot="+shot, "file://"+page).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	for _, line := range strings.Split(string(out), "\n") {
		Expect(consoleLine.MatchString(line)).To(BeFalse(), "the page logged: %s", line)
	}
	f, err := os.Open(shot)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	img, err := png.Decode(f)
	Expect(err).NotTo(HaveOccurred())
	b, colored := img.Bounds(), 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			// A chart colour: saturated, unlike the page's greys.
			hi, lo := max(r, g, bl)>>8, min(r, g, bl)>>8
			if hi-lo > 60 {
				colored++
			}
		}
	}
	Expect(colored).To(BeNumerically(">", 2000), "the charts drew nothing")
}
