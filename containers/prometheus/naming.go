package prometheus

import (
	"fmt"
	"strings"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Naming is how Prometheus names what its OTLP receiver, a scrape or a remote write gave it: dots to
// underscores, unit and _total suffixes, job and instance from service.name and service.instance.id. native
// says exponential histograms arrive as native histograms (OTLP); otherwise they arrive as classic ones.
func Naming(native bool) *verify.Naming {
	return &verify.Naming{
		Name:              generators.Instrument.PrometheusName,
		Label:             func(key string) string { return strings.ReplaceAll(key, ".", "_") },
		InstanceLabel:     "instance",
		NativeExponential: native,
		Changes: func(kinds []string) []string {
			var out []string
			for _, kind := range kinds {
				in, _ := generators.InstrumentOf(kind)
				if name := in.PrometheusName(); name != in.Name {
					out = append(out, fmt.Sprintf("metric %s (unit %s) renamed %s", in.Name, in.Unit, name))
				}
				switch {
				case kind == generators.Histogram:
					out = append(out, "histogram split into _bucket, _sum and _count series")
				case kind == generators.ExponentialHistogram && native:
					out = append(out, "exponential histogram stored as a native histogram")
				case kind == generators.ExponentialHistogram:
					out = append(out, "exponential histogram stored as a classic one (_bucket, _sum and _count series)")
				}
			}
			return append(out, "attribute keys otelbench.stream, otelbench.series became labels otelbench_stream, otelbench_series")
		},
	}
}
