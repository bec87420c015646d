package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/scenarios"
)

// liveBackend is a backend as a run uses it, started or external: its kind, and the kind's Live.
type liveBackend struct {
	containers.Live
	name, typ string
	kind      containers.Kind
	// started is true for a backend otelbench started (a container, or the console's folder).
	started bool
	// spec is the backend as the scenario describes it.
	spec backend.Spec
}

// forwarder reports whether the backend forwards what it receives (a collector).
func (b *liveBackend) forwarder() bool {
	return b.kind.Describe().Forwarder
}

// metricsURL is the backend's own metrics, "" when it serves none.
func (b *liveBackend) metricsURL() string {
	if w, ok := b.Live.(containers.Witnessed); ok {
		return w.MetricsURL()
	}
	return ""
}

func (b *liveBackend) terminate(ctx context.Context) error {
	if b == nil || b.Live == nil {
		return nil
	}
	return b.Terminate(ctx)
}

// pullEndpoint is a scrape endpoint otelbench serves for a Prometheus exporter, opened before Prometheus starts so
// that its address can go into Prometheus' scrape configuration.
type pullEndpoint struct {
	listener net.Listener
	server   *http.Server
}

func (p *pullEndpoint) addr() string { return p.listener.Addr().String() }

func (p *pullEndpoint) serve(h http.Handler) {
	p.server = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.server.Serve(p.listener) }()
}

func (p *pullEndpoint) close(ctx context.Context) error {
	if p.server == nil {
		return p.listener.Close()
	}
	return p.server.Shutdown(ctx)
}

// startBackends starts (or connects to) every backend of sc. Forwarders start last, since they export to the
// others. Started backends are recorded in live as soon as they exist, so that the caller can terminate them
// whatever happens.
func startBackends(ctx context.Context, sc *scenarios.Scenario, p *plan, opts Options, live map[string]*liveBackend, workDir string) error {
	// The topology's nodes, forwarders last.
	order := slices.Clone(p.top.Backends)
	forwards := func(n *scenarios.Node) int { return boolInt(n.Description.Forwarder) }
	slices.SortStableFunc(order, func(a, b *scenarios.Node) int { return forwards(a) - forwards(b) })
	for _, n := range order {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		b, spec := *n.Backend, n.Spec
		kind, ok := all.Lookup(b.Type)
		if !ok {
			return fmt.Errorf("backend %s: backend type %q is not supported", b.Name, b.Type)
		}
		lb := &liveBackend{name: b.Name, typ: b.Type, kind: kind, spec: spec}
		if b.IsExternal() {
			l, err := kind.Connect(ctx, spec)
			if err != nil {
				return fmt.Errorf("backend %s: %w", b.Name, err)
			}
			lb.Live = l
			live[b.Name] = lb
			continue
		}
		env := containers.StartEnv{Spec: spec, RunID: opts.RunID, Load: p.load(b.Name), WorkDir: workDir, Forward: map[string]containers.Live{},
			Logger: opts.Logger}
		if kind.Describe().NotStarted {
			if opts.OutDir != "" {
				env.WorkDir = opts.OutDir
			}
		} else {
			opts.Observer.Phase(fmt.Sprintf("start %s (%s)", b.Name, b.Type))
			ref, err := imageRef(ctx, b, kind, opts.Images)
			if err != nil {
				return fmt.Errorf("backend %s: %w", b.Name, err)
			}
			env.Image = ref
			// Module options first, the user's last: the scenario's args come after otelbench's own.
			env.Customizers = []testcontainers.ContainerCustomizer{testcontainers.WithLogger(containers.Logger(opts.Logger))}
			if len(b.Args) > 0 {
				env.Customizers = append(env.Customizers, testcontainers.WithCmdArgs(b.Args...))
			}
		}
		for _, name := range b.ForwardTo {
			if d := live[name]; d != nil {
				env.Forward[name] = d.Live
			}
		}
		live[b.Name] = lb
		l, err := kind.Start(ctx, env)
		lb.Live, lb.started = l, true
		if err != nil {
			if ctx.Err() != nil {
				return ErrInterrupted
			}
			return fmt.Errorf("backend %s: %w", b.Name, err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// imageRef is the scenario's image for b, or the pinned one of its kind resolved under policy.
func imageRef(ctx context.Context, b scenarios.Backend, kind containers.Kind, policy containers.ImagePolicy) (string, error) {
	if b.Image != "" {
		return b.Image, nil
	}
	img, ok := kind.Image()
	if !ok {
		return "", fmt.Errorf("no image is pinned for backend type %q", b.Type)
	}
	return containers.ResolveImage(ctx, img, policy)
}

// backendSet is a scenario's backends started once and used by several runs (Options.shared): the probes of a
// capacity search, each with a run ID of its own, so that no item is read twice.
type backendSet struct {
	live    map[string]*liveBackend
	workDir string
}

// startBackendSet starts sc's backends, sized as for a run of sized (sc at the highest rate the runs will
// offer). The caller closes the set whatever the error: what started is terminated then.
func startBackendSet(ctx context.Context, sc, sized *scenarios.Scenario, opts Options) (*backendSet, error) {
	set := &backendSet{live: map[string]*liveBackend{}}
	if err := sized.Validate(); err != nil {
		return set, err
	}
	p := newPlan(sized, opts.RunID, opts.Shard)
	if err := checkMemory(sized, p, availableMemory()); err != nil {
		return set, err
	}
	dir, err := os.MkdirTemp("", "otelbench-"+opts.RunID+"-")
	if err != nil {
		return set, err
	}
	set.workDir = dir
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	return set, startBackends(ctx, sc, p, opts, set.live, dir)
}

// close terminates what the set started; it reports a backend that could not be terminated.
func (s *backendSet) close(ctx context.Context) error {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var errs []error
	for name, b := range s.live {
		if !b.started {
			continue
		}
		if err := b.terminate(tctx); err != nil {
			errs = append(errs, fmt.Errorf("terminate %s: %w", name, err))
		}
	}
	if s.workDir != "" {
		_ = os.RemoveAll(s.workDir)
	}
	return errors.Join(errs...)
}
