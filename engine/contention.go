package engine

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// contentionLimit is how much CPU others may take while a replicate runs before it is flagged: a quarter of a core
// on average (what dockerd answering the usage sampler costs stays well below it), or 5% stolen by the hypervisor.
const (
	contentionCores = 0.25
	contentionSteal = 5.0
)

// machineCPU is a snapshot of the whole machine's CPU time (/proc/stat, in clock ticks) and of this process's.
type machineCPU struct {
	at                 time.Time
	busy, steal, total float64 // seconds, all CPUs together
	own                float64 // this process, seconds
	ok                 bool
}

// userHZ is the kernel's USER_HZ, the unit of /proc/stat: 100 on every Linux architecture Go runs on.
const userHZ = 100.0

func readMachineCPU() machineCPU {
	m := machineCPU{at: time.Now(), own: processCPU()}
	f, err := os.Open("/proc/stat")
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return m
	}
	fields := strings.Fields(sc.Text()) // cpu user nice system idle iowait irq softirq steal guest guest_nice
	if len(fields) < 9 || fields[0] != "cpu" {
		return m
	}
	var v [8]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(fields[i+1], 64)
	}
	idle := v[3] + v[4]
	for _, x := range v {
		m.total += x
	}
	m.steal = v[7]
	m.busy = m.total - idle - m.steal
	m.busy, m.steal, m.total = m.busy/userHZ, m.steal/userHZ, m.total/userHZ
	m.ok = true
	return m
}

// contention is what others took between two snapshots: the CPU the machine spent that neither this process
// nor its backends (backendCPU seconds, from Docker) account for, in cores on average, and the share stolen.
func contention(from, to machineCPU, backendCPU float64) (otherCores, stealPct float64, contended bool) {
	wall := to.at.Sub(from.at).Seconds()
	if !from.ok || !to.ok || wall <= 0 {
		return 0, 0, false
	}
	other := (to.busy - from.busy) - (to.own - from.own) - backendCPU
	otherCores = max(other, 0) / wall
	if total := to.total - from.total; total > 0 {
		stealPct = 100 * (to.steal - from.steal) / total
	}
	return otherCores, stealPct, otherCores > contentionCores || stealPct > contentionSteal
}
