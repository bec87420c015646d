// Package otelbench runs a scenario end to end: it starts the scenario's backends, generates telemetry through
// the OpenTelemetry Go SDK's exporters at the scheduled rate, reads every item back from the backends, and
// returns a report. The CLI (cmd/otelbench) is a thin layer over Run; Go tests can call Run directly.
package otelbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// Options tune a run. The zero value is usable.
type Options struct {
	// RunID labels the run's containers and is mixed into every generated ID; empty means a new random one.
	RunID string
	// Images says where backend images come from (see containers.ImagePolicy); empty means auto.
	Images containers.ImagePolicy
	// Observer, when set, is told about phases and given progress counters to display.
	Observer Observer
}

// Observer follows a run. Its methods are called from Run's goroutine and must not block.
type Observer interface {
	// Phase announces a step of the run ("start jaeger", "send", "verify", ...).
	Phase(msg string)
	// Track hands over a counter that advances until Done reports true.
	Track(p *Progress)
}

// Progress is a counter the observer may poll from any goroutine.
type Progress struct {
	// Name says what is counted ("send checkout/otlp-grpc").
	Name string
	// Unit names the items ("spans").
	Unit string
	// Current and Total return the count so far and the count expected (Total may grow while sending).
	Current, Total func() int64
	// Done reports whether the counter will not move any more.
	Done func() bool
}

// NewRunID returns a random run ID: 12 hex digits, short enough for container labels and terminals.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrInterrupted is returned when the run's context is cancelled (Ctrl-C); backends are terminated anyway.
var ErrInterrupted = errors.New("run interrupted")

// Run executes sc and returns its report. The report is complete when err is nil; report.Passed says whether every
// item was verified. Every backend Run starts is terminated before it returns, whatever happens.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (rep *reports.Report, err error) {
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	started := time.Now()
	plan, err := newPlan(sc, opts.RunID)
	if err != nil {
		return nil, err
	}

	// Backends.
	backends := map[string]backend{}
	defer func() {
		// Termination must happen even when ctx is cancelled (that is Ctrl-C): use a fresh, bounded context.
		if len(backends) == 0 {
			return
		}
		opts.Observer.Phase("stop backends")
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		var errs []error
		for name, b := range backends {
			if terr := b.Terminate(tctx); terr != nil {
				errs = append(errs, fmt.Errorf("terminate %s: %w", name, terr))
			}
		}
		if terr := errors.Join(errs...); terr != nil && err == nil {
			err = terr
		}
	}()
	for _, b := range sc.Backends {
		if ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		opts.Observer.Phase(fmt.Sprintf("start %s (%s)", b.Name, b.Type))
		bk, serr := startBackend(ctx, b, plan, opts)
		if bk != nil {
			backends[b.Name] = bk
		}
		if serr != nil {
			if ctx.Err() != nil {
				return nil, ErrInterrupted
			}
			return nil, fmt.Errorf("backend %s: %w", b.Name, serr)
		}
	}

	// Streams and their verifiers, all at once: sending is paced by each stream's schedule, verification follows
	// what was emitted.
	streams := make([]*runningStream, 0, len(plan.streams))
	for _, ps := range plan.streams {
		rs, serr := ps.start(ctx, backends[ps.exporter.Backend], sc, opts.RunID, plan)
		if serr != nil {
			for _, s := range streams {
				s.abort()
			}
			return nil, serr
		}
		streams = append(streams, rs)
	}
	opts.Observer.Phase("send and verify")
	for _, s := range streams {
		opts.Observer.Track(s.sendProgress())
	}
	for _, s := range streams {
		opts.Observer.Track(s.verifyProgress())
	}
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Add(2)
		go func() { defer wg.Done(); s.send(ctx) }()
		go func() { defer wg.Done(); s.verify(ctx, sc) }()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ErrInterrupted
	}

	rep = &reports.Report{
		SchemaVersion: reports.SchemaVersion,
		Scenario:      sc.Name,
		File:          sc.File,
		RunID:         opts.RunID,
		Started:       started.UTC(),
		Passed:        len(streams) > 0,
	}
	var errs []error
	for _, s := range streams {
		if s.sendErr != nil {
			errs = append(errs, s.sendErr)
		}
		if s.verifyErr != nil {
			errs = append(errs, s.verifyErr)
		}
		row := s.row()
		rep.Passed = rep.Passed && row.Passed
		rep.Exporters = append(rep.Exporters, row)
	}
	rep.DurationS = time.Since(started).Seconds()
	return rep, errors.Join(errs...)
}

type nopObserver struct{}

func (nopObserver) Phase(string)    {}
func (nopObserver) Track(*Progress) {}
