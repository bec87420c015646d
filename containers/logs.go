package containers

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
)

// problemLine matches a log line that reports a problem, in the log formats of the backends otelbench runs: zap's
// console encoding (collector, Jaeger: "\terror\t", "\twarn\t"), Go's slog and logfmt (Prometheus: "level=ERROR"),
// and logback (Zipkin: " ERROR ", " WARN ", exceptions).
var problemLine = regexp.MustCompile(`(?i)\b(error|warn|warning|fatal|panic|exception)\b`)

// ErrorLines returns the last n lines of backend b's container log that report a problem (errors, warnings,
// exceptions), oldest first. A backend without a container (external) has none.
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
