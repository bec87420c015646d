// Package all is the registry of backend kinds: every backend otelbench knows is one line below, and nothing
// else outside its own package (containers/<type>) names it.
package all

import (
	"slices"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/containers/console"
	"github.com/otelbench/otelbench/containers/jaeger"
	"github.com/otelbench/otelbench/containers/prometheus"
	"github.com/otelbench/otelbench/containers/sink"
	"github.com/otelbench/otelbench/containers/victorialogs"
	"github.com/otelbench/otelbench/containers/victoriametrics"
	"github.com/otelbench/otelbench/containers/zipkin"
)

// Kinds lists every backend kind, one per line.
var kinds = []containers.Kind{
	jaeger.Kind{},
	zipkin.Kind{},
	prometheus.Kind{},
	collector.Kind{},
	sink.Kind{},
	console.Kind{},
	victoriametrics.Kind{},
	victorialogs.Kind{},
}

// The kinds' descriptions are known to package backend, so that scenarios can be validated without a container
// runtime.
func init() {
	for _, k := range kinds {
		backend.Register(k.Describe())
	}
}

// Kinds returns every registered kind.
func Kinds() []containers.Kind { return slices.Clone(kinds) }

// Lookup returns the kind of backend type typ.
func Lookup(typ string) (containers.Kind, bool) {
	i := slices.IndexFunc(kinds, func(k containers.Kind) bool { return k.Describe().Type == typ })
	if i < 0 {
		return nil, false
	}
	return kinds[i], true
}

// Types lists the registered backend types, sorted.
func Types() []string { return backend.Types() }

// Images lists the pinned image of every kind that runs as a container, each once (a sink runs the collector's).
func Images() []containers.Image {
	var out []containers.Image
	for _, k := range kinds {
		img, ok := k.Image()
		if ok && !slices.ContainsFunc(out, func(o containers.Image) bool { return o.Local == img.Local }) {
			out = append(out, img)
		}
	}
	return out
}

// ImageFor returns the pinned image of backend type typ.
func ImageFor(typ string) (containers.Image, bool) {
	k, ok := Lookup(typ)
	if !ok {
		return containers.Image{}, false
	}
	return k.Image()
}
