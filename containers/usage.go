package containers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Usage is what a container has used: CPU time since it started, and memory now.
type Usage struct {
	CPUSeconds  float64
	MemoryBytes uint64
}

// UsageReader reads containers' resource usage, one sample at a time: from the container's cgroup files when the
// engine runs on this machine (instant and exact), otherwise from the Docker engine's stats API (which answers
// only at its next collection, up to a second later). It is safe for one goroutine.
type UsageReader struct {
	cli *testcontainers.DockerClient
	// cgroupRoot is where the cgroup filesystem is mounted; a field so that tests can point it elsewhere.
	cgroupRoot string
}

// NewUsageReader connects to the Docker engine.
func NewUsageReader(ctx context.Context) (*UsageReader, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	return &UsageReader{cli: cli, cgroupRoot: "/sys/fs/cgroup"}, nil
}

// Read samples container id once, without waiting for a second sample.
func (u *UsageReader) Read(ctx context.Context, id string) (Usage, error) {
	if got, ok := readCgroup(u.cgroupRoot, id); ok {
		return got, nil
	}
	res, err := u.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{})
	if err != nil {
		return Usage{}, fmt.Errorf("stats of %s: %w", id, err)
	}
	defer res.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return Usage{}, fmt.Errorf("stats of %s: %w", id, err)
	}
	return Usage{CPUSeconds: float64(st.CPUStats.CPUUsage.TotalUsage) / 1e9, MemoryBytes: st.MemoryStats.Usage}, nil
}

// Close releases the connection.
func (u *UsageReader) Close() error { return u.cli.Close() }

// ContainerID is the Docker ID of a started backend's container, "" when it has none (external, console).
func (c ContainerLive) ContainerID() (id string) {
	defer func() {
		if recover() != nil { // a backend whose container never started
			id = ""
		}
	}()
	if ctr, ok := c.Ctr.(interface{ GetContainerID() string }); ok && c.Ctr != nil {
		return ctr.GetContainerID()
	}
	return ""
}

// readCgroup reads a container's CPU time and memory from its cgroup, as the Docker engine itself does, for the
// layouts Docker uses: cgroup v2 or v1, with the cgroupfs or the systemd driver. ok is false when none holds the
// container (an engine on another machine, or a layout not known here); the stats API answers then.
func readCgroup(root, id string) (Usage, bool) {
	if root == "" || id == "" {
		return Usage{}, false
	}
	for _, dir := range []string{"docker/" + id, "system.slice/docker-" + id + ".scope"} {
		// cgroup v2: one hierarchy.
		if stat, err := os.ReadFile(filepath.Join(root, dir, "cpu.stat")); err == nil {
			usec, ok := statField(stat, "usage_usec")
			mem, merr := readUint(filepath.Join(root, dir, "memory.current"))
			if ok && merr == nil {
				return Usage{CPUSeconds: float64(usec) / 1e6, MemoryBytes: mem}, true
			}
		}
		// cgroup v1: a hierarchy per controller.
		ns, err := readUint(filepath.Join(root, "cpuacct", dir, "cpuacct.usage"))
		if err != nil {
			continue
		}
		mem, err := readUint(filepath.Join(root, "memory", dir, "memory.usage_in_bytes"))
		if err != nil {
			continue
		}
		return Usage{CPUSeconds: float64(ns) / 1e9, MemoryBytes: mem}, true
	}
	return Usage{}, false
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
}

// statField is the value of key in a cgroup v2 flat-keyed file ("usage_usec 1234" lines).
func statField(b []byte, key string) (uint64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := bytes.Cut(sc.Bytes(), []byte(" "))
		if ok && string(k) == key {
			n, err := strconv.ParseUint(string(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
