package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/perf/benchmath"
)

// Bench is the outcome of a sweep (otelbench bench): every replicate of every configuration, each run alone,
// and the verdict.
type Bench struct {
	SchemaVersion int       `json:"schema_version"`
	Scenario      string    `json:"scenario"`
	Exporter      string    `json:"exporter"` // the swept exporter
	Started       time.Time `json:"started"`
	DurationS     float64   `json:"duration_s"`
	WarmupS       float64   `json:"warmup_s"`
	Alpha         float64   `json:"alpha"`
	// MinEffect is the smallest change against the best called significant (a fraction): a difference the test
	// is sure of but smaller than this matters to no one (Datadog's SMP uses an effect-size tolerance likewise).
	MinEffect   float64 `json:"min_effect"`
	Interrupted bool    `json:"interrupted,omitempty"`
	// Replicates are the runs in the order they ran.
	Replicates []Replicate `json:"replicates"`
	// Configurations are ranked, best first, by median delivered throughput.
	Configurations []ConfigResult `json:"configurations"`
}

// Replicate is one run of one configuration.
type Replicate struct {
	Config    string    `json:"config"`
	Replicate int       `json:"replicate"` // 1-based, per configuration
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	// Streams is how many streams the run sent: 1 per workload of the swept exporter, and nothing else, so the
	// configuration ran alone.
	Streams int `json:"streams"`
	// ThroughputPerS is items delivered per second after the warm-up (exported successfully, and verified).
	ThroughputPerS   float64 `json:"throughput_per_s"`
	ExportP99Ms      float64 `json:"export_p99_ms"`
	VisibilityP99Ms  float64 `json:"visibility_p99_ms"`
	BytesPerItem     float64 `json:"bytes_per_item"`
	Sent             int64   `json:"sent"`
	Verified         int64   `json:"verified"`
	DroppedInSDK     int64   `json:"dropped_in_sdk"`
	OtelbenchCPUPerM float64 `json:"otelbench_cpu_s_per_million"`
	BackendCPUPerM   float64 `json:"backend_cpu_s_per_million"`
	Passed           bool    `json:"passed"`
	Error            string  `json:"error,omitempty"`
}

// ConfigResult is a configuration's verdict: its throughput's median with a 95% confidence interval, how it
// compares with the best one, and whether its replicates agree.
type ConfigResult struct {
	Config     string  `json:"config"`
	Rank       int     `json:"rank"`
	N          int     `json:"n"`
	Median     float64 `json:"median_throughput_per_s"`
	Lo         float64 `json:"ci_lo"`
	Hi         float64 `json:"ci_hi"`
	Confidence float64 `json:"confidence"`
	// VsBest is the change of the median against the best configuration's, and P the Mann-Whitney U test's
	// p-value (benchmath, as benchstat computes it); Significant when P < Alpha.
	VsBest      float64 `json:"vs_best"`
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
	// Erratic: the replicates spread more than 10% of the median, so the ranking means little.
	Erratic bool `json:"erratic"`
	// MedianExportP99Ms and the CPU figures are medians over the replicates.
	MedianExportP99Ms      float64 `json:"median_export_p99_ms"`
	MedianBytesPerItem     float64 `json:"median_bytes_per_item"`
	MedianOtelbenchCPUPerM float64 `json:"median_otelbench_cpu_s_per_million"`
	MedianBackendCPUPerM   float64 `json:"median_backend_cpu_s_per_million"`
	// Failed counts replicates whose items were not all verified: their throughput does not count.
	Failed int `json:"failed_replicates"`
}

// DefaultMinEffect is Bench.MinEffect unless set: 1% of the best configuration's throughput.
const DefaultMinEffect = 0.01

// Judge ranks the configurations by their replicates (names in the order they were defined).
func (b *Bench) Judge(configs []string) {
	if b.MinEffect == 0 {
		b.MinEffect = DefaultMinEffect
	}
	b.Configurations = nil
	for _, c := range configs {
		var tput, p99, bpi, ocpu, bcpu []float64
		r := ConfigResult{Config: c}
		for _, rep := range b.Replicates {
			if rep.Config != c {
				continue
			}
			if !rep.Passed {
				r.Failed++
				continue
			}
			tput = append(tput, rep.ThroughputPerS)
			p99 = append(p99, rep.ExportP99Ms)
			bpi = append(bpi, rep.BytesPerItem)
			ocpu = append(ocpu, rep.OtelbenchCPUPerM)
			bcpu = append(bcpu, rep.BackendCPUPerM)
		}
		r.N = len(tput)
		if r.N > 0 {
			s := benchmath.NewSample(slices.Sorted(slices.Values(tput)), &benchmath.DefaultThresholds)
			sum := benchmath.AssumeNothing.Summary(s, 0.95)
			lo, hi := slices.Min(tput), slices.Max(tput)
			if math.IsInf(sum.Lo, 0) || math.IsNaN(sum.Lo) || math.IsInf(sum.Hi, 0) || math.IsNaN(sum.Hi) {
				// Too few replicates for the interval at 95%: the range of what was measured stands in.
				sum.Lo, sum.Hi, sum.Confidence = lo, hi, 0
			}
			r.Median, r.Lo, r.Hi, r.Confidence = round(sum.Center), round(sum.Lo), round(sum.Hi), sum.Confidence
			r.Erratic = r.Median > 0 && (hi-lo)/r.Median > 0.10
			r.MedianExportP99Ms, r.MedianBytesPerItem = medianOf(p99), medianOf(bpi)
			r.MedianOtelbenchCPUPerM, r.MedianBackendCPUPerM = medianOf(ocpu), medianOf(bcpu)
		}
		b.Configurations = append(b.Configurations, r)
	}
	slices.SortStableFunc(b.Configurations, func(x, y ConfigResult) int {
		switch {
		case x.Median > y.Median:
			return -1
		case x.Median < y.Median:
			return 1
		}
		return 0
	})
	if len(b.Configurations) == 0 {
		return
	}
	best := b.Configurations[0]
	bestSample := b.sample(best.Config)
	for i := range b.Configurations {
		c := &b.Configurations[i]
		c.Rank = i + 1
		c.P = 1
		if best.Median > 0 {
			c.VsBest = round(1000*(c.Median-best.Median)/best.Median) / 1000
		}
		if i == 0 || len(bestSample) < 2 {
			continue
		}
		s := b.sample(c.Config)
		if len(s) < 2 {
			continue
		}
		th := benchmath.Thresholds{CompareAlpha: b.Alpha}
		cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(bestSample, &th), benchmath.NewSample(s, &th))
		c.P = cmp.P
		c.Significant = cmp.P < b.Alpha && math.Abs(c.VsBest) >= b.MinEffect
	}
}

// sample is a configuration's throughput over its verified replicates, sorted.
func (b *Bench) sample(config string) []float64 {
	var out []float64
	for _, r := range b.Replicates {
		if r.Config == config && r.Passed {
			out = append(out, r.ThroughputPerS)
		}
	}
	slices.Sort(out)
	return out
}

func medianOf(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return math.Round(median(s)*1000) / 1000
}

// WriteFiles writes bench.json, bench.md, bench.txt (benchstat's format) and bench.html into dir.
func (b *Bench) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for name, write := range map[string]func(io.Writer) error{
		"bench.json": b.WriteJSON, "bench.md": b.WriteMarkdown, "bench.txt": b.WriteBenchstat, "bench.html": b.WriteHTML,
	} {
		path := filepath.Join(dir, name)
		if err := writeFile(path, write); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	slices.Sort(paths)
	return paths, nil
}

// WriteJSON writes b as indented JSON.
func (b *Bench) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// WriteText writes the ranking as a table.
func (b *Bench) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rank\tconfiguration\tn\titems/s (median)\t95% CI\tvs best\tp\texport p99 ms\tbytes/item\totelbench CPU s/M\tbackend CPU s/M\t\t")
	for _, c := range b.Configurations {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.0f\t%s\t%s\t%s\t%.2f\t%.0f\t%.2f\t%.2f\t%s\t\n", c.Rank, c.Config, c.N, c.Median, ci(c),
			vsBest(c), pValue(c), c.MedianExportP99Ms, c.MedianBytesPerItem, c.MedianOtelbenchCPUPerM, c.MedianBackendCPUPerM, flags(c))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "each configuration ran alone, %d runs in random order; p: Mann-Whitney U against the best; ~: not significant (p >= %g, or less than %g%% apart)\n",
		len(b.Replicates), b.Alpha, 100*b.MinEffect)
	return err
}

func ci(c ConfigResult) string {
	if c.N < 2 {
		return "-"
	}
	return fmt.Sprintf("%.0f..%.0f", c.Lo, c.Hi)
}

func vsBest(c ConfigResult) string {
	if c.Rank == 1 {
		return "best"
	}
	if !c.Significant {
		return fmt.Sprintf("~ %+.1f%%", 100*c.VsBest)
	}
	return fmt.Sprintf("%+.1f%%", 100*c.VsBest)
}

func pValue(c ConfigResult) string {
	if c.Rank == 1 {
		return "-"
	}
	return fmt.Sprintf("%.3f", c.P)
}

func flags(c ConfigResult) string {
	var f []string
	if c.Erratic {
		f = append(f, "erratic")
	}
	if c.Failed > 0 {
		f = append(f, fmt.Sprintf("%d replicate(s) not verified", c.Failed))
	}
	return strings.Join(f, ", ")
}

// WriteMarkdown writes the ranking and the replicates as Markdown.
func (b *Bench) WriteMarkdown(w io.Writer) error {
	var s strings.Builder
	fmt.Fprintf(&s, "## otelbench bench: %s, exporter %s\n\n%d runs, each configuration alone, in random order; warm-up %.1f s left out; %.0f s in all\n\n",
		b.Scenario, b.Exporter, len(b.Replicates), b.WarmupS, b.DurationS)
	s.WriteString("| rank | configuration | n | items/s (median) | 95% CI | vs best | p | export p99 ms | bytes/item | otelbench CPU s/M | backend CPU s/M | |\n")
	s.WriteString("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, c := range b.Configurations {
		fmt.Fprintf(&s, "| %d | `%s` | %d | %.0f | %s | %s | %s | %.2f | %.0f | %.2f | %.2f | %s |\n", c.Rank, c.Config, c.N, c.Median, ci(c),
			vsBest(c), pValue(c), c.MedianExportP99Ms, c.MedianBytesPerItem, c.MedianOtelbenchCPUPerM, c.MedianBackendCPUPerM, flags(c))
	}
	fmt.Fprintf(&s, "\np: Mann-Whitney U test against the best configuration (golang.org/x/perf/benchmath); ~: not significant (p >= %g, or less than %g%% apart).\n", b.Alpha, 100*b.MinEffect)
	_, err := io.WriteString(w, s.String())
	return err
}

// WriteBenchstat writes every replicate in the Go benchmark format, so that benchstat reads it
// ("benchstat bench.txt", or two files to compare sweeps).
func (b *Bench) WriteBenchstat(w io.Writer) error {
	var s strings.Builder
	fmt.Fprintf(&s, "goos: linux\npkg: otelbench/%s\n", b.Scenario)
	for _, r := range b.Replicates {
		if !r.Passed {
			continue
		}
		name := strings.NewReplacer(",", "/", "=", "=").Replace(r.Config)
		fmt.Fprintf(&s, "BenchmarkExport/%s/%s 1 %.1f items/s %.3f ms-p99-export %.1f B/item %.3f cpu-s/Mitems\n",
			b.Exporter, name, r.ThroughputPerS, r.ExportP99Ms, r.BytesPerItem, r.OtelbenchCPUPerM)
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// WriteHTML writes one self-contained page: the ranking and a chart of each configuration's median throughput
// with its confidence interval and every replicate.
func (b *Bench) WriteHTML(w io.Writer) error {
	var md strings.Builder
	if err := b.WriteText(&md); err != nil {
		return err
	}
	return benchPage.Execute(w, struct {
		B     *Bench
		Table string
		Chart template.HTML
	}{b, md.String(), b.chart()})
}

var benchPage = template.Must(template.New("bench").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>otelbench bench {{.B.Scenario}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em}svg{background:#fafafa;border:1px solid #ddd}</style>
</head><body><h1>otelbench bench: {{.B.Scenario}}, exporter {{.B.Exporter}}</h1>
<figure><figcaption>Delivered items per second: median (bar), 95% confidence interval (whisker), replicates (dots)</figcaption>{{.Chart}}</figure>
<pre>{{.Table}}</pre></body></html>
`))

func (b *Bench) chart() template.HTML {
	const rowH, label, width = 28.0, 320.0, 900.0
	maxV := 1.0
	for _, r := range b.Replicates {
		maxV = math.Max(maxV, r.ThroughputPerS)
	}
	for _, c := range b.Configurations {
		maxV = math.Max(maxV, c.Hi)
	}
	scale := func(v float64) float64 { return label + (width-label-40)*v/maxV }
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img">`, width, float64(len(b.Configurations))*rowH+30)
	for i, c := range b.Configurations {
		y := 10 + float64(i)*rowH
		color := palette[i%len(palette)]
		fmt.Fprintf(&s, `<text x="4" y="%.0f" font-size="12">%s</text>`, y+14, esc(c.Config))
		fmt.Fprintf(&s, `<rect x="%.0f" y="%.0f" width="%.1f" height="16" fill="%s" opacity="0.6"/>`, label, y, math.Max(scale(c.Median)-label, 1), color)
		if c.N >= 2 {
			fmt.Fprintf(&s, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#000" stroke-width="2"/>`, scale(c.Lo), y+8, scale(c.Hi), y+8)
		}
		for _, r := range b.Replicates {
			if r.Config == c.Config && r.Passed {
				fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.0f" r="3" fill="#000"/>`, scale(r.ThroughputPerS), y+8)
			}
		}
		fmt.Fprintf(&s, `<text x="%.1f" y="%.0f" font-size="11">%.0f/s</text>`, scale(math.Max(c.Median, c.Hi))+6, y+12, c.Median)
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // #nosec G203 -- built here, every text escaped
}

func round(v float64) float64 { return math.Round(v*10) / 10 }

// ReadBench reads a bench.json and judges it again (names in the order they first ran).
func ReadBench(path string) (*Bench, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Bench
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("not a bench.json: %w", err)
	}
	var names []string
	for _, r := range b.Replicates {
		if !slices.Contains(names, r.Config) {
			names = append(names, r.Config)
		}
	}
	b.Judge(names)
	return &b, nil
}
