package engine

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/otelbench/otelbench/scenarios"
)

// Backends keep what they receive in memory, sized for the run (plan.jaegerTraces, plan.zipkinSpans). A run whose
// backends would need more memory than the machine has is refused before anything starts: the alternative is a
// backend killed by the kernel or dying of OutOfMemoryError halfway, and everything it held read as lost.

// memoryShare is the part of the available memory the started backends may take together; the rest is left to
// otelbench itself (which keeps no copy of what it sends) and to the machine.
const memoryShare = 0.8

// footprint is what one started backend is expected to take from the machine.
type footprint struct {
	index int // in sc.Backends
	bytes int64
	what  string // what it holds, for the error message
}

// footprints estimates the memory of every backend the run starts (external and console backends take none): what
// its kind says for the load the run sends it, or backend.DefaultFootprint.
func (p *plan) footprints(sc *scenarios.Scenario) []footprint {
	var out []footprint
	for i, n := range p.top.Backends {
		b, d := n.Backend, n.Description
		if d == nil || d.NotStarted || b.IsExternal() {
			continue
		}
		f := footprint{index: i, what: b.Type}
		f.bytes, f.what = d.MemoryFor(n.Spec, p.load(b.Name))
		if f.what == "" {
			f.what = b.Type
		}
		out = append(out, f)
	}
	return out
}

// checkMemory refuses the run when its backends together would need more than memoryShare of available bytes.
// The error stands at the backend that needs the most. available <= 0 means unknown: nothing is refused.
func checkMemory(sc *scenarios.Scenario, p *plan, available int64) error {
	if available <= 0 {
		return nil
	}
	fps := p.footprints(sc)
	var total int64
	biggest := -1
	for i, f := range fps {
		total += f.bytes
		if biggest < 0 || f.bytes > fps[biggest].bytes {
			biggest = i
		}
	}
	if biggest < 0 || float64(total) <= memoryShare*float64(available) {
		return nil
	}
	f := fps[biggest]
	b := sc.Backends[f.index]
	return scenarios.Errors{sc.ErrorAt(fmt.Sprintf("backends[%d]", f.index),
		"backend %q would hold %s, about %s, and the run's backends together about %s, but this machine has %s "+
			"of memory available (the backends may take %.0f%%); expected a lower rate, a shorter duration, or "+
			"fewer or smaller attributes",
		b.Name, f.what, gib(f.bytes), gib(total), gib(available), memoryShare*100)}
}

func gib(n int64) string { return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)) }

// availableMemory is MemAvailable from /proc/meminfo in bytes, or 0 when it cannot be read. Containers run on this
// machine (host networking), so this is the memory they share.
func availableMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
