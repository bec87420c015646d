package engine

import (
	"context"
	"math"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/reports"
)

// usageSampler follows the resource usage of the containers a run started, once a second: CPU time from the
// first sample to the last, and the most memory seen; and the sending queues of the collectors it started, the
// most requests each exporter's queue held (otelcol_exporter_queue_size, a gauge the end of the run cannot see).
type usageSampler struct {
	reader *containers.UsageReader
	ids    map[string]string // backend name -> container ID
	types  map[string]string
	first  map[string]float64
	last   map[string]float64
	peak   map[string]uint64
	// queues are the started collectors by name; queueMax the most each exporter's queue held, by
	// "backend|exporter".
	queues   map[string]containers.Witnessing
	queueMax map[string]int64
}

// queueSizeKey is the witness key prefix of an exporter's sending queue size (collector.Stats).
const queueSizeKey = "otelcol_exporter_queue_size{exporter="

// queueHighWater is the most requests the sending queue of collector backend's exporter held when sampled; false
// when it was never sampled.
func (u *usageSampler) queueHighWater(backend, exporter string) (int64, bool) {
	if u == nil {
		return 0, false
	}
	n, ok := u.queueMax[backend+"|"+exporter]
	return n, ok
}

func newUsageSampler(ctx context.Context, live map[string]*liveBackend) *usageSampler {
	u := &usageSampler{ids: map[string]string{}, types: map[string]string{}, first: map[string]float64{}, last: map[string]float64{}, peak: map[string]uint64{},
		queues: map[string]containers.Witnessing{}, queueMax: map[string]int64{}}
	for name, lb := range live {
		if w, ok := lb.Live.(containers.Witnessing); ok && lb.started && lb.forwarder() && lb.metricsURL() != "" {
			u.queues[name] = w
		}
		c, ok := lb.Live.(interface{ ContainerID() string })
		if !ok || !lb.started {
			continue
		}
		if id := c.ContainerID(); id != "" {
			u.ids[name], u.types[name] = id, lb.typ
		}
	}
	if len(u.ids) == 0 {
		return u
	}
	if r, err := containers.NewUsageReader(ctx); err == nil {
		u.reader = r
	}
	return u
}

func (u *usageSampler) sample(ctx context.Context) {
	for name, w := range u.queues {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		got, err := w.Witness(sctx) // fails while the collector is down (faults): nothing queued to see then
		cancel()
		for k, v := range got {
			if exporter, ok := strings.CutPrefix(k, queueSizeKey); ok && err == nil {
				key := name + "|" + strings.TrimSuffix(exporter, "}")
				u.queueMax[key] = max(u.queueMax[key], int64(v))
			}
		}
	}
	if u.reader == nil {
		return
	}
	for name, id := range u.ids {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err := u.reader.Read(sctx, id)
		cancel()
		if err != nil {
			continue
		}
		if _, ok := u.first[name]; !ok {
			u.first[name] = got.CPUSeconds
		}
		u.last[name] = got.CPUSeconds
		u.peak[name] = max(u.peak[name], got.MemoryBytes)
	}
}

// report is every sampled backend's usage, by name.
func (u *usageSampler) report() []reports.BackendUsage {
	var out []reports.BackendUsage
	for name := range u.last {
		out = append(out, reports.BackendUsage{Name: name, Type: u.types[name], Usage: reports.Usage{
			CPUSeconds: round3(u.last[name] - u.first[name]), PeakMemoryMB: round3(float64(u.peak[name]) / (1 << 20)),
		}})
	}
	slices.SortFunc(out, func(a, b reports.BackendUsage) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return out
}

func (u *usageSampler) close() {
	if u.reader != nil {
		_ = u.reader.Close()
	}
}

// ownUsage is the CPU time and peak resident memory of the otelbench process so far (the whole process: a
// program that runs more than otelbench counts its own work too).
func ownUsage() *reports.Usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nil
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return &reports.Usage{CPUSeconds: round3(cpu.Seconds()), PeakMemoryMB: round3(float64(ru.Maxrss) / 1024)}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
