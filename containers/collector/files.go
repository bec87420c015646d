package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/otelbench/otelbench/verify"
)

// What a collector's file exporters write (OTLP JSON, one export per line) read back as records and data points.

// OTLP JSON, as the collector's file exporter writes it: one ExportLogsServiceRequest per line.
type otlpJSONLogs struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []otlpJSONKV `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			LogRecords []struct {
				TimeUnixNano   string       `json:"timeUnixNano"`
				SeverityNumber int          `json:"severityNumber"`
				SeverityText   string       `json:"severityText"`
				Body           otlpJSONAny  `json:"body"`
				Attributes     []otlpJSONKV `json:"attributes"`
				TraceID        string       `json:"traceId"`
				SpanID         string       `json:"spanId"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type otlpJSONKV struct {
	Key   string      `json:"key"`
	Value otlpJSONAny `json:"value"`
}

type otlpJSONAny struct {
	StringValue *string  `json:"stringValue"`
	IntValue    *string  `json:"intValue"` // int64 is a string in OTLP JSON
	DoubleValue *float64 `json:"doubleValue"`
	BoolValue   *bool    `json:"boolValue"`
}

func (a otlpJSONAny) value() any {
	switch {
	case a.StringValue != nil:
		return *a.StringValue
	case a.IntValue != nil:
		if n, err := strconv.ParseInt(*a.IntValue, 10, 64); err == nil {
			return n
		}
		return *a.IntValue
	case a.DoubleValue != nil:
		return *a.DoubleValue
	case a.BoolValue != nil:
		return *a.BoolValue
	}
	return nil
}

func kvMap(kvs []otlpJSONKV) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

// parseLogLine parses one line of a collector's file exporter: an ExportLogsServiceRequest in OTLP JSON.
func parseLogLine(line []byte) ([]verify.LogRecord, error) {
	var doc otlpJSONLogs
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, fmt.Errorf("not OTLP JSON logs: %w", err)
	}
	var out []verify.LogRecord
	for _, rl := range doc.ResourceLogs {
		res := kvMap(rl.Resource.Attributes)
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				rec := verify.LogRecord{
					Severity: lr.SeverityNumber, SeverityText: lr.SeverityText,
					Attributes: kvMap(lr.Attributes), Resource: res,
				}
				if s, ok := lr.Body.value().(string); ok {
					rec.Body = s
				} else if v := lr.Body.value(); v != nil {
					rec.Body = fmt.Sprint(v)
				}
				if ns, err := strconv.ParseInt(lr.TimeUnixNano, 10, 64); err == nil {
					rec.Time = time.Unix(0, ns)
				}
				if lr.TraceID != "" {
					rec.TraceID, _ = verify.ParseTraceID(lr.TraceID)
				}
				if lr.SpanID != "" {
					rec.SpanID, _ = verify.ParseSpanID(lr.SpanID)
				}
				out = append(out, rec)
			}
		}
	}
	return out, nil
}

type otlpJSONPoint struct {
	Attributes   []otlpJSONKV `json:"attributes"`
	TimeUnixNano string       `json:"timeUnixNano"`
	AsInt        *string      `json:"asInt"`
	AsDouble     *float64     `json:"asDouble"`
	Count        string       `json:"count"`
	Sum          *float64     `json:"sum"`
}

type otlpJSONData struct {
	DataPoints             []otlpJSONPoint `json:"dataPoints"`
	AggregationTemporality int             `json:"aggregationTemporality"` // 1 delta, 2 cumulative
}

type otlpJSONMetrics struct {
	ResourceMetrics []struct {
		Resource struct {
			Attributes []otlpJSONKV `json:"attributes"`
		} `json:"resource"`
		ScopeMetrics []struct {
			Metrics []struct {
				Name                 string        `json:"name"`
				Unit                 string        `json:"unit"`
				Sum                  *otlpJSONData `json:"sum"`
				Gauge                *otlpJSONData `json:"gauge"`
				Histogram            *otlpJSONData `json:"histogram"`
				ExponentialHistogram *otlpJSONData `json:"exponentialHistogram"`
			} `json:"metrics"`
		} `json:"scopeMetrics"`
	} `json:"resourceMetrics"`
}

// parseMetricLine parses one line of a collector's file exporter: an ExportMetricsServiceRequest in OTLP JSON.
func parseMetricLine(line []byte) ([]verify.MetricPoint, error) {
	var doc otlpJSONMetrics
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, fmt.Errorf("not OTLP JSON metrics: %w", err)
	}
	var out []verify.MetricPoint
	for _, rm := range doc.ResourceMetrics {
		res := kvMap(rm.Resource.Attributes)
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				for typ, d := range map[string]*otlpJSONData{"sum": m.Sum, "gauge": m.Gauge, "histogram": m.Histogram, "exponentialHistogram": m.ExponentialHistogram} {
					if d == nil {
						continue
					}
					for _, dp := range d.DataPoints {
						p := verify.MetricPoint{Name: m.Name, Unit: m.Unit, Type: typ, Delta: d.AggregationTemporality == 1, Attributes: kvMap(dp.Attributes), Resource: res}
						if ns, err := strconv.ParseInt(dp.TimeUnixNano, 10, 64); err == nil {
							p.Time = time.Unix(0, ns)
						}
						switch {
						case dp.AsInt != nil:
							n, _ := strconv.ParseInt(*dp.AsInt, 10, 64)
							p.Value = float64(n)
						case dp.AsDouble != nil:
							p.Value = *dp.AsDouble
						}
						if dp.Count != "" {
							p.Count, _ = strconv.ParseUint(dp.Count, 10, 64)
						}
						if dp.Sum != nil {
							p.Sum = *dp.Sum
						}
						out = append(out, p)
					}
				}
			}
		}
	}
	return out, nil
}

// LogFiles is the log records a collector's file exporter writes into dir: OTLP JSON, one export per line, in
// files named logs*.json or logs*.jsonl (logs.jsonl, rotated logs-<time>.jsonl). Each call returns the records
// written since the previous one. dir must exist.
func LogFiles(dir string) verify.LogSource {
	t := verify.NewLineTail(dir, filepath.Join(dir, "logs*.json*"))
	return func(context.Context) ([]verify.LogRecord, error) {
		var out []verify.LogRecord
		err := t.Next(func(line []byte) error {
			recs, err := parseLogLine(line)
			out = append(out, recs...)
			return err
		})
		return out, err
	}
}

// MetricFiles is the data points a collector's file exporter writes into dir: OTLP JSON, one export per line, in
// files named metrics*.json or metrics*.jsonl. Each call returns the points written since the previous one. dir
// must exist.
func MetricFiles(dir string) verify.MetricSource {
	t := verify.NewLineTail(dir, filepath.Join(dir, "metrics*.json*"))
	return func(context.Context) ([]verify.MetricPoint, error) {
		var out []verify.MetricPoint
		err := t.Next(func(line []byte) error {
			pts, err := parseMetricLine(line)
			out = append(out, pts...)
			return err
		})
		return out, err
	}
}
