// Package threshold is the language of otelbench's thresholds: conditions on a report row's numbers, parsed once
// with placed errors and evaluated on any row that can say its numbers by name (Row). The scenario loader checks
// them with it, and reports evaluates them, without either importing the other.
package threshold

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
// compared in milliseconds), row metrics (Metrics, each in its unit: Units) and percentiles of a latency (p50, p90,
// p99, max of export_latency, visibility_latency or http_latency, the last on application rows; in milliseconds);
// + - * / combine them. Parse checks the syntax; Check what a scenario's rows make meaningless; Unit is the unit
// of the left side, the value reported.
type Threshold struct {
	// Source is the threshold as written, without surrounding spaces.
	Source string
	// src is the threshold as given to Parse: errors count columns in it.
	src string
	lhs node
	op  string
	rhs node
	hi  node // the upper bound of between
	// sampling: the threshold names a metric only rows with sampling have.
	sampling bool
}

// Row is what a threshold is evaluated on: a report row's numbers by the names Metrics lists (0 for one the row
// does not have), and a percentile (p50, p90, p99, max) of one of its latencies in milliseconds.
type Row interface {
	Metric(name string) float64
	Percentile(fn, of string) float64
}

// Sampling reports whether t names a metric only rows with sampling have (SamplingMetrics): it applies to those
// rows alone.
func (t Threshold) Sampling() bool { return t.sampling }

// Metrics are the row numbers a threshold can name, each with what it means.
var Metrics = map[string]string{
	"sent": "items to verify", "verified": "items read back as sent", "lost": "items not found",
	"duplicated": "extra copies", "altered": "items found changed", "overflowed": "metrics data points in the SDK's overflow series",
	"dropped_in_sdk": "items dropped in the SDK", "throughput": "items exported per second",
	"dropped_by_collector": "lost items a collector on the path said it dropped (lost_by_cause)",
	"never_readable":       "lost items no one on the path accounts for (lost_by_cause)",
	"target_rate":          "scheduled items per second", "achieved_rate": "emitted items per second", "missed_slots": "scheduled slots not emitted",
	"export_calls": "export calls", "export_failed_calls": "failed export calls", "export_failed_items": "items in failed export calls",
	"bytes_sent": "bytes on the wire", "bytes_per_item": "bytes on the wire per item",
	"export_retries": "requests export calls made beyond their first (otlp-grpc, otlp-http, zipkin)",
	"export_latency": "export call duration (with p50, p90, p99, max)", "visibility_latency": "emit-to-queryable (with p50, p99, max)",
	"requests": "an app's requests sent", "answered": "an app's requests answered", "http_failed": "an app's requests with no answer",
	"http_unexpected_status": "an app's answers of a status not expected", "not_sent": "an app's requests not sent (max_in_flight)",
	"http_latency":               "an app's request latency from its due time (with p50, p90, p99, max)",
	"sampled_ratio":              "share of requests (or traces) whose trace was kept (rows with sampling only)",
	"expected_sampled_ratio":     "the share the sampler should keep (rows with sampling only)",
	"not_sampled":                "requests (or traces) the sampler dropped as expected (rows with sampling only)",
	"unexpected_sampled":         "traces the sampler should have dropped that arrived (rows with sampling only)",
	"recovery_s":                 "seconds from a fault's end to the exporter's first export that went through after failing (the longest over the faults; never: +Inf; 0 without faults)",
	"readable_s":                 "seconds from a fault's end to the first item sent into it read back (the longest over the faults; never, or metrics rows: +Inf)",
	"failed_calls_during_faults": "export calls that failed from a fault's start to the exporter's recovery",
	"failed_items_during_faults": "items in those calls",
	"retries_during_faults":      "requests export calls made beyond their first from a fault's start to the exporter's recovery (otlp-grpc, otlp-http, zipkin)",
	"lost_during_faults":         "lost items due during a fault or before the exporter recovered from it (traces and logs; on metrics rows, all lost)",
	"lost_outside_faults":        "lost items due outside those windows (traces and logs; on metrics rows, all lost)",
}

// SamplingMetrics are the metrics only a traces row with sampling has: a threshold naming one applies to those
// rows alone.
var SamplingMetrics = []string{"sampled_ratio", "expected_sampled_ratio", "not_sampled", "unexpected_sampled"}

// Latencies are the distributions a percentile can be taken of.
var Latencies = []string{"export_latency", "visibility_latency", "http_latency"}

var percentiles = []string{"p50", "p90", "p99", "max"}

type node interface {
	eval(r Row) float64
	// where is where the node stands in the threshold's source.
	where() place
}

// place is a stretch of a threshold's source: bytes [from, to).
type place struct{ from, to int }

func (p place) where() place { return p }

// number is a literal: a plain number, or a duration (in milliseconds).
type number struct {
	v        float64
	duration bool
	place
}

func (n number) eval(Row) float64 { return n.v }

type metric struct {
	name string
	place
}

func (m metric) eval(r Row) float64 { return r.Metric(m.name) }

type percentile struct {
	fn, of string
	place
}

func (p percentile) eval(r Row) float64 { return r.Percentile(p.fn, p.of) }

type binary struct {
	op   byte
	l, r node
}

func (b binary) where() place { return place{b.l.where().from, b.r.where().to} }

func (b binary) eval(row Row) float64 {
	l, r := b.l.eval(row), b.r.eval(row)
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

// Parse parses src; its error says where in src and what was expected.
func Parse(src string) (Threshold, error) {
	p := &parser{src: src}
	p.next()
	t := Threshold{Source: strings.TrimSpace(src), src: src}
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

// Holds evaluates t on row and returns the left side's value.
func (t Threshold) Holds(row Row) (value float64, holds bool) {
	l, r := t.lhs.eval(row), t.rhs.eval(row)
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
		return l, l >= r && l <= t.hi.eval(row)
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
	// duration: num is a duration literal's value in milliseconds.
	duration bool
	pos      int
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
			p.tok = token{kind: tokNum, num: float64(d) / float64(time.Millisecond), duration: true, text: p.src[start:p.i], pos: start}
			return
		}
		f, err := strconv.ParseFloat(numText, 64)
		if err != nil {
			p.tok = token{kind: tokPunct, text: numText, pos: start}
			return
		}
		p.tok = token{kind: tokNum, num: f, text: p.src[start:p.i], pos: start}
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
	start := p.tok
	switch p.tok.kind {
	case tokNum:
		p.next()
		return number{v: start.num, duration: start.duration, place: place{start.pos, start.pos + len(start.text)}}, nil
	case tokIdent:
		name := p.tok.text
		p.next()
		if slices.Contains(percentiles, name) {
			if p.tok.kind != tokPunct || p.tok.text != "(" {
				return nil, p.errorf("expected ( after %s, as in %s(export_latency)", name, name)
			}
			p.next()
			of := p.tok.text
			if p.tok.kind != tokIdent || !slices.Contains(Latencies, of) {
				return nil, p.errorf("expected export_latency, visibility_latency or http_latency in %s()", name)
			}
			p.next()
			if p.tok.kind != tokPunct || p.tok.text != ")" {
				return nil, p.errorf("expected ) after %s(%s", name, of)
			}
			end := p.tok.pos + 1
			p.next()
			return percentile{fn: name, of: of, place: place{start.pos, end}}, nil
		}
		if _, ok := Metrics[name]; !ok || slices.Contains(Latencies, name) {
			return nil, fmt.Errorf("at column %d of %q: unknown metric %q; expected one of: %s, or p50/p90/p99/max(export_latency | visibility_latency | http_latency)",
				start.pos+1, p.src, name, strings.Join(metricNames(), ", "))
		}
		p.sampling = p.sampling || slices.Contains(SamplingMetrics, name)
		return metric{name: name, place: place{start.pos, start.pos + len(name)}}, nil
	case tokEnd:
		return nil, p.errorf("expected a number, a duration or a metric")
	}
	return nil, p.errorf("unexpected %q; expected a number, a duration or a metric", p.tok.text)
}

func metricNames() []string {
	var out []string
	for k := range Metrics {
		if !slices.Contains(Latencies, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
