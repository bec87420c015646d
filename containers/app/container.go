package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/containers"
)

// ContainerConfig says how to run an app as a container of an image the user built.
type ContainerConfig struct {
	// Name is the app's name; RunID labels the container as the run's (so that prune knows it).
	Name, RunID string
	// Image is the app's image; Command, when set, replaces its command. Env is its environment ("KEY=value").
	Image   string
	Command []string
	Env     []string
	// URL, ReadyPath and ReadyTimeout: as Config's.
	URL          string
	ReadyPath    string
	ReadyTimeout time.Duration
	// Log is the file the container's output is copied to when it stops.
	Log string
	// Customizers come last (a logger, say).
	Customizers []testcontainers.ContainerCustomizer
}

// Container is an app running as a container, on the host's network like the backends.
type Container struct {
	name string
	srv  *containers.Server
	log  string
	done chan struct{} // closed when the container is seen to have exited
	quit chan struct{} // stops the watcher
	why  string
	stop sync.Once
}

// StartContainer runs the app's image and waits until it is ready. On error nothing is left running.
func StartContainer(ctx context.Context, cfg ContainerConfig) (*Container, error) {
	env := map[string]string{}
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	opts := []testcontainers.ContainerCustomizer{testcontainers.WithEnv(env)}
	if len(cfg.Command) > 0 {
		opts = append(opts, testcontainers.WithCmd(cfg.Command...))
	}
	srv, err := containers.Run(ctx, "app "+cfg.Name, cfg.Image, cfg.RunID, append(opts, cfg.Customizers...)...)
	if err != nil {
		_ = srv.Terminate(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("app %s (image %s): %w", cfg.Name, cfg.Image, err)
	}
	c := &Container{name: cfg.Name, srv: srv, log: cfg.Log, done: make(chan struct{}), quit: make(chan struct{})}
	go c.watch()
	err = awaitReady(ctx, cfg.Name, cfg.URL, cfg.ReadyPath, cfg.ReadyTimeout, c.done, func() string {
		return fmt.Sprintf("%s; its last lines: %s", c.why, strings.Join(c.lastLines(5, false), " | "))
	}, func() []string { return c.lastLines(5, false) })
	if err != nil {
		_ = c.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}

// watch closes done when the container has stopped running on its own.
func (c *Container) watch() {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := c.srv.State(ctx)
		cancel()
		if err == nil && !st.Running {
			c.why = fmt.Sprintf("exit code %d", st.ExitCode)
			close(c.done)
			return
		}
	}
}

// Stop stops the container (SIGTERM, so that the app's SDK flushes, then SIGKILL after 10 seconds), copies its
// output to the log file, and removes it. It is safe to call more than once.
func (c *Container) Stop(ctx context.Context) error {
	var err error
	c.stop.Do(func() {
		close(c.quit)
		grace := 10 * time.Second
		serr := c.srv.Stop(ctx, &grace)
		if lerr := c.saveLog(ctx); lerr != nil && serr == nil {
			serr = lerr
		}
		err = errors.Join(serr, c.srv.Terminate(ctx))
	})
	return err
}

// saveLog copies the container's output to the log file.
func (c *Container) saveLog(ctx context.Context) error {
	logs, err := c.srv.Logs(ctx)
	if err != nil {
		return err
	}
	defer logs.Close()
	if err := os.MkdirAll(filepath.Dir(c.log), 0o755); err != nil {
		return err
	}
	f, err := os.Create(c.log)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, logs)
	return err
}

// Exited reports whether the app's container has ended on its own, and how.
func (c *Container) Exited() (bool, error) {
	select {
	case <-c.done:
		return true, errors.New(c.why)
	default:
		return false, nil
	}
}

// ErrorLines returns up to n of the last lines the app printed that look like errors, oldest first.
func (c *Container) ErrorLines(n int) []string { return c.lastLines(n, true) }

// lastLines is the last n lines of the container's output (only those that look like errors, with errorsOnly).
func (c *Container) lastLines(n int, errorsOnly bool) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logs, err := c.srv.Logs(ctx)
	if err != nil {
		return nil
	}
	defer logs.Close()
	var out []string
	sc := bufio.NewScanner(logs)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || (errorsOnly && !errorLine.MatchString(line)) {
			continue
		}
		if len(line) > 400 {
			line = line[:400] + "…"
		}
		if len(out) == n {
			out = append(out[:0], out[1:]...)
		}
		out = append(out, line)
	}
	return out
}
