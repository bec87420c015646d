package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/reports/live"
)

// Options tune a run. The zero value is usable.
type Options struct {
	// RunID labels the run's containers and is mixed into every generated ID; empty means a new random one.
	RunID string
	// Images says where backend images come from (see containers.ImagePolicy); empty means auto.
	Images containers.ImagePolicy
	// Observer, when set, is told about phases and given progress counters to display.
	Observer Observer
	// OutDir, when set, keeps what console exporters print (OutDir/console/<workload>.<exporter>.jsonl);
	// otherwise it goes to a temporary folder removed after the run.
	OutDir string
	// Logger receives what the run has to say besides its result: testcontainers-go's messages about each
	// container (debug level). Nil discards everything: Run itself prints nothing.
	Logger *slog.Logger
	// Hold, when set, is called with the finished report and the endpoints of every backend (and application
	// under test, as type "app") while they still run; they are stopped when it returns. It lets a user look at what arrived (the CLI's
	// --keep-backends). ctx is Run's.
	Hold func(ctx context.Context, rep *reports.Report, backends []BackendEndpoints)

	// Shard, when its Count is set, makes the run shard Index of Count of one run (otelbench run --shard): it sends
	// the stripe of every workload's schedule whose slots k have k mod Count == Index (generators.Stripe), at the
	// times the whole schedule gives them, and verifies its own items. Every shard must be given the same
	// scenario, RunID and Seed. Its backends must all be external (the shared system under test); the report says
	// which shard it is (Report.Shard) and its latencies carry their histograms, for otelbench merge.
	Shard generators.Stripe
	// StartAt, when set, is when sending begins: the shards of a run agree on it so that their schedules line up.
	// A run ready after StartAt plus StartTolerance is refused (ErrLateStart) before it sends anything.
	StartAt        time.Time
	StartTolerance time.Duration

	// Live, when set, is handed a reading of every row's counters (items emitted, exported, failed and verified,
	// export calls and their durations) when sending begins; it may call it from any goroutine, during the run
	// and after it (the CLI's --metrics-addr and --metrics-otlp).
	Live func(snapshot func() []live.Row)

	// shared, when set, are backends started before the run (by Bench, for the probes of a capacity search):
	// the run uses them as they are and leaves them running.
	shared *backendSet
}

// BackendEndpoints says where a backend of a run can be reached, while Options.Hold runs.
type BackendEndpoints struct {
	// Name and Type are the backend's, from the scenario; External says otelbench did not start it.
	Name, Type string
	External   bool
	// URLs maps what an endpoint is for ("query", "otlp_grpc", "otlp_http", "zipkin", "remote_write",
	// "metrics", "files") to its URL, host:port or folder.
	URLs map[string]string
}

// Observer follows a run. Its methods are called from Run's goroutine and must not block.
type Observer interface {
	// Phase announces a step of the run ("start jaeger", "send", "verify", ...).
	Phase(msg string)
	// Track hands over a counter that advances until Done reports true.
	Track(p *Progress)
}

// Progress is a counter the observer may poll from any goroutine.
type Progress struct {
	// Name says what is counted ("send checkout/otlp-grpc").
	Name string
	// Unit names the items ("spans").
	Unit string
	// Current and Total return the count so far and the count expected (Total may grow while sending).
	Current, Total func() int64
	// Done reports whether the counter will not move any more.
	Done func() bool
}

// NewRunID returns a random run ID: 12 hex digits, short enough for container labels and terminals.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrInterrupted is returned when the run's context is cancelled (Ctrl-C); backends are terminated anyway, and
// the report returned with it holds what was measured until then (Report.Interrupted).
var ErrInterrupted = errors.New("run interrupted")

// ErrLateStart is returned when a run with Options.StartAt was ready to send only after StartAt plus
// StartTolerance: its schedule would lag the other shards' by more than the tolerance.
var ErrLateStart = errors.New("ready after the agreed start")

// ErrNoScenario is returned by Run when it is given no scenario.
var ErrNoScenario = errors.New("no scenario: expected one from scenarios.Load or scenarios.Parse, or built in Go")
