// Package victorialogs is the victorialogs backend: a VictoriaLogs single-node server taking logs through its
// OTLP/HTTP receiver (from the SDK or a collector), read back record by record with LogsQL.
//
// How it stores what OTLP sent (checked against v1.52.1): a string body becomes _msg; log and resource attributes
// become top-level fields in one flat namespace, every value a string; resource attributes form the stream
// (_stream); trace_id and span_id as lower-case hex; severity_number and severity_text.
package victorialogs

import (
	"bufio"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Version is the VictoriaLogs release the image runs.
const Version = "1.52.1"

//go:embed image
var recipe embed.FS

// Image is built from the Go module.
var Image = containers.Image{
	Backend:  "victorialogs",
	Version:  Version,
	Official: "victoriametrics/victoria-logs:v" + Version,
	Local:    "otelbench-local/victorialogs:" + Version,
	Source:   "Go module github.com/VictoriaMetrics/VictoriaLogs v" + Version + ", app/victoria-logs, static binary in a FROM scratch image",
	Recipe:   containers.EmbeddedRecipe(recipe),
	Build: containers.GoBinary("github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs", "victoria-logs", nil,
		"-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-v"+Version),
}

// OTLPPath is the URL path of the OTLP/HTTP logs receiver (protobuf).
const OTLPPath = "/insert/opentelemetry/v1/logs"

// Kind is the victorialogs backend type.
type Kind struct{}

var (
	_ containers.Kind      = Kind{}
	_ containers.Forwarded = (*live)(nil)
)

// Describe: VictoriaLogs takes logs over OTLP HTTP and answers LogsQL; a collector forwards logs to it; an
// external VictoriaLogs is reached at its base URL (query API and receiver).
func (Kind) Describe() backend.Description {
	return backend.Description{
		Type:         "victorialogs",
		Receives:     map[generators.Signal][]string{generators.Logs: {generators.OTLPHTTP}},
		GivesBack:    func(_ backend.Spec, s generators.Signal) bool { return s == generators.Logs },
		ForwardedVia: map[generators.Signal]string{generators.Logs: backend.ViaOTLP},
		ExternalKeys: []string{"url"},
		Validate: func(spec backend.Spec, report func(field, format string, args ...any)) {
			backend.NeedURL(spec, report, "its base URL (query API and receiver)", "http://127.0.0.1:9428")
		},
	}
}

func (Kind) Image() (containers.Image, bool) { return Image, true }

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	p, err := containers.FreePorts(1)
	if err != nil {
		return nil, err
	}
	addr := containers.HostPort(p[0])
	data, err := containers.WithDataDir(env.WorkDir, "victorialogs-"+env.Spec.Name, "/data")
	if err != nil {
		return nil, err
	}
	opts := append(append(data,
		testcontainers.WithCmd("-httpListenAddr="+addr, "-storageDataPath=/data", "-retentionPeriod=1d"),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute, containers.WaitHTTP(p[0], "/health")),
	), env.Customizers...)
	s, err := containers.Run(ctx, "victorialogs", env.Image, env.RunID, opts...)
	l := &live{ContainerLive: containers.ContainerLive{Ctr: s}, name: env.Spec.Name}
	if err != nil {
		return l, err
	}
	l.base, l.addr, l.client = "http://"+addr, addr, verify.HTTPClient(nil, nil)
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	u, err := url.Parse(e.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("url %q: expected the server's base URL, e.g. http://127.0.0.1:9428", e.URL)
	}
	return &live{name: spec.Name, base: strings.TrimRight(e.URL, "/"), addr: u.Host, path: strings.TrimRight(u.Path, "/"),
		ext: e, client: verify.HTTPClient(e.TLS, e.Headers)}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	name, base, addr, path string
	ext                    *backend.External
	client                 *http.Client
}

func (l *live) Endpoint(protocol string, s generators.Signal, _ string) (backend.Endpoint, bool) {
	if s != generators.Logs || protocol != generators.OTLPHTTP {
		return backend.Endpoint{}, false
	}
	ep := backend.Endpoint{Address: l.addr}
	if l.ext != nil {
		ep = l.ext.Endpoint(l.addr)
	}
	ep.URLPath = l.path + OTLPPath
	return ep, true
}

func (l *live) ForwardExporter(s generators.Signal) (string, map[string]any, string, bool) {
	if s != generators.Logs {
		return "", nil, "", false
	}
	return "otlphttp/" + l.name, containers.WithQueue(map[string]any{"logs_endpoint": l.base + OTLPPath}), "otlp", true
}

// LogSource reads the stream's records back with LogsQL (see source).
func (l *live) LogSource(stream, _ string) verify.LogSource {
	s := &source{base: l.base, client: l.client, stream: stream, start: time.Now().Add(-time.Minute)}
	return s.next
}

// source returns, on each call, the stream's records it has not returned before. It asks for the records of the
// last lag before the newest it has seen (VictoriaLogs makes records queryable a second or two after they
// arrive), and for everything since the stream started every sweep-th call, to catch records that arrive late;
// seen (one bit per sequence number) keeps a record from being returned twice. A copy stored twice comes back
// twice when both copies are there on the first read that finds the record.
type source struct {
	base   string
	client *http.Client
	stream string
	start  time.Time

	calls  int
	newest time.Time
	// seen is a bitmap of the sequence numbers returned, by run ID: the stream's records of an earlier run on the
	// same server carry the same sequence numbers (the verifier sets them aside).
	seen map[string][]uint64
}

const (
	lag   = 30 * time.Second
	sweep = 8
)

func (s *source) next(ctx context.Context) ([]verify.LogRecord, error) {
	s.calls++
	from := s.start
	if s.calls%sweep != 1 && !s.newest.IsZero() && s.newest.Add(-lag).After(from) {
		from = s.newest.Add(-lag)
	}
	s.flush(ctx)
	query := fmt.Sprintf(`_time:>=%s %s:=%q`, from.UTC().Format(time.RFC3339Nano), quoteField(generators.AttrStream), s.stream)
	form := url.Values{"query": {query}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/select/logsql/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("logsql query: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var out []verify.LogRecord
	found := map[seenKey]bool{} // returned in this call: its copies come back too
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var fields map[string]string
		if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
			return nil, fmt.Errorf("%w: logsql answer line is not a JSON object: %v", verify.ErrUnreadable, err)
		}
		r := record(fields)
		if t := r.Time; t.After(s.newest) {
			s.newest = t
		}
		seq, err := strconv.ParseUint(fields[generators.AttrSeq], 10, 64)
		if err != nil {
			out = append(out, r) // not otelbench's: the verifier sets it aside
			continue
		}
		k := seenKey{fields[generators.ResourceRunID], seq}
		if s.has(k) && !found[k] {
			continue
		}
		s.set(k)
		found[k] = true
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read logsql answer: %w", err)
	}
	return out, nil
}

// flush asks the server to make what it received queryable now; a server that refuses (an external one behind a
// proxy) shows records a second or two later instead.
func (s *source) flush(ctx context.Context) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/internal/force_flush", nil)
	if err != nil {
		return
	}
	if resp, err := s.client.Do(req); err == nil {
		resp.Body.Close()
	}
}

// seenKey is a record of a run: its run ID and sequence number.
type seenKey struct {
	run string
	seq uint64
}

func (s *source) has(k seenKey) bool {
	seen, i := s.seen[k.run], k.seq/64
	return i < uint64(len(seen)) && seen[i]&(1<<(k.seq%64)) != 0
}

func (s *source) set(k seenKey) {
	if s.seen == nil {
		s.seen = map[string][]uint64{}
	}
	seen, i := s.seen[k.run], k.seq/64
	for uint64(len(seen)) <= i {
		seen = append(seen, 0)
	}
	seen[i] |= 1 << (k.seq % 64)
	s.seen[k.run] = seen
}

// quoteField quotes a field name for LogsQL when it has characters a bare name cannot.
func quoteField(name string) string {
	if strings.ContainsAny(name, ".-/ ") {
		return strconv.Quote(name)
	}
	return name
}

// record is a LogsQL answer line as a log record: resource attributes are the fields named in _stream, the other
// fields (but VictoriaLogs' own) the record's attributes, every value a string.
func record(fields map[string]string) verify.LogRecord {
	r := verify.LogRecord{Body: fields["_msg"], SeverityText: fields["severity_text"], Attributes: map[string]any{}, Resource: map[string]any{}}
	r.Time, _ = time.Parse(time.RFC3339Nano, fields["_time"])
	r.Severity, _ = strconv.Atoi(fields["severity_number"])
	if b, err := trace.TraceIDFromHex(fields["trace_id"]); err == nil {
		r.TraceID = b
	}
	if b, err := trace.SpanIDFromHex(fields["span_id"]); err == nil {
		r.SpanID = b
	}
	resource := streamFields(fields["_stream"])
	for k, v := range fields {
		switch {
		case strings.HasPrefix(k, "_"), k == "severity_text", k == "severity_number", k == "trace_id", k == "span_id":
		case resource[k]:
			r.Resource[k] = v
		default:
			r.Attributes[k] = v
		}
	}
	return r
}

// streamFields are the field names of a _stream value: {a="x",b.c="y"}.
func streamFields(stream string) map[string]bool {
	out := map[string]bool{}
	stream = strings.TrimSuffix(strings.TrimPrefix(stream, "{"), "}")
	for stream != "" {
		name, rest, ok := strings.Cut(stream, "=")
		if !ok {
			break
		}
		out[strings.TrimSpace(name)] = true
		// skip the quoted value
		if v, err := strconv.QuotedPrefix(rest); err == nil {
			rest = rest[len(v):]
		}
		stream = strings.TrimPrefix(rest, ",")
	}
	return out
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{URL: l.base}, true
}

func (l *live) Describe() map[string]string { return map[string]string{"query": l.base} }
