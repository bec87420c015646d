package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// PruneOptions says which otelbench containers Prune removes.
type PruneOptions struct {
	// RunID narrows Prune to the containers of this run, and removes them whatever their owner: the user named
	// the run, so even one still in progress goes (it then fails, as after a lost backend).
	RunID string
	// All removes the containers of every run, including runs still in progress.
	All bool
}

// Pruned describes one container Prune saw.
type Pruned struct {
	ID, Name, Image, RunID string
	// State is the Docker state when Prune listed it: created, running, exited, ...
	State string
	// Owner is its OwnerLabel, "<pid>:<start time>" of the otelbench process that started it ("" if none).
	Owner string
	// Why says why it was removed or kept.
	Why string
}

// PruneResult is what Prune removed and what it kept because its run may still be in progress.
type PruneResult struct {
	Removed, Kept []Pruned
}

// Prune removes the containers otelbench runs started and left behind, and says what it removed and what it kept.
// It is the way out after a run that could not clean up (killed with SIGKILL, machine lost power).
//
// Only containers carrying RunIDLabel are considered: the label is set when a run creates the container, so a
// container made by hand from an otelbench image is never touched. Of those (see Decide):
//   - with opts.RunID, that run's containers are removed, whether or not the run is still in progress;
//   - with opts.All, every run's containers are removed;
//   - otherwise a container is removed only when the otelbench process named by its OwnerLabel is gone (PID and
//     start time checked in /proc), so that concurrent runs (two otelbench commands, go test ./... running
//     packages in parallel) keep their backends. A container whose owner cannot be checked (no or bad
//     OwnerLabel, as from an older otelbench; owner in another PID namespace or boot) is removed only when it is
//     no longer active (exited or dead), and kept otherwise.
//
// A container that disappears meanwhile (its run terminated it) is neither removed nor kept. Errors removing
// containers are joined; the result still lists what was removed.
func Prune(ctx context.Context, opts PruneOptions) (PruneResult, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return PruneResult{}, err
	}
	defer cli.Close()
	found, err := runContainers(ctx, cli, opts.RunID)
	if err != nil {
		return PruneResult{}, err
	}
	here := ownerNS()
	var res PruneResult
	var errs []error
	for _, c := range found {
		remove, why := Decide(c.Labels, string(c.State), opts, here, ProcessAlive)
		p := Pruned{ID: c.ID, Name: containerName(c), Image: c.Image, RunID: c.Labels[RunIDLabel], State: string(c.State),
			Owner: c.Labels[OwnerLabel], Why: why}
		if !remove {
			res.Kept = append(res.Kept, p)
			continue
		}
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			res.Removed = append(res.Removed, p)
		case cerrdefs.IsNotFound(err):
			// Gone meanwhile: its run terminated it.
		default:
			errs = append(errs, fmt.Errorf("remove container %.12s (%s): %w", c.ID, p.Name, err))
		}
	}
	return res, errors.Join(errs...)
}

// Decide says whether Prune removes a container carrying labels, in Docker state state, and why. here is this
// process's OwnerNSLabel value ("" when unknown); alive reports whether the process with this PID and start time
// (0: unknown, not compared) is running. A container without RunIDLabel, or of another run than opts.RunID, is
// never removed.
func Decide(labels map[string]string, state string, opts PruneOptions, here string, alive func(pid int, start uint64) bool) (remove bool, why string) {
	runID, ok := labels[RunIDLabel]
	switch {
	case !ok:
		return false, "not started by an otelbench run"
	case opts.RunID != "" && runID != opts.RunID:
		return false, "another run"
	case opts.RunID != "":
		return true, "run named by --run-id"
	case opts.All:
		return true, "--all"
	}
	active := !slices.Contains([]string{string(container.StateExited), string(container.StateDead)}, state)
	raw, ok := labels[OwnerLabel]
	if !ok {
		if active {
			return false, "no owner label (older otelbench?) and " + state + ": use --run-id or --all"
		}
		return true, "no owner label, " + state
	}
	pid, start, ok := ParseOwner(raw)
	if !ok {
		if active {
			return false, fmt.Sprintf("owner label %q unreadable and %s: use --run-id or --all", raw, state)
		}
		return true, fmt.Sprintf("owner label %q unreadable, %s", raw, state)
	}
	if ns := labels[OwnerNSLabel]; ns != "" && here != "" && ns != here {
		if active {
			return false, fmt.Sprintf("owner pid %d is in another PID namespace or boot, cannot check it, and %s: use --run-id or --all", pid, state)
		}
		return true, fmt.Sprintf("owner pid %d elsewhere, %s", pid, state)
	}
	if alive(pid, start) {
		return false, fmt.Sprintf("run in progress: owner pid %d alive", pid)
	}
	return true, fmt.Sprintf("owner pid %d gone", pid)
}

// ParseOwner reads an OwnerLabel value, "<pid>:<start time>".
func ParseOwner(s string) (pid int, start uint64, ok bool) {
	p, st, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(st, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return pid, start, true
}

// ProcessAlive reports whether process pid is running and, when start is not 0, started at start (field 22 of
// /proc/<pid>/stat): a PID reused by another process is not alive. Zombies are not alive. When /proc cannot tell
// (not mounted, or hidepid hides other users' processes) it asks the kernel whether the PID exists, and only a
// PID known not to exist is reported dead.
func ProcessAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, state, err := procStat(pid)
	if err == nil {
		return state != "Z" && state != "X" && (start == 0 || st == start)
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	defer p.Release()
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// procStat reads the start time (field 22) and state (field 3) of pid from /proc.
func procStat(pid int) (start uint64, state string, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", err
	}
	// Field 2, the command name in parentheses, may hold spaces and parentheses itself: count after the last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, "", fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 {
		return 0, "", fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("/proc/%d/stat: start time: %w", pid, err)
	}
	return start, f[0], nil
}

var (
	selfOnce  sync.Once
	selfOwner string
	selfNS    string
)

// owner returns this process's OwnerLabel value.
func owner() string {
	selfOnce.Do(loadSelf)
	return selfOwner
}

// ownerNS returns this process's OwnerNSLabel value, "" when /proc does not tell.
func ownerNS() string {
	selfOnce.Do(loadSelf)
	return selfNS
}

func loadSelf() {
	pid := os.Getpid()
	start, _, err := procStat(pid)
	if err != nil {
		start = 0
	}
	selfOwner = fmt.Sprintf("%d:%d", pid, start)
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return
	}
	link, err := os.Readlink("/proc/self/ns/pid") // "pid:[4026531836]"
	if err != nil {
		return
	}
	inode := strings.TrimSuffix(strings.TrimPrefix(link, "pid:["), "]")
	if _, err := strconv.ParseUint(inode, 10, 64); err != nil {
		return
	}
	selfNS = strings.TrimSpace(string(boot)) + "/" + inode
}

// runLabels are the labels every container of run runID gets when it is created.
func runLabels(runID string) map[string]string {
	l := map[string]string{Label: "true", RunIDLabel: runID, OwnerLabel: owner()}
	if ns := ownerNS(); ns != "" {
		l[OwnerNSLabel] = ns
	}
	return l
}

// List returns the IDs of the containers of otelbench runs (only runID's when it is not empty), running or not.
func List(ctx context.Context, runID string) ([]string, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	found, err := runContainers(ctx, cli, runID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(found))
	for i, c := range found {
		ids[i] = c.ID
	}
	return ids, nil
}

// runContainers lists the containers carrying RunIDLabel (=runID when it is not empty), running or not, except
// those whose RunIDLabel came from their image (an image committed from a run's container): a run sets it when
// it creates the container, so such a container was made from the image by someone else.
func runContainers(ctx context.Context, cli *testcontainers.DockerClient, runID string) ([]container.Summary, error) {
	label := RunIDLabel
	if runID != "" {
		label += "=" + runID
	}
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		return nil, fmt.Errorf("list otelbench containers: %w", err)
	}
	imageRunID := map[string]*string{} // image ID -> its RunIDLabel, nil when it has none
	var found []container.Summary
	for _, c := range list.Items {
		id, seen := imageRunID[c.ImageID]
		if !seen {
			if img, err := cli.ImageInspect(ctx, c.ImageID); err == nil && img.Config != nil {
				if v, ok := img.Config.Labels[RunIDLabel]; ok {
					id = &v
				}
			}
			imageRunID[c.ImageID] = id
		}
		if id != nil && *id == c.Labels[RunIDLabel] {
			continue
		}
		found = append(found, c)
	}
	return found, nil
}

func containerName(c container.Summary) string {
	if len(c.Names) == 0 {
		return ""
	}
	return strings.TrimPrefix(c.Names[0], "/")
}
