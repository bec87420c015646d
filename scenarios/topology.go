package scenarios

import (
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
)

// Topology is a valid scenario resolved once: its backends with their descriptions and specs (TLS material
// loaded by validation), and every route items take, with where each is read back. What runs a scenario asks the
// topology, and looks no name up and recomputes no path again.
type Topology struct {
	// Backends are the scenario's, in its order.
	Backends []*Node
	// Routes are otelbench's own streams, one per workload and exporter, in the scenario's order.
	Routes []*Route
	// AppRoutes are where applications under test send their signals, by workload name, traces, metrics, logs.
	AppRoutes map[string][]*Route
	byName    map[string]*Node
}

// Node is one backend of a topology.
type Node struct {
	*Backend
	Description *backend.Description
	Spec        backend.Spec
	// Paths lists, per signal, where items of the signal sent to it end up and are read back: itself when its kind
	// gives the signal back, and for a forwarder each backend it forwards the signal to that gives it back.
	Paths map[generators.Signal][]*Node
}

// Route is one way items go: from otelbench's exporter (or an application's SDK) to a backend, read back at Paths.
type Route struct {
	// Workload sends; Exporter is otelbench's (nil on an application's route), App the application under test
	// whose SDK exports (nil on otelbench's own).
	Workload *Workload
	Exporter *Exporter
	App      *App
	Signal   generators.Signal
	Protocol *generators.Protocol
	// To is the backend the items are sent to; Paths where they are read back (To.Paths of Signal).
	To    *Node
	Paths []*Node
}

// Key names an exporter's route in progress bars and errors: workload/exporter.
func (r *Route) Key() string {
	if r.Exporter == nil {
		return r.Workload.Name + "/" + r.App.Name + "." + string(r.Signal)
	}
	return r.Workload.Name + "/" + r.Exporter.Name
}

// Node is backend name, or nil.
func (t *Topology) Node(name string) *Node { return t.byName[name] }

// Topology resolves a validated scenario (Validate first: it fills in defaults and loads TLS material).
func (sc *Scenario) Topology() *Topology {
	t := &Topology{AppRoutes: map[string][]*Route{}, byName: map[string]*Node{}}
	for i := range sc.Backends {
		b := &sc.Backends[i]
		n := &Node{Backend: b, Description: kindOf(b), Spec: sc.Spec(b), Paths: map[generators.Signal][]*Node{}}
		t.Backends = append(t.Backends, n)
		t.byName[b.Name] = n
	}
	for _, n := range t.Backends {
		for _, s := range generators.Signals {
			for _, d := range sc.Paths(n.Backend, string(s)) {
				n.Paths[s] = append(n.Paths[s], t.byName[d.Name])
			}
		}
	}
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		if w.IsApp() {
			a := sc.App(w.App)
			for _, s := range []struct {
				signal            generators.Signal
				backend, protocol string
			}{
				{generators.Traces, a.Traces.Backend, a.Traces.Protocol},
				{generators.Metrics, a.Metrics.Backend, a.Metrics.Protocol},
				{generators.Logs, a.Logs.Backend, a.Logs.Protocol},
			} {
				if to := t.byName[s.backend]; to != nil {
					proto, _ := generators.LookupProtocol(s.protocol)
					t.AppRoutes[w.Name] = append(t.AppRoutes[w.Name], &Route{Workload: w, App: a, Signal: s.signal, Protocol: proto, To: to, Paths: to.Paths[s.signal]})
				}
			}
			continue
		}
		for _, name := range w.Exporters {
			e := sc.Exporter(name)
			to := t.byName[e.Backend]
			sig := generators.Signal(w.Signal)
			proto, _ := generators.LookupProtocol(e.Protocol)
			t.Routes = append(t.Routes, &Route{Workload: w, Exporter: e, Signal: sig, Protocol: proto, To: to, Paths: to.Paths[sig]})
		}
	}
	return t
}

// AppRoute is the route of workload w's application for signal, or nil when the application does not send it.
func (t *Topology) AppRoute(w *Workload, signal generators.Signal) *Route {
	for _, r := range t.AppRoutes[w.Name] {
		if r.Signal == signal {
			return r
		}
	}
	return nil
}
