// Package app runs an application under test: a user's own service, started as a process of its own (its own
// process group) with the environment otelbench gives it, its output kept in a file, and stopped, children and
// all, whatever happens to the run. It also makes the Python virtual environment an app needs, from a pinned
// requirements file, once per file content.
package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config says how to start an app.
type Config struct {
	// Name is the app's name, for messages.
	Name string
	// Command is the program and its arguments; Dir the working directory.
	Command []string
	Dir     string
	// Env is added to otelbench's own environment ("KEY=value"), later entries winning.
	Env []string
	// Venv, when set, is a Python virtual environment: its bin folder goes first on PATH, and a program that is
	// not a path is looked up there first.
	Venv string
	// URL is where the app answers once started (http://127.0.0.1:<port>); ReadyPath, when set, must answer 2xx
	// (else any answer to / will do) within ReadyTimeout.
	URL          string
	ReadyPath    string
	ReadyTimeout time.Duration
	// Log is the file the app's standard output and error go to.
	Log string
}

// Process is a started app.
type Process struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	tail *tail
	done chan struct{}
	err  error // how the process ended, once done is closed
	stop sync.Once
}

// Start starts the app and waits until it is ready. On error nothing is left running.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("no command")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Log), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.Create(cfg.Log)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), cfg.Env...)
	program := cfg.Command[0]
	if cfg.Venv != "" {
		bin := filepath.Join(cfg.Venv, "bin")
		env = append(env, "VIRTUAL_ENV="+cfg.Venv, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		if !strings.Contains(program, "/") {
			if _, err := os.Stat(filepath.Join(bin, program)); err == nil {
				program = filepath.Join(bin, program)
			}
		}
	}
	cmd := exec.Command(program, cfg.Command[1:]...)
	cmd.Dir, cmd.Env = cfg.Dir, env
	p := &Process{name: cfg.Name, cmd: cmd, log: logFile, tail: &tail{max: 200}, done: make(chan struct{})}
	out := io.MultiWriter(logFile, p.tail)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that stopping it stops what it started too (a shell, a reloader, workers), and a
	// Ctrl-C in otelbench's terminal reaches otelbench, which then stops it in order; killed with otelbench if
	// otelbench dies without a chance to.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start app %s (%s in %s): %w", cfg.Name, strings.Join(cfg.Command, " "), cfg.Dir, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := p.awaitReady(ctx, cfg); err != nil {
		_ = p.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return p, nil
}

// awaitReady polls the app until it answers as cfg says, it exits, or the timeout passes.
func (p *Process) awaitReady(ctx context.Context, cfg Config) error {
	return awaitReady(ctx, p.name, cfg.URL, cfg.ReadyPath, cfg.ReadyTimeout, p.done, func() string {
		return fmt.Sprintf("%v; its last lines: %s", p.err, strings.Join(p.tail.last(5), " | "))
	}, func() []string { return p.tail.last(5) })
}

// awaitReady polls base+path until it answers 2xx (any answer from / without a path), done is closed (the app
// exited: why says how), or timeout passes; last gives the app's last lines for the message.
func awaitReady(ctx context.Context, name, base, path string, timeout time.Duration, done <-chan struct{}, why func() string, last func() []string) error {
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	target := strings.TrimRight(base, "/") + path
	if path == "" {
		target = strings.TrimRight(base, "/") + "/"
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var got string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if path == "" || resp.StatusCode/100 == 2 {
				return nil
			}
			got = resp.Status
		} else {
			got = err.Error()
		}
		select {
		case <-done:
			return fmt.Errorf("app %s exited before it was ready (%s)", name, why())
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("app %s was not ready after %s: GET %s: %s; its last lines: %s", name, timeout, target, got, strings.Join(last(), " | "))
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop asks the app's process group to end (SIGTERM, so that its SDK flushes what it holds), waits up to 10
// seconds, then kills the group. It is safe to call more than once.
func (p *Process) Stop(ctx context.Context) error {
	var err error
	p.stop.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		grace := time.NewTimer(10 * time.Second)
		defer grace.Stop()
		select {
		case <-p.done:
		case <-grace.C:
			err = fmt.Errorf("app %s did not stop within 10s of SIGTERM: killed", p.name)
		case <-ctx.Done():
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
		p.log.Close()
	})
	return err
}

// Exited reports whether the app has ended on its own, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// errorLine matches what the output of an app's SDK looks like when an export fails, in the languages'
// usual words.
var errorLine = regexp.MustCompile(`(?i)(error|exception|fail|refused|unavailable|timed? ?out|traceback|denied|invalid)`)

// ErrorLines returns up to n of the last lines the app printed that look like errors, oldest first.
func (p *Process) ErrorLines(n int) []string {
	var out []string
	for _, l := range p.tail.last(200) {
		if errorLine.MatchString(l) {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// tail keeps the last lines written to it.
type tail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	data := append(t.partial, b...)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	complete := strings.HasSuffix(string(data), "\n")
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	t.partial = nil
	if !complete && len(lines) > 0 {
		t.partial = []byte(lines[len(lines)-1])
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		if len(l) > 400 {
			l = l[:400] + "…"
		}
		t.lines = append(t.lines, l)
	}
	if len(t.lines) > t.max {
		t.lines = append([]string(nil), t.lines[len(t.lines)-t.max:]...)
	}
	return len(b), nil
}

func (t *tail) last(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) > n {
		return append([]string(nil), t.lines[len(t.lines)-n:]...)
	}
	return append([]string(nil), t.lines...)
}
