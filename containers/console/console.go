// Package console is the console backend: otelbench's own console exporters write each stream to a file of the
// run (JSON lines), which is read back. Nothing is started.
package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Kind is the console backend type.
type Kind struct{}

var _ containers.Kind = Kind{}

// Describe: a console backend is a folder of the run, not a server: the SDK's stdout exporters write every signal
// there, and it is read back from the files.
func (Kind) Describe() backend.Description {
	return backend.Description{
		Type:       "console",
		Receives:   backend.Every(generators.Console),
		GivesBack:  func(backend.Spec, generators.Signal) bool { return true },
		NotStarted: true,
		ReadsFiles: true,
		Validate: func(spec backend.Spec, report func(field, format string, args ...any)) {
			if spec.External != nil {
				report("external", "a console backend is otelbench's own standard output; it has no external endpoints")
			}
			if len(spec.Args) > 0 {
				report("args", "args are command-line arguments for a backend otelbench starts; backend %q is not started", spec.Name)
			}
		},
	}
}

// Image: none, a console backend is not a container.
func (Kind) Image() (containers.Image, bool) { return containers.Image{}, false }

func (Kind) Start(_ context.Context, env containers.StartEnv) (containers.Live, error) {
	dir := filepath.Join(env.WorkDir, "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("console folder: %w", err)
	}
	return &live{dir: dir}, nil
}

func (Kind) Connect(context.Context, backend.Spec) (containers.Live, error) {
	return nil, fmt.Errorf("a console backend cannot be external")
}

type live struct {
	containers.ContainerLive // no container: nothing to terminate
	dir                      string
}

// file is where stream's console exporter writes.
func (l *live) file(stream string) string {
	return filepath.Join(l.dir, strings.ReplaceAll(stream, "/", ".")+".jsonl")
}

func (l *live) Endpoint(protocol string, _ generators.Signal, stream string) (backend.Endpoint, bool) {
	if protocol != generators.Console {
		return backend.Endpoint{}, false
	}
	return backend.Endpoint{Address: l.file(stream)}, true
}

func (l *live) TraceReader(stream, _ string) verify.TraceReader {
	return NewTraceReader(l.file(stream))
}

func (l *live) MetricReader(stream, _ string) verify.MetricReader {
	return verify.SourceReader{Src: MetricSource(l.file(stream))}
}

func (l *live) LogSource(stream, _ string) verify.LogSource {
	return LogSource(l.file(stream))
}

// External: none, a console backend is otelbench's own files.
func (l *live) External() (backend.External, bool) { return backend.External{}, false }

func (l *live) Describe() map[string]string { return map[string]string{"files": l.dir} }
