package main_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// consoleScenario sends traces to the console exporter: a run that needs no Docker.
const consoleScenario = `version: 1
name: live-console
duration: 4s
backends: [{name: out, type: console}]
exporters: [{name: stdout, protocol: console, backend: out}]
workloads: [{name: checkout, signal: traces, exporters: [stdout], rate: 200}]
`

var _ = Describe("live metrics flags", func() {
	DescribeTable("refuse what cannot work before anything starts, naming the flag (exit 2)",
		func(args []string, want string) {
			path := writeScenario(consoleScenario)
			s := otelbench(append([]string{"run", path}, args...)...)
			Eventually(s).Should(gexec.Exit(2))
			Expect(string(s.Err.Contents())).To(ContainSubstring(want))
		},
		Entry("an address that is not one", []string{"--metrics-addr", "nowhere"}, `--metrics-addr "nowhere"`),
		Entry("an OTLP endpoint that is no HTTP URL", []string{"--metrics-otlp", "127.0.0.1:4318"}, `--metrics-otlp "127.0.0.1:4318": expected an OTLP/HTTP URL`),
		Entry("a linger with nothing to serve", []string{"--metrics-linger", "5s"}, "--metrics-linger: keeps --metrics-addr serving"),
	)

	It("refuses an address in use", func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(l.Close)
		s := otelbench("run", writeScenario(consoleScenario), "--metrics-addr", l.Addr().String())
		Eventually(s).Should(gexec.Exit(2))
		Expect(string(s.Err.Contents())).To(ContainSubstring("--metrics-addr %q", l.Addr().String()))
	})

	It("serves a run's figures while it sends, and the report's when it is judged", func(ctx SpecContext) {
		addr, out := freeAddr(), GinkgoT().TempDir()
		s := otelbench("run", writeScenario(consoleScenario), "--metrics-addr", addr, "--metrics-linger", "30s", "--out", out)
		DeferCleanup(func() { s.Interrupt().Wait(10 * time.Second) })
		// metric is the value of the checkout row's series of name, as scraped now.
		metric := func(name string) func(context.Context) (float64, error) {
			re := regexp.MustCompile(`(?m)^` + name + `\{[^}]*workload="checkout"[^}]*\} (\S+)$`)
			return func(ctx context.Context) (float64, error) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, err
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				m := re.FindSubmatch(body)
				if m == nil {
					return 0, io.EOF
				}
				return strconv.ParseFloat(string(m[1]), 64)
			}
		}
		Eventually(metric("otelbench_items_emitted_total")).WithContext(ctx).Should(BeNumerically(">", 0))
		Expect(filepath.Join(out, "report.json")).NotTo(BeAnExistingFile(), "mid-run")
		Eventually(func() string { return filepath.Join(out, "report.json") }).WithContext(ctx).WithTimeout(time.Minute).Should(BeAnExistingFile())
		rep := readReport(out)
		Expect(rep.Exporters).To(HaveLen(1))
		Eventually(metric("otelbench_items_sent_total")).WithContext(ctx).Should(BeEquivalentTo(rep.Exporters[0].Sent))
		Expect(metric("otelbench_items_verified_total")(ctx)).To(BeEquivalentTo(rep.Exporters[0].Verified))
		Expect(metric("otelbench_export_calls_total")(ctx)).To(BeEquivalentTo(rep.Exporters[0].ExportCalls))
		Expect(metric("otelbench_export_duration_seconds_count")(ctx)).To(BeEquivalentTo(rep.Exporters[0].ExportLatencyMs.Count))
		Expect(metric("otelbench_row_passed")(ctx)).To(Equal(1.0))
	}, SpecTimeout(2*time.Minute))
})
