package main

// otelbench traces|metrics|logs: a scenario from flags, for people who know telemetrygen. The flags are checked
// (signalcheck.go), written as a scenario file (signalscenario.go), loaded as a file is, and run as otelbench run
// runs one; --print-scenario writes the file instead.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/scenarios"
)

// signalKind is what differs between the three commands: the signal, what its rate counts, its backends.
type signalKind struct {
	signal string
	// per is what --rate counts per second and per worker, telemetrygen's unit (traces for traces, not spans).
	per string
	// defaultBackend is the --backend a plain command starts; the others are the registry's (backends).
	defaultBackend string
	example        string
}

// backends are the types --backend takes for k's signal, the default first: every registered backend that receives
// the signal and gives it back by itself, as started (a console prints, a sink only counts: neither is offered).
func (k signalKind) backends() []string {
	signal := generators.Signal(k.signal)
	others := backend.TypesWhere(func(d *backend.Description) bool {
		return d.Type != k.defaultBackend && !d.NotStarted && !d.CountsOnly && len(d.Receives[signal]) > 0 &&
			d.GivesBack(backend.Spec{Type: d.Type, Description: d}, signal)
	})
	return append([]string{k.defaultBackend}, others...)
}

var signalKinds = []signalKind{
	{signal: "traces", per: "traces", defaultBackend: "jaeger", example: `  # a Jaeger started in a container; 500 traces/s of 2 spans (--child-spans 1) for 10 s, each span read back
  otelbench traces --rate 500 --duration 10s

  # your own Jaeger, as telemetrygen traces would send to it, read back through its query service
  otelbench traces --otlp-endpoint 127.0.0.1:4317 --otlp-insecure --backend-url http://127.0.0.1:16686 \
    --rate 1000 --duration 30s --workers 2 --child-spans 4

  # the same as a scenario file, to edit and run with otelbench run
  otelbench traces --rate 500 --duration 10s --print-scenario > traces.yaml`},
	{signal: "metrics", per: "measurements", defaultBackend: "prometheus", example: `  # a Prometheus started in a container; 100 measurements/s of the five instruments, pushed over OTLP/HTTP
  otelbench metrics --rate 100 --duration 10s

  # your own Prometheus (started with --web.enable-otlp-receiver), gauges and sums as telemetrygen sends them
  otelbench metrics --backend prometheus --backend-url http://127.0.0.1:9090 --metric-type Gauge,Sum --rate 200`},
	{signal: "logs", per: "log records", defaultBackend: "collector", example: `  # a collector started in a container, read back from its file exporter
  otelbench logs --rate 100 --duration 10s --severity-text Warn

  # your own collector: its OTLP gRPC receiver, and the folder its file exporter writes logs*.jsonl into
  otelbench logs --otlp-endpoint 127.0.0.1:4317 --otlp-insecure --files-dir /tmp/otel-files --rate 500`},
}

// protocolFixed says which of k's backends take one protocol whatever --otlp-http says (protocolFor), for its
// help: "; prometheus and victoriametrics take the otlp-http exporter whatever this says".
func (k signalKind) protocolFixed() string {
	byProtocol := map[string][]string{}
	var protocols []string
	for _, t := range k.backends() {
		if p, chosen := protocolFor(t, generators.Signal(k.signal), true); !chosen && p != generators.OTLPGRPC {
			if byProtocol[p] == nil {
				protocols = append(protocols, p)
			}
			byProtocol[p] = append(byProtocol[p], t)
		}
	}
	var out string
	for _, p := range protocols {
		verb := "takes"
		if len(byProtocol[p]) > 1 {
			verb = "take"
		}
		out += fmt.Sprintf("; %s %s the %s exporter whatever this says", andList(byProtocol[p]), verb, p)
	}
	return out
}

// signalOptions are the flags of otelbench traces|metrics|logs.
type signalOptions struct {
	kind signalKind
	run  runOptions

	// telemetrygen's flags, meaning what they mean there.
	endpoint                     string
	insecure, insecureSkipVerify bool
	http, mtls                   bool
	headers                      []string
	caCert, clientCert           string
	clientKey                    string
	rate                         float64
	duration                     time.Duration
	workers                      int
	service                      string
	childSpans                   int      // traces
	severity                     string   // logs
	metricTypes                  []string // metrics
	temporality                  string   // metrics

	// otelbench's own.
	backend, backendURL, filesDir string
	thresholds                    []string
	attributes, attributeSize     int // traces, logs
	bodySize                      int // logs
	series                        int // metrics
	batchSize, queueSize          int // traces, logs
	batchTimeout                  time.Duration
	compression                   string
	verifyTimeout                 time.Duration
	name                          string
	seed                          int64
	print                         bool

	// changed reports whether a flag was given on the command line (set when the command runs).
	changed func(name string) bool
}

// signalLong is the long help of kind's command.
func signalLong(k signalKind) string {
	yours := "--otlp-endpoint with --backend-url (jaeger), or --backend-url (zipkin)"
	if k.signal != "traces" {
		yours = "--backend-url, or --otlp-endpoint with --files-dir (collector)"
	}
	return fmt.Sprintf(`otelbench %s sends %s as telemetrygen %s does: --rate %s per second per worker, for --duration,
through the OpenTelemetry Go SDK. Unlike telemetrygen it reads every item back and reports what arrived.

Without an endpoint, otelbench starts the backend in a container (--backend: %s;
default %s); a backend already running is given by %s.

The flags make a scenario, which runs exactly as otelbench run runs a file; --print-scenario writes that file
(header values as environment variables) to keep, edit and run. telemetrygen's flags mean what they mean there;
those otelbench has no equivalent of are refused, saying what to use instead. Every flag, with its scenario key:
docs/commands.md.`, k.signal, k.signal, k.signal, k.per, strings.Join(k.backends(), ", "), k.defaultBackend, yours)
}

// refusedFlag is a telemetrygen flag otelbench has no equivalent of: given, it is refused with why and what to use.
type refusedFlag struct {
	name, why string
	boolean   bool // given without a value, as telemetrygen's booleans are
}

// newSignalCmds are otelbench traces, metrics and logs.
func newSignalCmds(stdout, stderr io.Writer) []*cobra.Command {
	var cmds []*cobra.Command
	for _, k := range signalKinds {
		cmds = append(cmds, newSignalCmd(k, stdout, stderr))
	}
	return cmds
}

func newSignalCmd(k signalKind, stdout, stderr io.Writer) *cobra.Command {
	o := &signalOptions{kind: k}
	c := &cobra.Command{
		Use:           k.signal + " [flags]",
		Short:         fmt.Sprintf("send %s as telemetrygen %s does, without a scenario file, and read every item back", k.signal, k.signal),
		Long:          signalLong(k),
		Example:       k.example,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := refused(cmd, refusedFlags(k)); err != nil {
				return err
			}
			if len(args) > 0 {
				return usageError("%s takes flags only, got the argument %q; a scenario file runs with otelbench run FILE", cmd.Name(), args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.changed = cmd.Flags().Changed
			return signalCmd(cmd.Context(), o, stdout, stderr)
		},
	}
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	f := c.Flags()
	f.SortFlags = false
	addSignalFlags(f, o)
	addRunFlags(f, &o.run)
	for _, r := range refusedFlags(k) {
		f.String(r.name, "", r.why)
		fl := f.Lookup(r.name)
		fl.Hidden = true
		if r.boolean {
			fl.NoOptDefVal = "true"
		}
	}
	return c
}

func addSignalFlags(f *pflag.FlagSet, o *signalOptions) {
	k := o.kind
	rateSum, workers, item := "rate x workers", "workers, each sending --rate", "record"
	if k.signal == "traces" {
		rateSum, item = "rate x spans per trace x workers", "span"
		workers += "; each is an independent SDK pipeline (an exporter instance)"
	}
	// telemetrygen's names.
	f.Float64Var(&o.rate, "rate", 100, k.per+" per second per worker; the scenario's rate is "+rateSum)
	f.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send (a Go duration)")
	f.IntVar(&o.workers, "workers", 1, workers)
	f.StringVar(&o.service, "service", "otelbench", "service name: the workload's name, which otelbench uses as service.name")
	f.StringVar(&o.endpoint, "otlp-endpoint", "", "`host:port` of a running backend's OTLP receiver (jaeger, collector); without it, and without --backend-url and --files-dir, otelbench starts the backend")
	f.BoolVar(&o.insecure, "otlp-insecure", false, "plaintext to --otlp-endpoint (without it, TLS with the system's roots, as telemetrygen does)")
	f.BoolVar(&o.http, "otlp-http", false, "export over OTLP/HTTP instead of OTLP gRPC"+k.protocolFixed())
	f.StringArrayVar(&o.headers, "otlp-header", nil, "header on every request to the running backend, exporters' and read-back's: `key=\"value\"` or key=value (repeatable); --print-scenario writes the value as ${OTELBENCH_HEADER_KEY}")
	f.BoolVar(&o.insecureSkipVerify, "otlp-insecure-skip-verify", false, "accept any server certificate (test servers only)")
	f.StringVar(&o.caCert, "ca-cert", "", "PEM `file` of the certificate authorities to trust instead of the system's")
	f.BoolVar(&o.mtls, "mtls", false, "present a client certificate: needs --client-cert and --client-key (which alone do the same)")
	f.StringVar(&o.clientCert, "client-cert", "", "client certificate PEM `file`")
	f.StringVar(&o.clientKey, "client-key", "", "client certificate's key PEM `file`")
	switch k.signal {
	case "traces":
		f.IntVar(&o.childSpans, "child-spans", 1, "child spans of each trace's root: spans per trace = child-spans + 1")
	case "metrics":
		f.StringSliceVar(&o.metricTypes, "metric-type", nil, "instruments: Gauge, Sum, Histogram (telemetrygen's) or counter, updown_counter, gauge, histogram, exponential_histogram; repeatable or a comma list (default: all five)")
		f.StringVar(&o.temporality, "aggregation-temporality", "", "cumulative (default) or delta; delta to a Prometheus otelbench starts turns its otlp-deltatocumulative feature on")
	case "logs":
		f.StringVar(&o.severity, "severity-text", "info", "severity of every record: trace, debug, info, warn, error or fatal (any case)")
	}
	// otelbench's own.
	f.StringVar(&o.backend, "backend", k.defaultBackend, "what receives and gives every item back: "+strings.Join(k.backends(), ", "))
	f.StringVar(&o.backendURL, "backend-url", "", "`URL` of a running backend's read API: Jaeger's query service, Zipkin, Prometheus, VictoriaMetrics, VictoriaLogs (for all but jaeger also where items are sent)")
	if k.signal != "traces" {
		f.StringVar(&o.filesDir, "files-dir", "", "`dir`ectory a running collector's file exporters write "+k.signal+"*.jsonl into (--backend collector, with --otlp-endpoint)")
	}
	f.StringArrayVar(&o.thresholds, "threshold", nil, "a condition every row must meet, else exit 4: `EXPR` such as 'lost == 0' or 'p99(export_latency) < 50ms' (repeatable)")
	switch k.signal {
	case "traces", "logs":
		f.IntVar(&o.attributes, "attributes", 0, "generated string attributes per "+item+" (default 0)")
		f.IntVar(&o.attributeSize, "attribute-size", 0, "`bytes` of each attribute value (default 16)")
		if k.signal == "logs" {
			f.IntVar(&o.bodySize, "body-size", 0, "`bytes` of each record's body (default 64)")
		}
		f.IntVar(&o.batchSize, "batch-size", 0, "the SDK batch processor's largest export batch (default 512)")
		f.IntVar(&o.queueSize, "queue-size", 0, "the SDK batch processor's queue; full means dropped, and counted (default max(2048, batch size))")
		f.DurationVar(&o.batchTimeout, "batch-timeout", 0, "longest wait before a partial batch is exported (default 5s)")
	case "metrics":
		f.IntVar(&o.series, "series", 0, "attribute sets per instrument: the cardinality (default 10)")
	}
	f.StringVar(&o.compression, "compression", "", "none or gzip (OTLP exporters; default none)")
	f.DurationVar(&o.verifyTimeout, "verify-timeout", 0, "how long to keep reading back after sending stops (default 30s)")
	f.StringVar(&o.name, "name", k.signal, "the scenario's name, in the reports")
	f.Int64Var(&o.seed, "seed", 0, "makes IDs and values reproducible")
	f.BoolVar(&o.print, "print-scenario", false, "write the scenario these flags make to stdout, and exit without running it")
}

// refusedFlags are telemetrygen's flags that kind has no equivalent of.
func refusedFlags(k signalKind) []refusedFlag {
	attrs := "use --attributes N --attribute-size B for attribute load, and --service for service.name"
	size := "use --attributes N --attribute-size B (at most 64 KiB each) for large items"
	batch := "otelbench always exports through the SDK's batch processor: use --batch-size, --batch-timeout"
	if k.signal == "metrics" {
		attrs = "use --series N for more attribute sets, and --service for service.name"
		size = "otelbench's metrics carry no payload attributes; use --series N for more data points"
		batch = "otelbench's metrics go through the SDK's periodic reader, which exports every data point each second"
	}
	count := fmt.Sprintf("otelbench sends for a time, not a count: use --duration (N %s at --rate R per worker take N/R seconds)", k.per)
	out := []refusedFlag{
		{name: "otlp-attributes", why: "otelbench generates every attribute value itself, to tell an altered item from an intact one: " + attrs},
		{name: "telemetry-attributes", why: "otelbench generates every attribute value itself, to tell an altered item from an intact one: " + attrs},
		{name: "interval", why: "otelbench shows progress while it sends and reports once, at the end (--out DIR for every format)"},
		{name: "otlp-http-url-path", why: "otelbench sends to the standard OTLP/HTTP paths (/v1/traces, /v1/metrics, /v1/logs) or the backend's own"},
		{name: "allow-export-failures", boolean: true, why: "otelbench never stops on a failed export: it counts failed exports and what they lost, and the run fails (exit 3) when items are lost"},
		{name: "size", why: size},
		{name: "batch", boolean: true, why: batch},
		{name: k.signal, why: count},
	}
	switch k.signal {
	case "traces":
		out = append(out,
			refusedFlag{name: "marshal", boolean: true, why: "otelbench does not propagate trace context over HTTP; to drive an instrumented application, see docs/applications.md"},
			refusedFlag{name: "status-code", why: "otelbench's spans keep the default status"},
			refusedFlag{name: "span-duration", why: "otelbench's spans last as long as the SDK takes to make them"})
	case "metrics":
		out = append(out,
			refusedFlag{name: "batch-size", why: batch},
			refusedFlag{name: "otlp-metric-name", why: "otelbench names its instruments itself (otelbench.requests, otelbench.queue.size, ...: see docs/scenarios.md); use --metric-type"},
			refusedFlag{name: "trace-id", why: "otelbench records no exemplars"},
			refusedFlag{name: "span-id", why: "otelbench records no exemplars"},
			refusedFlag{name: "unique-timeseries", boolean: true, why: "use --series N for N attribute sets per instrument"},
			refusedFlag{name: "unique-timeseries-duration", why: "use --series N for N attribute sets per instrument"})
	case "logs":
		correlate := "otelbench derives a trace and span ID per record with trace_correlation: true in a scenario file (--print-scenario, then edit)"
		out = append(out,
			refusedFlag{name: "body", why: "otelbench generates each body itself, to tell an altered record from an intact one: use --body-size B"},
			refusedFlag{name: "severity-number", why: "use --severity-text (trace, debug, info, warn, error, fatal)"},
			refusedFlag{name: "trace-id", why: correlate},
			refusedFlag{name: "span-id", why: correlate})
	}
	return out
}

// refused is a usage error for the first refused flag given, saying why and what to use instead.
func refused(cmd *cobra.Command, flags []refusedFlag) error {
	for _, r := range flags {
		if cmd.Flags().Changed(r.name) {
			return usageError("--%s is telemetrygen's, and otelbench has no equivalent: %s", r.name, r.why)
		}
	}
	return nil
}

// signalCmd checks the flags, builds the scenario, and prints it (--print-scenario) or runs it as a file is run.
func signalCmd(ctx context.Context, o *signalOptions, stdout, stderr io.Writer) error {
	plan, err := o.plan()
	if err != nil {
		return err
	}
	if err := o.run.check(); err != nil {
		return err
	}
	text := o.scenarioText(plan, true)
	sc, err := scenarios.Parse("", text.bytes())
	if err != nil {
		return text.flagErrors(err)
	}
	if o.print {
		_, err := stdout.Write(o.scenarioText(plan, false).bytes())
		return err
	}
	if err := runScenario(ctx, o.run, sc, stdout, stderr); err != nil {
		var errs scenarios.Errors
		var ee *exitError
		if errors.As(err, &errs) && errors.As(err, &ee) && ee.code == exitUsage {
			// Refused before anything started (e.g. more than this machine holds): at the flags that asked for it.
			return text.flagErrors(errs)
		}
		return err
	}
	return nil
}
