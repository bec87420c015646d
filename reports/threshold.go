package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A Threshold is a condition on a row's numbers, in a small language close to k6's thresholds:
//
//	lost == 0
//	p99(export_latency) < 50ms
//	throughput >= 20000
//	achieved_rate >= 0.99 * target_rate
//
//	sampled_ratio between 0.45 and 0.55
//
// Two arithmetic expressions compared with <, <=, >, >=, == or !=, or one between two others (bounds included).
// Operands are numbers, durations (50ms, 1.5s:
// compared in milliseconds), row metrics (ThresholdMetrics) and percentiles of a latency (p50, p90, p99, max of
// export_latency, visibility_latency or http_latency, the last on application rows); + - * / combine them.
type Threshold struct {
	Source string
	lhs    node
	op     string
	rhs    node
	hi     node // the upper bound of between
	// sampling: the threshold names a metric only rows with sampling have.
	sampling bool
}

// AppliesTo reports whether t says anything of row e: a threshold on sampling applies only to the rows of traces
// whose sampling was judged.
func (t Threshold) AppliesTo(e *Exporter) bool {
	return !t.sampling || e.Sampling != nil
}

// ThresholdMetrics are the row numbers a threshold can name, each with what it means.
var ThresholdMetrics = map[string]string{
	"sent": "items to verify", "verified": "items read back as sent", "lost": "items not found",
	"duplicated": "extra copies", "altered": "items found changed", "overflowed": "metrics data points in the SDK's overflow series",
	"dropped_in_sdk": "items dropped in the SDK", "throughput": "items exported per second",
	"target_rate": "scheduled items per second", "achieved_rate": "emitted items per second", "missed_slots": "scheduled slots not emitted",
	"export_calls": "export calls", "export_failed_calls": "failed export calls", "export_failed_items": "items in failed export calls",
	"bytes_sent": "bytes on the wire", "bytes_per_item": "bytes on the wire per item",
	"export_latency": "export call duration (with p50, p90, p99, max)", "visibility_latency": "emit-to-queryable (with p50, p99, max)",
	"requests": "an app's requests sent", "answered": "an app's requests answered", "http_failed": "an app's requests with no answer",
	"http_unexpected_status": "an app's answers of a status not expected", "not_sent": "an app's requests not sent (max_in_flight)",
	"http_latency":           "an app's request latency from its due time (with p50, p90, p99, max)",
	"sampled_ratio":          "share of requests (or traces) whose trace was kept (rows with sampling only)",
	"expected_sampled_ratio": "the share the sampler should keep (rows with sampling only)",
	"not_sampled":            "requests (or traces) the sampler dropped as expected (rows with sampling only)",
	"unexpected_sampled":     "traces the sampler should have dropped that arrived (rows with sampling only)",
}

// samplingMetrics are the metrics only an application's traces row with sampling has: a threshold naming one
// applies to those rows alone.
var samplingMetrics = []string{"sampled_ratio", "expected_sampled_ratio", "not_sampled", "unexpected_sampled"}

// latencies are the distributions a percentile can be taken of.
var latencies = []string{"export_latency", "visibility_latency", "http_latency"}

var percentiles = []string{"p50", "p90", "p99", "max"}

type node interface {
	eval(e *Exporter) float64
}

type number float64

func (n number) eval(*Exporter) float64 { return float64(n) }

type metric string

func (m metric) eval(e *Exporter) float64 {
	switch m {
	case "sent":
		return float64(e.Sent)
	case "verified":
		return float64(e.Verified)
	case "lost":
		return float64(e.Lost)
	case "duplicated":
		return float64(e.Duplicated)
	case "altered":
		return float64(e.Altered)
	case "overflowed":
		return float64(e.Overflowed)
	case "dropped_in_sdk":
		return float64(e.DroppedInSDK)
	case "throughput":
		return e.ThroughputPerS
	case "target_rate":
		return e.TargetRatePerS
	case "achieved_rate":
		return e.AchievedRatePerS
	case "missed_slots":
		return float64(e.MissedSlots)
	case "export_calls":
		return float64(e.ExportCalls)
	case "export_failed_calls":
		return float64(e.ExportFailedCalls)
	case "export_failed_items":
		return float64(e.ExportFailedItems)
	case "bytes_sent":
		return float64(e.BytesSent)
	case "bytes_per_item":
		return e.BytesPerItem
	}
	if sm := e.Sampling; sm != nil {
		switch m {
		case "sampled_ratio":
			return sm.ObservedRatio
		case "expected_sampled_ratio":
			return sm.ExpectedRatio
		case "not_sampled":
			return float64(sm.NotSampled)
		case "unexpected_sampled":
			return float64(sm.Unexpected)
		}
	}
	if a := e.App; a != nil {
		switch m {
		case "requests":
			return float64(a.Requests)
		case "answered":
			return float64(a.Answered)
		case "http_failed":
			return float64(a.Failed)
		case "http_unexpected_status":
			return float64(a.UnexpectedStatus)
		case "not_sent":
			return float64(a.NotSent)
		}
	}
	return 0
}

type percentile struct{ fn, of string }

func (p percentile) eval(e *Exporter) float64 {
	l := e.ExportLatencyMs
	switch {
	case p.of == "visibility_latency":
		l = e.VisibilityLatencyMs
	case p.of == "http_latency" && e.App != nil:
		l = e.App.LatencyMs
	case p.of == "http_latency":
		l = Latency{}
	}
	switch p.fn {
	case "p50":
		return l.P50
	case "p90":
		if l.P90 != nil {
			return *l.P90
		}
		return l.P99
	case "p99":
		return l.P99
	}
	return l.Max
}

type binary struct {
	op   byte
	l, r node
}

func (b binary) eval(e *Exporter) float64 {
	l, r := b.l.eval(e), b.r.eval(e)
	switch b.op {
	case '+':
		return l + r
	case '-':
		return l - r
	case '*':
		return l * r
	}
	if r == 0 {
		return 0
	}
	return l / r
}

// ParseThreshold parses src; its error says where in src and what was expected.
func ParseThreshold(src string) (Threshold, error) {
	p := &parser{src: src}
	p.next()
	t := Threshold{Source: strings.TrimSpace(src)}
	var err error
	if t.lhs, err = p.sum(); err != nil {
		return t, err
	}
	switch {
	case p.tok.kind == tokIdent && p.tok.text == "between":
		t.op = "between"
		p.next()
		if t.rhs, err = p.sum(); err != nil {
			return t, err
		}
		if p.tok.kind != tokIdent || p.tok.text != "and" {
			return t, p.errorf("expected and, as in sampled_ratio between 0.45 and 0.55")
		}
		p.next()
		if t.hi, err = p.sum(); err != nil {
			return t, err
		}
	case p.tok.kind != tokOp:
		return t, p.errorf("expected a comparison (<, <=, >, >=, ==, !=, between)")
	default:
		t.op = p.tok.text
		p.next()
		if t.rhs, err = p.sum(); err != nil {
			return t, err
		}
	}
	t.sampling = p.sampling
	if p.tok.kind != tokEnd {
		return t, p.errorf("expected the end of the threshold")
	}
	return t, nil
}

// Holds evaluates t on row e and returns the left side's value.
func (t Threshold) Holds(e *Exporter) (value float64, holds bool) {
	l, r := t.lhs.eval(e), t.rhs.eval(e)
	switch t.op {
	case "<":
		return l, l < r
	case "<=":
		return l, l <= r
	case ">":
		return l, l > r
	case ">=":
		return l, l >= r
	case "==":
		return l, l == r
	case "between":
		return l, l >= r && l <= t.hi.eval(e)
	}
	return l, l != r
}

const (
	tokEnd = iota
	tokNum
	tokIdent
	tokOp
	tokPunct
)

type token struct {
	kind int
	text string
	num  float64
	pos  int
}

type parser struct {
	src string
	i   int
	tok token
	// sampling: a metric of samplingMetrics was named.
	sampling bool
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("at column %d of %q: %s", p.tok.pos+1, p.src, fmt.Sprintf(format, args...))
}

func (p *parser) next() {
	for p.i < len(p.src) && p.src[p.i] == ' ' {
		p.i++
	}
	start := p.i
	if p.i >= len(p.src) {
		p.tok = token{kind: tokEnd, pos: start}
		return
	}
	c := rune(p.src[p.i])
	switch {
	case unicode.IsDigit(c) || c == '.':
		for p.i < len(p.src) && (unicode.IsDigit(rune(p.src[p.i])) || p.src[p.i] == '.' || p.src[p.i] == '_') {
			p.i++
		}
		numText := strings.ReplaceAll(p.src[start:p.i], "_", "")
		unitStart := p.i
		for p.i < len(p.src) && unicode.IsLetter(rune(p.src[p.i])) {
			p.i++
		}
		if unit := p.src[unitStart:p.i]; unit != "" {
			d, err := time.ParseDuration(numText + unit)
			if err != nil {
				p.tok = token{kind: tokPunct, text: p.src[start:p.i], pos: start}
				return
			}
			p.tok = token{kind: tokNum, num: float64(d) / float64(time.Millisecond), text: p.src[start:p.i], pos: start}
			return
		}
		f, err := strconv.ParseFloat(numText, 64)
		if err != nil {
			p.tok = token{kind: tokPunct, text: numText, pos: start}
			return
		}
		p.tok = token{kind: tokNum, num: f, text: numText, pos: start}
	case unicode.IsLetter(c) || c == '_':
		for p.i < len(p.src) && (unicode.IsLetter(rune(p.src[p.i])) || unicode.IsDigit(rune(p.src[p.i])) || p.src[p.i] == '_') {
			p.i++
		}
		p.tok = token{kind: tokIdent, text: p.src[start:p.i], pos: start}
	case strings.ContainsRune("<>=!", c):
		p.i++
		if p.i < len(p.src) && p.src[p.i] == '=' {
			p.i++
		}
		op := p.src[start:p.i]
		if op == "=" || op == "!" {
			p.tok = token{kind: tokPunct, text: op, pos: start}
			return
		}
		p.tok = token{kind: tokOp, text: op, pos: start}
	default:
		p.i++
		p.tok = token{kind: tokPunct, text: string(c), pos: start}
	}
}

// sum is products joined by + and -.
func (p *parser) sum() (node, error) { return p.chain("+-", p.product) }

// product is operands joined by * and /.
func (p *parser) product() (node, error) { return p.chain("*/", p.operand) }

// chain parses next, then (op next)... for the operators in ops, left to right.
func (p *parser) chain(ops string, next func() (node, error)) (node, error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokPunct && len(p.tok.text) == 1 && strings.Contains(ops, p.tok.text) {
		op := p.tok.text[0]
		p.next()
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = binary{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) operand() (node, error) {
	switch p.tok.kind {
	case tokNum:
		n := number(p.tok.num)
		p.next()
		return n, nil
	case tokIdent:
		name := p.tok.text
		p.next()
		if slices.Contains(percentiles, name) {
			if p.tok.kind != tokPunct || p.tok.text != "(" {
				return nil, p.errorf("expected ( after %s, as in %s(export_latency)", name, name)
			}
			p.next()
			of := p.tok.text
			if p.tok.kind != tokIdent || !slices.Contains(latencies, of) {
				return nil, p.errorf("expected export_latency, visibility_latency or http_latency in %s()", name)
			}
			p.next()
			if p.tok.kind != tokPunct || p.tok.text != ")" {
				return nil, p.errorf("expected ) after %s(%s", name, of)
			}
			p.next()
			return percentile{fn: name, of: of}, nil
		}
		if _, ok := ThresholdMetrics[name]; !ok || slices.Contains(latencies, name) {
			return nil, fmt.Errorf("at column %d of %q: unknown metric %q; expected one of: %s, or p50/p90/p99/max(export_latency | visibility_latency | http_latency)",
				p.i-len(name)+1, p.src, name, strings.Join(metricNames(), ", "))
		}
		p.sampling = p.sampling || slices.Contains(samplingMetrics, name)
		return metric(name), nil
	case tokEnd:
		return nil, p.errorf("expected a number, a duration or a metric")
	}
	return nil, p.errorf("unexpected %q; expected a number, a duration or a metric", p.tok.text)
}

func metricNames() []string {
	var out []string
	for k := range ThresholdMetrics {
		if !slices.Contains(latencies, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
