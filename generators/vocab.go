package generators

// Signal is one of the OpenTelemetry signals a workload sends.
type Signal string

// The signals.
const (
	Traces  Signal = "traces"
	Metrics Signal = "metrics"
	Logs    Signal = "logs"
)

// Signals lists every signal, in report order.
var Signals = []Signal{Traces, Metrics, Logs}
