package containers

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
)

// problemLine matches a log line logged at error level or worse, in the log formats of the backends otelbench
// runs: zap's console and JSON encodings (collector, Jaeger: "\terror\t", "level":"error"), Go's slog and logfmt
// (Prometheus: level=ERROR), and logback (Zipkin: " ERROR ", exceptions). Warnings are left out: backends warn
// about harmless things at start (Jaeger's UI placeholder, Zipkin's metrics registry).
var problemLine = regexp.MustCompile(`\t(error|fatal|panic|dpanic)\t|"level":\s*"(error|fatal|panic)"|(?i:level=(error|fatal))|\s(ERROR|FATAL)\s|Exception\b`)

// ErrorLines returns the last n lines of backend b's container log logged at error level or worse (see
// problemLine), oldest first. A backend without a container (external) has none.
func ErrorLines(ctx context.Context, b Backend, n int) ([]string, error) {
	src, ok := b.(interface {
		Logs(context.Context) (io.ReadCloser, error)
	})
	if !ok || b == nil {
		return nil, nil
	}
	logs, err := src.Logs(ctx)
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	var last []string
	sc := bufio.NewScanner(logs)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !problemLine.MatchString(line) {
			continue
		}
		if len(last) == n {
			last = append(last[:0], last[1:]...)
		}
		last = append(last, line)
	}
	return last, sc.Err()
}
