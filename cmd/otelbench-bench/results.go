package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// results is everything one make bench measured (bench.json).
type results struct {
	Machine  string `json:"machine"`
	Started  string `json:"started"`
	Duration string `json:"duration"`
	Rounds   int    `json:"rounds"`
	// Rates is otelbench's maximum sustainable rate per "sink/pipeline", spans/s.
	Rates    map[string]float64 `json:"max_sustainable_rate"`
	Samples  []sample           `json:"samples"`
	Probes   []sample           `json:"probes"`
	Accuracy []accuracy         `json:"rate_accuracy,omitempty"`
}

// accuracy is otelbench's achieved rate at a fixed target, into the counting sink.
type accuracy struct {
	Target    float64 `json:"target_per_s"`
	Achieved  float64 `json:"achieved_per_s"`
	Delivered float64 `json:"delivered_per_s"`
	Passed    bool    `json:"passed"`
}

func machine() string {
	host, _ := os.Hostname()
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs (%s), %s", host, runtime.NumCPU(), model, runtime.Version())
}

// stat is a median with the spread of the replicates.
type stat struct{ median, min, max float64 }

func statOf(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
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

func delivered(s sample) float64 { return float64(s.Delivered) / s.Seconds }

// write prints the comparison table: per sink and sender, medians over the rounds with their spread, and the
// ratios of otelbench to the plain loop and to telemetrygen.
func (r *results) write(w io.Writer) {
	fmt.Fprintf(w, "make bench: %s; %d rounds of %s per sender, each against a fresh sink; 10-span traces, OTLP gRPC, batch %d, queue %d\n\n",
		r.Machine, r.Rounds, r.Duration, benchBatch, benchQueue)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sink\tsender\ttarget/s\tdelivered/s median\tmin-max\tclaims/s\tdropped\tCPU s per M delivered\tpeak RSS MB\tvs plain\tvs telemetrygen\t")
	sinks := []string{}
	for _, s := range r.Samples {
		if !slices.Contains(sinks, s.Sink) {
			sinks = append(sinks, s.Sink)
		}
	}
	for _, sink := range sinks {
		plain := r.of(sink, "plain SDK loop", delivered).median
		tg := r.of(sink, "telemetrygen", delivered).median
		for _, sender := range senders {
			d := r.of(sink, sender, delivered)
			if d.median == 0 && d.max == 0 {
				continue
			}
			target := "-"
			if mode, ok := strings.CutPrefix(sender, "otelbench "); ok {
				target = fmt.Sprintf("%.0f", r.Rates[sink+"/"+mode])
			}
			claims := r.of(sink, sender, func(s sample) float64 { return float64(s.Claimed) / s.Seconds }).median
			dropped := r.of(sink, sender, func(s sample) float64 { return float64(s.Dropped) }).median
			cpu := r.of(sink, sender, func(s sample) float64 {
				if s.Delivered == 0 {
					return 0
				}
				return s.CPUSeconds / float64(s.Delivered) * 1e6
			}).median
			rss := r.of(sink, sender, func(s sample) float64 { return s.PeakRSSMB }).max
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f-%.0f\t%.0f\t%.0f\t%.2f\t%.0f\t%s\t%s\t\n", sink, sender, target,
				d.median, d.min, d.max, claims, dropped, cpu, rss, ratio(d.median, plain), ratio(d.median, tg))
		}
	}
	_ = tw.Flush()
	if len(r.Accuracy) > 0 {
		fmt.Fprintln(w, "\nrate accuracy (otelbench sdk into the counting sink):")
		atw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(atw, "target/s\tachieved/s\terror\tdelivered/s\tpassed\t")
		for _, a := range r.Accuracy {
			fmt.Fprintf(atw, "%.0f\t%.1f\t%+.2f%%\t%.0f\t%v\t\n", a.Target, a.Achieved, 100*(a.Achieved/a.Target-1), a.Delivered, a.Passed)
		}
		_ = atw.Flush()
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func (r *results) save(path string) error {
	r.Started = time.Now().UTC().Format(time.RFC3339)
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
