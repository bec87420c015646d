package zipkin

import (
	"embed"

	"github.com/otelbench/otelbench/containers"

	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// Image pins Zipkin. The local image is the real server jar from Maven Central on a Java 17 runtime built
// from Debian packages (see javaBase).
var Image = containers.Image{
	Backend:  "zipkin",
	Version:  "3.6.1",
	Official: "openzipkin/zipkin:3.6.1",
	Local:    "otelbench-local/zipkin:3.6.1-2",
	Source:   "io.zipkin:zipkin-server:3.6.1:exec from Maven Central on openjdk-17-jre-headless (debootstrap bookworm, docker import)",
	Recipe:   containers.EmbeddedRecipe(recipe),
	Build:    buildZipkin,
}

func buildZipkin(ctx context.Context, img containers.Image, work string, log io.Writer) error {
	if err := containers.EnsureJavaBase(ctx, work, log); err != nil {
		return fmt.Errorf("java base image: %w", err)
	}
	contextDir := filepath.Join(work, "context")
	if _, err := exec.LookPath("mvn"); err != nil {
		fmt.Fprintln(log, "installing Maven (Debian package)")
		if err := containers.RunCommand(ctx, log, "", "apt-get", "install", "-y", "-qq", "maven"); err != nil {
			return fmt.Errorf("install Maven (needs root and Debian's packages): %w", err)
		}
	}
	fmt.Fprintln(log, "mvn dependency:copy io.zipkin:zipkin-server:3.6.1:jar:exec")
	if err := containers.RunCommand(ctx, log, work, "mvn", "-q", "-B", "dependency:copy",
		"-Dartifact=io.zipkin:zipkin-server:"+img.Version+":jar:exec", "-DoutputDirectory="+contextDir); err != nil {
		return fmt.Errorf("fetch the Zipkin server jar with Maven: %w", err)
	}
	data, err := fs.ReadFile(img.Recipe, "Dockerfile")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(contextDir, "Dockerfile"), data, 0o644)
}

// Config sizes a Zipkin server.
type Config struct {
	// RunID labels the container.
	RunID string
	// MaxSpans is the in-memory store's capacity (MEM_MAX_SPANS); the oldest spans are evicted beyond it.
	// Default 500000 (Zipkin's).
	MaxSpans int
	// HeapMB is the Java heap (-Xms and -Xmx). Default HeapFor(MaxSpans, 200).
	HeapMB int
}

// HeapFor is a Java heap in MB that holds spans of about spanBytes bytes each (see generators.Shape.SpanBytes)
// in Zipkin's memory store with room to spare: 2 KB per span plus three times its size (Java strings, tag maps and
// room for the collector to work), 256 MB besides, never less than 512 MB. Too small a heap does not evict: Zipkin
// dies of OutOfMemoryError and the spans it held read as lost.
func HeapFor(spans, spanBytes int) int {
	return max(512, 256+int((int64(spans)*int64(2048+3*spanBytes))>>20))
}

// Memory is what a Zipkin server with a heap of heapMB takes from the machine, in bytes: the heap, plus
// about 256 MB of the JVM's own (metaspace, code cache, threads, buffers).
func Memory(heapMB int) int64 { return int64(heapMB+256) << 20 }

// Zipkin is a running Zipkin server with in-memory storage.
type Zipkin struct {
	*testcontainers.DockerContainer
	port int
}

// Run starts image as a Zipkin server on a free loopback port and waits until it is healthy. On error the
// partly started container, if any, is returned too so that the caller can terminate it.
func Run(ctx context.Context, image string, cfg Config, opts ...testcontainers.ContainerCustomizer) (*Zipkin, error) {
	if cfg.MaxSpans <= 0 {
		cfg.MaxSpans = 500_000
	}
	if cfg.HeapMB <= 0 {
		cfg.HeapMB = HeapFor(cfg.MaxSpans, 200)
	}
	p, err := containers.FreePorts(1)
	if err != nil {
		return nil, err
	}
	z := &Zipkin{port: p[0]}
	all := []testcontainers.ContainerCustomizer{
		testcontainers.WithEnv(map[string]string{
			"STORAGE_TYPE":         "mem",
			"MEM_MAX_SPANS":        strconv.Itoa(cfg.MaxSpans),
			"QUERY_PORT":           strconv.Itoa(z.port),
			"SELF_TRACING_ENABLED": "false",
			"JAVA_OPTS":            fmt.Sprintf("-Xms%[1]dm -Xmx%[1]dm -XX:+ExitOnOutOfMemoryError", cfg.HeapMB),
			// Armeria's listener, bound to loopback only. Setting one field of ports[0] from the environment
			// replaces the whole entry, so port and protocol are repeated here.
			"ARMERIA_PORTS_0_IP":          containers.Host,
			"ARMERIA_PORTS_0_PORT":        strconv.Itoa(z.port),
			"ARMERIA_PORTS_0_PROTOCOLS_0": "http",
		}),
		testcontainers.WithWaitStrategyAndDeadline(2*time.Minute,
			containers.WaitHTTP(z.port, "/health"),
		),
	}
	srv, err := containers.Run(ctx, "zipkin", image, cfg.RunID, append(all, opts...)...)
	if srv != nil {
		z.DockerContainer = srv.DockerContainer
	}
	if err != nil {
		return z, err
	}
	return z, nil
}

// Kind is "zipkin".
func (*Zipkin) Kind() string { return "zipkin" }

// Terminate stops and removes the container; it is safe on a partly started or nil Zipkin.
func (z *Zipkin) Terminate(ctx context.Context) error {
	if z == nil {
		return nil
	}
	return containers.TerminateContainer(ctx, z.DockerContainer)
}

// BaseURL is the server's base URL (the API is under /api/v2).
func (z *Zipkin) BaseURL() string { return "http://" + containers.HostPort(z.port) }

// SpansURL is where spans are posted (what the OpenTelemetry Go SDK's Zipkin exporter takes).
func (z *Zipkin) SpansURL() string { return z.BaseURL() + "/api/v2/spans" }

//go:embed image
var recipe embed.FS
