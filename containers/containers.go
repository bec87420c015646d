// Package containers starts the backends otelbench sends to as real servers in Docker containers, with
// testcontainers-go, and builds their images locally when no registry can be reached.
//
// Every container runs with host networking on ports chosen free at start, listens on 127.0.0.1 only, and
// carries the Label so that Prune can find what a crashed run left behind. Callers terminate what they start;
// Terminate is safe on a partly started backend.
package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Label marks every container otelbench starts; RunIDLabel carries the run that started it.
const (
	Label      = "dev.otelbench"
	RunIDLabel = "dev.otelbench.run-id"
)

// Host is the address every backend listens on: containers share the host's network and bind loopback only.
const Host = "127.0.0.1"

// stopTimeout is how long a backend gets to exit after SIGTERM before it is killed. Backends hold nothing otelbench
// needs after a run, so there is no reason to wait Docker's default 10 s.
const stopTimeout = time.Second

var configureOnce sync.Once

// configure sets the testcontainers-go settings this package relies on, unless the user set them:
//   - TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1: with host networking the servers are on this host's loopback, while
//     testcontainers-go, seeing /.dockerenv on CI machines, would guess the Docker bridge gateway.
//   - TESTCONTAINERS_RYUK_DISABLED=true: the Ryuk reaper image cannot be pulled offline; cleanup is explicit
//     (Terminate, signal handling in the CLI, and Prune by label).
func configure() {
	configureOnce.Do(func() {
		for k, v := range map[string]string{
			"TESTCONTAINERS_HOST_OVERRIDE": Host,
			"TESTCONTAINERS_RYUK_DISABLED": "true",
		} {
			if _, set := os.LookupEnv(k); !set {
				_ = os.Setenv(k, v)
			}
		}
	})
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
		return testcontainers.WithLabels(map[string]string{Label: "true", RunIDLabel: runID})(req)
	}
}

// terminate stops and removes ctr quickly; a nil container is fine.
func terminate(ctx context.Context, ctr *testcontainers.DockerContainer) error {
	if ctr == nil {
		return nil
	}
	err := ctr.Terminate(ctx, testcontainers.StopTimeout(stopTimeout))
	if err != nil && strings.Contains(err.Error(), "No such container") {
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

// SetLog sends testcontainers-go's own messages ("Creating container", ...) to w; nil silences them. Call it
// before starting backends.
func SetLog(w io.Writer) {
	if w == nil {
		tclog.SetDefault(tclog.NewNoopLogger())
		return
	}
	tclog.SetDefault(stdlog.New(w, "", stdlog.LstdFlags))
}
