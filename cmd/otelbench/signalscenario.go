package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/scenarios"
)

// scenarioText is a scenario file written from flags: its lines, and for each the flag it comes from ("" for the
// file's structure), so that a problem the loader finds at a line is reported at the flag that wrote it.
type scenarioText struct {
	b     strings.Builder
	flags []string // flags[i] wrote line i+1
}

// add writes one line (format and args as fmt's), from flag.
func (t *scenarioText) add(flag, format string, args ...any) {
	fmt.Fprintf(&t.b, format, args...)
	t.b.WriteByte('\n')
	t.flags = append(t.flags, flag)
}

func (t *scenarioText) bytes() []byte { return []byte(t.b.String()) }

// flagErrors is the loader's scenarios.Errors in err as a usage error, each problem at the flag of its line.
func (t *scenarioText) flagErrors(err error) error {
	var errs scenarios.Errors
	if !errors.As(err, &errs) {
		return &exitError{code: exitUsage, err: err}
	}
	var msgs []string
	for _, e := range errs {
		msg := fmt.Sprintf("the scenario the flags make, line %d (see --print-scenario): %s", e.Line, e.Msg)
		if e.Line >= 1 && e.Line <= len(t.flags) && t.flags[e.Line-1] != "" {
			msg = t.flags[e.Line-1] + ": " + e.Msg
		}
		if !slices.Contains(msgs, msg) {
			msgs = append(msgs, msg)
		}
	}
	return &exitError{code: exitUsage, err: errors.New(strings.Join(msgs, "\n"))}
}

// quote is s as a YAML double-quoted string (JSON's encoding, which YAML reads), with $ doubled: the loader
// expands ${NAME} from the environment, and $$ is a literal $.
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), "$", "$$")
}

// scenarioText writes the scenario the checked flags describe. reveal writes header values themselves (the
// scenario that runs); otherwise each is ${OTELBENCH_HEADER_<NAME>}, with a comment naming the variable to set
// (--print-scenario: a secret is never printed). Both have the same lines, so line numbers name the same flags.
// A key is written only when a flag asks for it: the rest are the scenario format's defaults.
func (o *signalOptions) scenarioText(p *signalPlan, reveal bool) *scenarioText {
	t := &scenarioText{}
	k, given := o.kind, o.changed
	t.add("", "# otelbench %s, as a scenario file (--print-scenario): otelbench run FILE runs it; docs/scenarios.md has every key.", k.signal)
	t.add("", "version: 1")
	t.add("--name", "name: %s", quote(o.name))
	if given("seed") {
		t.add("--seed", "seed: %d", o.seed)
	}
	t.add("--duration", "duration: %s", o.duration)
	if given("verify-timeout") {
		t.add("--verify-timeout", "verify:")
		t.add("--verify-timeout", "  timeout: %s", o.verifyTimeout)
	}

	t.add("", "backends:")
	t.add("--backend", "  - name: %s", p.backend)
	t.add("--backend", "    type: %s", p.backend)
	if d, ok := backend.Lookup(p.backend); ok && p.temporality == "delta" && !p.external && len(d.DeltaArgs) > 0 {
		t.add("--aggregation-temporality", "    args: [%s]  # so that it takes delta temporality", strings.Join(d.DeltaArgs, ", "))
	}
	if p.external {
		o.writeExternal(t, p, reveal)
	}

	protocolBy := "--backend"
	if p.protocolByHTTP {
		protocolBy = "--otlp-http"
	}
	t.add("", "exporters:")
	t.add(protocolBy, "  - name: %s", p.protocol)
	t.add(protocolBy, "    protocol: %s", p.protocol)
	t.add("--backend", "    backend: %s", p.backend)
	if k.signal == "traces" && o.workers > 1 {
		t.add("--workers", "    instances: %d  # one SDK pipeline per worker, sharing the rate", o.workers)
	}
	for _, s := range []struct {
		flag, key string
		value     any
	}{{"batch-size", "batch_size", o.batchSize}, {"queue-size", "queue_size", o.queueSize}, {"batch-timeout", "batch_timeout", o.batchTimeout},
		{"compression", "compression", o.compression}, {"aggregation-temporality", "temporality", p.temporality}} {
		if given(s.flag) {
			t.add("--"+s.flag, "    %s: %v", s.key, s.value)
		}
	}

	t.add("", "workloads:")
	t.add("--service", "  - name: %s", quote(o.service))
	t.add("", "    signal: %s", k.signal)
	t.add("--backend", "    exporters: [%s]", p.protocol)
	rate := fmt.Sprintf("    rate: %s", formatFloat(p.rate))
	if k.signal == "traces" || o.workers > 1 {
		rate += "  # " + o.rateSum(p)
	}
	t.add("--rate", "%s", rate)
	switch k.signal {
	case "traces":
		t.add("--child-spans", "    trace:")
		t.add("--child-spans", "      spans: %d", p.spans)
		if p.spans > 1 {
			t.add("--child-spans", "      depth: 2  # the root and its children, as telemetrygen's")
		}
		o.writeAttributes(t)
	case "metrics":
		if len(p.instruments) > 0 || given("series") {
			t.add("", "    metrics:")
			if len(p.instruments) > 0 {
				t.add("--metric-type", "      instruments: [%s]", strings.Join(p.instruments, ", "))
			}
			if given("series") {
				t.add("--series", "      series: %d", o.series)
			}
		}
	case "logs":
		t.add("--severity-text", "    logs:")
		t.add("--severity-text", "      severity: %s", p.severity)
		if given("body-size") {
			t.add("--body-size", "      body_size: %d", o.bodySize)
		}
		o.writeAttributes(t)
	}

	if len(o.thresholds) > 0 {
		t.add("", "thresholds:")
		for _, expr := range o.thresholds {
			t.add("--threshold", "  - expr: %s", quote(expr))
		}
	}
	return t
}

// writeAttributes writes --attributes and --attribute-size into the trace or logs section.
func (o *signalOptions) writeAttributes(t *scenarioText) {
	if o.changed("attributes") {
		t.add("--attributes", "      attributes: %d", o.attributes)
	}
	if o.changed("attribute-size") {
		t.add("--attribute-size", "      attribute_size: %d", o.attributeSize)
	}
}

// writeExternal writes the external: section of a backend that is already running.
func (o *signalOptions) writeExternal(t *scenarioText, p *signalPlan, reveal bool) {
	t.add(p.externalBy, "    external:")
	if o.endpoint != "" {
		key := "otlp_grpc"
		if p.protocol == "otlp-http" {
			key = "otlp_http"
		}
		t.add("--otlp-endpoint", "      %s: %s", key, quote(o.endpoint))
	}
	if o.backendURL != "" {
		t.add("--backend-url", "      url: %s", quote(o.backendURL))
	}
	if p.filesDir != "" {
		t.add("--files-dir", "      files_dir: %s", quote(p.filesDir))
	}
	if p.tls || p.caFile != "" || p.certFile != "" || o.insecureSkipVerify {
		t.add(p.tlsBy, "      tls:")
		if p.caFile == "" && p.certFile == "" && !o.insecureSkipVerify {
			t.add(p.tlsBy, "        enabled: true  # with the system's roots; --otlp-insecure for plaintext")
		}
		for _, f := range []struct{ flag, key, path string }{
			{"--ca-cert", "ca_file", p.caFile}, {"--client-cert", "cert_file", p.certFile}, {"--client-key", "key_file", p.keyFile},
		} {
			if f.path != "" {
				t.add(f.flag, "        %s: %s", f.key, quote(f.path))
			}
		}
		if o.insecureSkipVerify {
			t.add("--otlp-insecure-skip-verify", "        insecure_skip_verify: true")
		}
	}
	if len(p.headers) > 0 {
		t.add("--otlp-header", "      headers:")
		for _, h := range p.headers {
			if reveal {
				t.add("--otlp-header", "        # header %s: its value is ${%s} in --print-scenario's output", h.name, h.env)
				t.add("--otlp-header", "        %s: %s", quote(h.name), quote(h.value))
				continue
			}
			t.add("--otlp-header", "        # set %s to the value of header %s (it is not written here)", h.env, h.name)
			t.add("--otlp-header", "        %s: \"${%s}\"", quote(h.name), h.env)
		}
	}
}
