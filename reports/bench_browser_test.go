package reports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

// measureScript is added to a copy of bench.html: it measures, in the browser's own layout, what a reader would
// see go wrong, and writes it into the page for --dump-dom.
const measureScript = `<script>
const svg = document.querySelector("svg");
const vb = svg.viewBox.baseVal;
const rows = [...document.querySelectorAll("g.row")].map(g => {
  const label = g.querySelector("text.label").getBBox(), value = g.querySelector("text.value").getBBox();
  const bar = g.querySelector("rect.bar");
  return {labelRight: label.x + label.width, barLeft: bar ? bar.x.baseVal.value : null, valueRight: value.x + value.width};
});
const pre = document.createElement("pre");
pre.id = "measure";
pre.textContent = JSON.stringify({rows, viewBoxWidth: vb.width, pageWidth: document.documentElement.scrollWidth, windowWidth: window.innerWidth});
document.body.appendChild(pre);
</script></body>`

var _ = Describe("bench.html in a real browser", Label("browser"), func() {
	It("draws no configuration name over its bar, cuts no value off, and keeps the page within the window", func(ctx SpecContext) {
		browser, err := exec.LookPath("chromium")
		Expect(err).NotTo(HaveOccurred(), "Debian's chromium package: make test installs it (reports/browser.sh)")
		// The shipped exporter sweep's longest names, and one that sustained nothing.
		names := []string{"backend=jaeger,batch_size=2048,compression=gzip,protocol=otlp-http",
			"backend=sink,batch_size=512,compression=none,protocol=otlp-grpc", "backend=jaeger,batch_size=512,compression=gzip,protocol=otlp-grpc"}
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{
			names[0]: {100_000, 104_000, 98_000}, names[1]: {312_000, 300_100, 305_500}}, names[0], names[1])
		b.Replicates = append(b.Replicates, reports.Replicate{Config: names[2], Replicate: 1, Phase: reports.PhaseCapacity, Probes: nil, Error: "x"})
		b.Judge(names)
		var page bytes.Buffer
		Expect(b.WriteHTML(&page)).To(Succeed())
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "bench.html")
		Expect(os.WriteFile(path, []byte(strings.Replace(page.String(), "</body>", measureScript, 1)), 0o644)).To(Succeed())

		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1200,900", "--dump-dom", "file://"+path)
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		m := regexp.MustCompile(`<pre id="measure">(.*?)</pre>`).FindSubmatch(out)
		Expect(m).NotTo(BeNil(), "the page was not laid out: %s", out)
		var got struct {
			Rows []struct {
				LabelRight, ValueRight float64
				BarLeft                *float64
			}
			ViewBoxWidth, PageWidth, WindowWidth float64
		}
		Expect(json.Unmarshal([]byte(strings.ReplaceAll(string(m[1]), "&quot;", `"`)), &got)).To(Succeed())
		Expect(got.Rows).To(HaveLen(3))
		for i, r := range got.Rows {
			if r.BarLeft != nil {
				Expect(r.LabelRight).To(BeNumerically("<=", *r.BarLeft-2), "row %d: the name runs into the bar", i)
			}
			Expect(r.ValueRight).To(BeNumerically("<=", got.ViewBoxWidth), "row %d: the value label is cut off", i)
		}
		Expect(got.PageWidth).To(BeNumerically("<=", got.WindowWidth), "the page runs off the right edge")
	}, SpecTimeout(2*time.Minute))
})
