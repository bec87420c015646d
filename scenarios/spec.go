package scenarios

import (
	"cmp"
	"crypto/tls"

	"github.com/otelbench/otelbench/containers/backend"
)

// Spec is backend b as its kind sees it (backend.Spec): paths resolved, the kinds of b and of the backends it
// forwards to looked up in the registry (nil for a type that is not registered).
func (sc *Scenario) Spec(b *Backend) backend.Spec {
	return sc.spec(b, 0)
}

// tlsOf is b's TLS configuration as validation loaded it; before validation (a kind's Validate asks for its spec
// while the scenario is checked), it is read from its files, and a file that cannot be used gives none (validation
// reports it).
func (sc *Scenario) tlsOf(b *Backend) *tls.Config {
	if cfg, ok := sc.tlsLoaded[b.Name]; ok {
		return cfg
	}
	cfg, _ := b.External.TLS.config(sc.resolve)
	return cfg
}

func (sc *Scenario) spec(b *Backend, depth int) backend.Spec {
	d, _ := backend.Lookup(b.Type)
	s := backend.Spec{Name: b.Name, Type: b.Type, Description: d, Image: b.Image, Args: b.Args, Retention: b.Retention,
		ConfigPath: sc.ConfigPath(b)}
	if sm := b.Sampling; sm != nil && sm.Ratio != nil {
		s.Sampling = &backend.Sampling{Percentage: *sm.Ratio * 100, Mode: sm.Mode}
	}
	if q := b.SendingQueue; q != nil {
		s.Queue = &backend.Queue{Size: cmp.Or(q.Size, DefaultQueueSize), Consumers: cmp.Or(q.Consumers, DefaultQueueConsumers), Persistent: q.Persistent}
	}
	if b.IsExternal() {
		e := b.External
		s.External = &backend.External{URL: e.URL, OTLPGRPC: e.OTLPGRPC, OTLPHTTP: e.OTLPHTTP, MetricsURL: e.MetricsURL, Headers: e.Headers}
		s.External.TLS = sc.tlsOf(b)
		if e.FilesDir != "" {
			s.External.FilesDir = sc.FilesDir(b)
		}
	}
	if depth > len(sc.Backends) {
		return s // a forwarding loop, which validation reports
	}
	for _, name := range b.ForwardTo {
		if d := sc.Backend(name); d != nil {
			s.ForwardTo = append(s.ForwardTo, sc.spec(d, depth+1))
		}
	}
	return s
}
