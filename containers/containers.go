// Package containers starts the backends otelbench sends to as real servers in Docker containers, with
// testcontainers-go, and builds their images locally when no registry can be reached.
//
// Every container runs with host networking on ports chosen free at start, listens on 127.0.0.1 only, and
// carries labels naming its run and the otelbench process that started it, so that Prune can find what a crashed
// run left behind, and only that. Callers terminate what they start;
// Terminate is safe on a partly started backend.
package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The labels otelbench puts on what it makes. Every container a run starts carries Label, RunIDLabel (the run's ID),
// OwnerLabel and, where /proc tells, OwnerNSLabel; all are set when the container is created, never by its image,
// so Prune selects by the RunIDLabel key and a container made by hand from an otelbench image is never selected.
// Images otelbench builds carry ImageLabel (the backend type) and ImageLabel+".source" instead, and no container
// label. (Images built before ImageLabel existed carry Label; Prune does not select by it.)
const (
	// Label marks every container otelbench starts, "true"; kept for docker ps filters, Prune does not rely on it.
	Label = "dev.otelbench"
	// RunIDLabel carries the ID of the run that started the container.
	RunIDLabel = "dev.otelbench.run-id"
	// OwnerLabel names the otelbench process that started the container, "<pid>:<start time>", the start time
	// being field 22 of /proc/<pid>/stat (clock ticks since boot; 0 when unknown), so that a reused PID is not
	// mistaken for the owner.
	OwnerLabel = "dev.otelbench.owner"
	// OwnerNSLabel says where OwnerLabel's PID means something, "<boot id>/<PID namespace inode>": a process in
	// another PID namespace, on another machine sharing the engine, or before a reboot cannot be checked.
	OwnerNSLabel = "dev.otelbench.owner-ns"
	// ImageLabel marks the images otelbench builds; its value is the backend type.
	ImageLabel = "dev.otelbench.image"
)

// Host is the address every backend listens on: containers share the host's network and bind loopback only.
const Host = "127.0.0.1"

// stopTimeout is how long a backend gets to exit after SIGTERM before it is killed. Backends hold nothing otelbench
// needs after a run, so there is no reason to wait Docker's default 10 s.
const stopTimeout = time.Second

// ErrSettings is returned when the process's testcontainers-go settings do not suit otelbench (see
// ProcessSettings).
var ErrSettings = errors.New("testcontainers-go is not set up for otelbench")

// checkSettings refuses to start containers with testcontainers-go's Ryuk reaper on: its image cannot be pulled
// offline, and otelbench terminates what it starts itself (Terminate, the CLI's signal handling, Prune by label).
// testcontainers-go reads the setting from the process environment, once: the process sets it
// (ProcessSettings), never this package.
func checkSettings() error {
	if !testcontainers.ReadConfig().Config.RyukDisabled {
		return fmt.Errorf("%w: set TESTCONTAINERS_RYUK_DISABLED=true in the environment (the otelbench command does; a Go program "+
			"calls containers.ProcessSettings at start): the Ryuk reaper's image cannot be pulled offline", ErrSettings)
	}
	return nil
}

// ProcessSettings is for a program's main (or a test suite) before it starts any container: it sets
// TESTCONTAINERS_RYUK_DISABLED=true in the process environment unless the user set it, and silences
// testcontainers-go's package-level logger, which otherwise prints a banner about the Docker host to the process's
// standard error the first time a client connects. Messages about each container go to the run's logger instead
// (Logger). Library code never calls it.
func ProcessSettings() {
	if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	tclog.SetDefault(tclog.NewNoopLogger())
}

// WaitHTTP waits until GET http://127.0.0.1:port/path answers with a status below 500. Containers share the
// host's network and listen on loopback, so it asks there directly (testcontainers-go's own HTTP strategy would
// ask the Docker host it infers, the bridge's gateway on some machines).
func WaitHTTP(port int, path string) wait.Strategy {
	return waitHTTP{url: "http://" + hostPort(port) + path}
}

type waitHTTP struct{ url string }

func (w waitHTTP) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		if st, err := target.State(ctx); err == nil && st != nil && !st.Running && st.Status != "created" {
			return fmt.Errorf("container %s (exit code %d) before %s answered", st.Status, st.ExitCode, w.url)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer: %w", w.url, ctx.Err())
		case <-tick.C:
		}
	}
}

// Backend is a running server. Terminate stops and removes it; it is safe to call on a partly started backend.
type Backend interface {
	// Kind is the backend type as written in scenarios ("jaeger").
	Kind() string
	// Terminate stops and removes the container.
	Terminate(ctx context.Context) error
}

// hostNetwork is the customizer every backend gets: host networking and otelbench's labels.
func hostNetwork(runID string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if err := testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.NetworkMode = "host"
		})(req); err != nil {
			return err
		}
		return testcontainers.WithLabels(runLabels(runID))(req)
	}
}

// terminate stops and removes ctr quickly; a nil container is fine.
func terminate(ctx context.Context, ctr *testcontainers.DockerContainer) error {
	if ctr == nil {
		return nil
	}
	err := ctr.Terminate(ctx, testcontainers.StopTimeout(stopTimeout))
	if err != nil && cerrdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// FreePorts returns n distinct TCP ports that were free on 127.0.0.1 a moment ago, for backends to listen on.
//
// A container binds its ports seconds after they were chosen, so two things could take them meanwhile: the kernel
// handing the same port to another bind(0), and outgoing connections (exporters, read-back clients) taking it as
// their local port. Both draw from the ephemeral range, so ports are chosen below it, at random, and never twice
// in one process.
func FreePorts(n int) ([]int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	lo, hi := portRange()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 10*(hi-lo) {
			return nil, fmt.Errorf("find %d free ports between %d and %d: only %d free", n, lo, hi, len(ports))
		}
		p := lo + rand.IntN(hi-lo)
		if portsGiven[p] || !bindable(p) {
			continue
		}
		portsGiven[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// portRange is where FreePorts looks: from 20000 up to the start of the kernel's ephemeral range (32768 unless
// /proc says otherwise), or, if that leaves too few, 20000 to 30000.
func portRange() (lo, hi int) {
	lo, hi = 20000, 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if start, err := strconv.Atoi(f[0]); err == nil {
				hi = start
			}
		}
	}
	if hi-lo < 1000 {
		lo, hi = 20000, 30000
	}
	return lo, hi
}

// bindable reports whether a listener can be opened on Host:port right now.
func bindable(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(Host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// startError adds the tail of the container's log to err: a backend that fails to start says why there.
func startError(ctx context.Context, what string, ctr *testcontainers.DockerContainer, err error) error {
	if ctr == nil {
		return fmt.Errorf("start %s: %w", what, err)
	}
	logs, logErr := ctr.Logs(ctx)
	if logErr != nil {
		return fmt.Errorf("start %s: %w", what, err)
	}
	defer logs.Close()
	data, _ := io.ReadAll(io.LimitReader(logs, 1<<20))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return fmt.Errorf("start %s: %w\ncontainer log (last lines):\n%s", what, err, strings.Join(lines, "\n"))
}

// ErrNoEngine is returned when no Docker engine answers.
var ErrNoEngine = errors.New("no Docker engine answers; start one (make docker does, as root) or set DOCKER_HOST")

// Logger adapts l for testcontainers-go's messages about a container ("Creating container", "Container
// started", ...), at debug level; a nil l discards them. Pass it with testcontainers.WithLogger.
func Logger(l *slog.Logger) tclog.Logger {
	if l == nil {
		return tclog.NewNoopLogger()
	}
	return slogPrintf{l}
}

type slogPrintf struct{ l *slog.Logger }

func (s slogPrintf) Printf(format string, args ...any) {
	s.l.Debug(strings.TrimSpace(fmt.Sprintf(format, args...)), "component", "testcontainers")
}

// Server is a backend container started by Run.
type Server struct {
	*testcontainers.DockerContainer
	kind string
}

// Kind is the backend type the server was started as.
func (s *Server) Kind() string { return s.kind }

// Terminate stops and removes the container; it is safe on a partly started or nil Server.
func (s *Server) Terminate(ctx context.Context) error {
	if s == nil {
		return nil
	}
	return terminate(ctx, s.DockerContainer)
}

// Run starts image as a backend of type kind for run runID, in the testcontainers-go module style: host
// networking and otelbench's labels first, then opts (the backend's own, then the user's, which so win); a wait
// strategy among opts decides when it is ready. On error the partly started container, if any, is returned too so
// that the caller can terminate it, and the error carries the tail of its log.
func Run(ctx context.Context, kind, image, runID string, opts ...testcontainers.ContainerCustomizer) (*Server, error) {
	if err := checkSettings(); err != nil {
		return nil, err
	}
	ctr, err := testcontainers.Run(ctx, image, append([]testcontainers.ContainerCustomizer{hostNetwork(runID)}, opts...)...)
	s := &Server{DockerContainer: ctr, kind: kind}
	if err != nil {
		return s, startError(ctx, kind, ctr, err)
	}
	return s, nil
}

// HostPort is Host:p.
func HostPort(p int) string { return hostPort(p) }

// WaitPort is p as a wait strategy's port ("p/tcp"): with host networking the container's port is the host's.
func WaitPort(p int) string { return port(p) }

// HostNetwork is the customizer every backend gets (Run adds it): host networking and otelbench's labels.
func HostNetwork(runID string) testcontainers.CustomizeRequestOption { return hostNetwork(runID) }

// TerminateContainer stops and removes ctr quickly; a nil container is fine.
func TerminateContainer(ctx context.Context, ctr *testcontainers.DockerContainer) error {
	return terminate(ctx, ctr)
}

// StartError adds the tail of the container's log to err: a backend that fails to start says why there.
func StartError(ctx context.Context, what string, ctr *testcontainers.DockerContainer, err error) error {
	return startError(ctx, what, ctr, err)
}

func hostPort(p int) string { return Host + ":" + strconv.Itoa(p) }

func port(p int) string { return strconv.Itoa(p) + "/tcp" }
