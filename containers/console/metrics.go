package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/otelbench/otelbench/verify"
)

// MetricSource reads back the data points the SDK's console metrics exporter (stdoutmetric) wrote to the file
// at path: one JSON document (a metricdata.ResourceMetrics) per export, one per line. Each call returns the points
// written since the previous one; a line that is not such a document is an error wrapping verify.ErrUnreadable.
// Verify them with verify.MetricsFromSource.
func MetricSource(path string) verify.MetricSource {
	t := verify.NewLineTail("", path)
	return func(context.Context) ([]verify.MetricPoint, error) {
		var out []verify.MetricPoint
		err := t.Next(func(line []byte) error {
			pts, err := parseConsoleMetricLine(line)
			out = append(out, pts...)
			return err
		})
		return out, err
	}
}

// stdoutmetric's JSON form of metricdata.ResourceMetrics. The aggregation's Go type is not written: it is told
// by its fields (a sum has IsMonotonic, a gauge no Temporality, an exponential histogram's points a Scale).
type consoleMetricsDoc struct {
	Resource     present[[]consoleKV]
	ScopeMetrics []struct {
		Metrics []struct {
			Name string
			Unit string
			Data *consoleMetricData
		}
	}
}

type consoleMetricData struct {
	DataPoints []struct {
		Attributes []consoleKV
		Time       time.Time
		// Value is a sum's or gauge's; Count and Sum a histogram's; Scale only an exponential histogram's.
		Value *float64
		Count *uint64
		Sum   *float64
		Scale *int32
	}
	Temporality *string
	IsMonotonic *bool
}

// hasKey reports whether the JSON object doc has key (its value null included). It is asked only of documents
// without scope metrics, which are short: an export of nothing, or a line that is no metrics document.
func hasKey(doc []byte, key string) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(doc, &keys) != nil {
		return false
	}
	_, ok := keys[key]
	return ok
}

// present is a field that knows whether its key was in the document (null included).
type present[T any] struct {
	set bool
	v   T
}

func (p *present[T]) UnmarshalJSON(b []byte) error {
	p.set = true
	return json.Unmarshal(b, &p.v)
}

// parseConsoleMetricLine parses one line of stdoutmetric's output into data points.
func parseConsoleMetricLine(line []byte) ([]verify.MetricPoint, error) {
	var doc consoleMetricsDoc
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, fmt.Errorf("not a console metrics document: %w", err)
	}
	if !doc.Resource.set || doc.ScopeMetrics == nil && !hasKey(line, "ScopeMetrics") {
		return nil, errors.New("not a console metrics document: no Resource and ScopeMetrics")
	}
	res := make(map[string]any, len(doc.Resource.v))
	for _, kv := range doc.Resource.v {
		res[kv.Key] = kv.value()
	}
	var out []verify.MetricPoint
	for _, sm := range doc.ScopeMetrics {
		for _, m := range sm.Metrics {
			d := m.Data
			if m.Name == "" || d == nil {
				return nil, fmt.Errorf("not a console metrics document: a metric without name or data")
			}
			typ, delta := "gauge", false
			if d.Temporality != nil {
				switch *d.Temporality {
				case "CumulativeTemporality":
				case "DeltaTemporality":
					delta = true
				default:
					return nil, fmt.Errorf("metric %s: unknown temporality %q", m.Name, *d.Temporality)
				}
				typ = "histogram"
				if d.IsMonotonic != nil {
					typ = "sum"
				}
			}
			for _, dp := range d.DataPoints {
				p := verify.MetricPoint{Name: m.Name, Unit: m.Unit, Type: typ, Delta: delta, Time: dp.Time, Attributes: make(map[string]any, len(dp.Attributes)), Resource: res}
				for _, kv := range dp.Attributes {
					p.Attributes[kv.Key] = kv.value()
				}
				switch typ {
				case "sum", "gauge":
					if dp.Value == nil {
						return nil, fmt.Errorf("metric %s: a %s data point without a value", m.Name, typ)
					}
					p.Value = *dp.Value
				default:
					if dp.Count == nil || dp.Sum == nil {
						return nil, fmt.Errorf("metric %s: a histogram data point without count or sum", m.Name)
					}
					p.Count, p.Sum = *dp.Count, *dp.Sum
					if dp.Scale != nil {
						p.Type = "exponentialHistogram"
					}
				}
				out = append(out, p)
			}
		}
	}
	return out, nil
}
