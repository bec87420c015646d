package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/otelbench/otelbench/containers/all"
)

// results is everything one make bench measured (bench.json); PERFORMANCE.md is rendered from it alone.
type results struct {
	Environment environment `json:"environment"`
	Started     string      `json:"started"`
	Duration    string      `json:"duration"`
	Probe       string      `json:"probe"`
	Rounds      int         `json:"rounds"`
	Quick       bool        `json:"quick,omitempty"`
	Interrupted bool        `json:"interrupted,omitempty"`
	// RefLoop is the plain loop's best configuration per sink, from Calibration (its runs).
	RefLoop     map[string]refConfig `json:"ref_loop"`
	Calibration []sample             `json:"calibration"`
	// Rates is the highest rate each paced sender sustains, per "sink/sender", spans/s; Probes are the searches'
	// runs.
	Rates    map[string]float64 `json:"max_sustainable_rate"`
	Probes   []sample           `json:"probes"`
	Samples  []sample           `json:"samples"`
	Accuracy []accuracy         `json:"rate_accuracy,omitempty"`
	Micro    []micro            `json:"micro,omitempty"`
	Targets  []target           `json:"targets,omitempty"`
	// Profiles holds, per missed target, the top of otelbench's CPU profile in the run that explains it.
	Profiles map[string]profile `json:"profiles,omitempty"`
}

// environment is what was measured where.
type environment struct {
	Commit    string            `json:"commit"`
	Dirty     bool              `json:"dirty"`
	GoVersion string            `json:"go_version"`
	Machine   string            `json:"machine"`
	Backends  map[string]string `json:"backends"`
}

// accuracy is otelbench's achieved rate at a fixed target, into the counting sink.
type accuracy struct {
	Target    float64 `json:"target_per_s"`
	Achieved  float64 `json:"achieved_per_s"`
	Delivered float64 `json:"delivered_per_s"`
	Passed    bool    `json:"passed"`
}

// micro is one Go micro-benchmark's result (go test -bench -benchmem).
type micro struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

func newResults(cfg config) *results {
	return &results{Environment: currentEnvironment(), Duration: cfg.duration.String(), Probe: cfg.probe.String(), Rounds: cfg.rounds,
		Quick: cfg.quick, Rates: map[string]float64{}, RefLoop: map[string]refConfig{}, Started: time.Now().UTC().Format(time.RFC3339)}
}

// currentEnvironment reads the commit measured from git (the tree make bench runs in; dirty when a tracked file
// other than the page itself differs from it), the Go version, the machine, and the backends' versions.
func currentEnvironment() environment {
	env := environment{GoVersion: runtime.Version(), Machine: machine(), Backends: map[string]string{}}
	if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		env.Commit = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line != "" && !strings.HasSuffix(line, "PERFORMANCE.md") {
				env.Dirty = true
			}
		}
	}
	for _, b := range []string{"jaeger", "collector"} {
		if img, ok := all.ImageFor(b); ok {
			env.Backends[b] = img.Version
		}
	}
	return env
}

func machine() string {
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(data), "\n", 2)[0]); len(f) >= 2 {
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				mem = fmt.Sprintf(", %.0f GiB", kb/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

// readMicro reads go test -bench output (golang.org/x/perf/benchfmt, benchstat's reader): each benchmark's
// ns/op, B/op and allocs/op as printed.
func readMicro(path string) ([]micro, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []micro
	r := benchfmt.NewReader(f, path)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base, _ := res.Name.Parts()
		m := micro{Name: "Benchmark" + strings.TrimSuffix(string(base), "-"+strconv.Itoa(runtime.GOMAXPROCS(0)))}
		for _, v := range res.Values {
			unit, value := v.Unit, v.Value
			if v.OrigUnit != "" { // benchfmt turns ns/op into sec/op and keeps what was printed
				unit, value = v.OrigUnit, v.OrigValue
			}
			switch unit {
			case "ns/op":
				m.NsPerOp = value
			case "B/op":
				m.BytesPerOp = value
			case "allocs/op":
				m.AllocsPerOp = value
			}
		}
		out = append(out, m)
	}
	return out, r.Err()
}

// stat is a median with the spread of the replicates.
type stat struct{ median, min, max float64 }

func statOf(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Sorted(slices.Values(xs))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{median: m, min: s[0], max: s[len(s)-1]}
}

func (r *results) of(sink, sender string, f func(sample) float64) stat {
	var xs []float64
	for _, s := range r.Samples {
		if s.Sink == sink && s.Sender == sender {
			xs = append(xs, f(s))
		}
	}
	return statOf(xs)
}

func delivered(s sample) float64 {
	if s.Seconds == 0 {
		return 0
	}
	return float64(s.Delivered) / s.Seconds
}

func cpuPerM(s sample) float64 {
	if s.Delivered == 0 {
		return 0
	}
	return s.CPUSeconds / float64(s.Delivered) * 1e6
}

// sinks are the sinks measured, in the order they ran.
func (r *results) sinks() []string {
	var out []string
	for _, s := range r.Samples {
		if !slices.Contains(out, s.Sink) {
			out = append(out, s.Sink)
		}
	}
	return out
}

// row is one line of the comparison table.
type row struct {
	Sink, Sender, Config, Target                string
	Median, Min, Max, Claims, Dropped, CPU, RSS float64
	VsPlain, VsTelemetrygen, VsRaw              string
}

// rows is the comparison table: per sink and sender, medians over the rounds with their spread, and ratios.
func (r *results) rows() []row {
	var out []row
	for _, sink := range r.sinks() {
		plain := r.of(sink, senderPlain, delivered).median
		tg := r.of(sink, senderTelemetrygen, delivered).median
		raw := r.of(sink, senderRaw, delivered).median
		for _, sender := range senders {
			d := r.of(sink, sender, delivered)
			if d.max == 0 {
				continue
			}
			rw := row{Sink: sink, Sender: sender, Target: "-", Median: d.median, Min: d.min, Max: d.max,
				Claims:  r.of(sink, sender, func(s sample) float64 { return float64(s.Claimed) / s.Seconds }).median,
				Dropped: r.of(sink, sender, func(s sample) float64 { return float64(s.Dropped) }).median,
				CPU:     r.of(sink, sender, cpuPerM).median,
				RSS:     r.of(sink, sender, func(s sample) float64 { return s.PeakRSSMB }).max,
				VsPlain: ratio(d.median, plain), VsTelemetrygen: ratio(d.median, tg), VsRaw: ratio(d.median, raw)}
			if rate, ok := r.Rates[sink+"/"+sender]; ok {
				rw.Target = fmt.Sprintf("%.0f", rate)
			}
			for _, s := range r.Samples {
				if s.Sink == sink && s.Sender == sender {
					rw.Config = s.Config
					break
				}
			}
			out = append(out, rw)
		}
	}
	return out
}

// write prints the comparison table and the targets.
func (r *results) write(w io.Writer) {
	fmt.Fprintf(w, "make bench: %s; %d rounds of %s per sender, each against a fresh sink; 10-span traces, OTLP gRPC, batch %d, queue %d\n\n",
		r.Environment.Machine, r.Rounds, r.Duration, benchBatch, benchQueue)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sink\tsender\ttarget/s\tdelivered/s median\tmin-max\tclaims/s\tdropped\tCPU s per M\tpeak RSS MB\tvs raw\tvs plain\tvs telemetrygen\t")
	for _, x := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f-%.0f\t%.0f\t%.0f\t%.2f\t%.0f\t%s\t%s\t%s\t\n", x.Sink, x.Sender, x.Target, x.Median, x.Min, x.Max,
			x.Claims, x.Dropped, x.CPU, x.RSS, x.VsRaw, x.VsPlain, x.VsTelemetrygen)
	}
	_ = tw.Flush()
	for _, t := range r.Targets {
		fmt.Fprintf(w, "target %s: %s (%s)\n", t.Name, t.Verdict(), t.Measured)
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func (r *results) save(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func load(path string) (*results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a make bench bench.json: %w", path, err)
	}
	return &r, nil
}
