package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"
)

// startBackends starts (or connects to) the scenario's backends; with Options.shared, it uses those instead, as
// they are.
func (r *run) startBackends(ctx context.Context) error {
	if r.opts.shared != nil {
		maps.Copy(r.live, r.opts.shared.live)
		return nil
	}
	return startBackends(ctx, r.sc, r.plan, r.opts, r.live, r.workDir)
}

// stopBackends terminates the backends the run started (shared ones are the caller's to terminate). It happens
// even when ctx is cancelled (that is Ctrl-C): with a fresh, bounded context.
func (r *run) stopBackends(ctx context.Context) error {
	if r.opts.shared != nil {
		return nil
	}
	started := false
	for _, b := range r.live {
		started = started || b.started
	}
	if !started {
		return nil
	}
	r.opts.Observer.Phase("stop backends")
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var errs []error
	for name, b := range r.live {
		if err := b.terminate(tctx); err != nil {
			errs = append(errs, fmt.Errorf("terminate %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// startApps starts (or finds) the applications under test, once their backends run; r.apps holds each as soon as
// it exists, so that stopApps stops it whatever happens.
func (r *run) startApps(ctx context.Context) error {
	var err error
	r.apps, err = startApps(ctx, r.sc, r.plan, r.opts, r.live, cmp.Or(r.opts.OutDir, r.workDir))
	return err
}

// stopApps stops the applications the run started: SIGTERM first, so that their SDKs flush.
func (r *run) stopApps(ctx context.Context) error {
	if len(r.apps) == 0 {
		return nil
	}
	r.opts.Observer.Phase("stop apps")
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var first error
	for _, a := range r.apps {
		if err := a.stop(tctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
