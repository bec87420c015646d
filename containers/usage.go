package containers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Usage is what a container has used: CPU time since it started, and memory now.
type Usage struct {
	CPUSeconds  float64
	MemoryBytes uint64
}

// UsageReader reads containers' resource usage from the Docker engine's stats API, one sample at a time. It is
// safe for one goroutine.
type UsageReader struct {
	cli *testcontainers.DockerClient
}

// NewUsageReader connects to the Docker engine.
func NewUsageReader(ctx context.Context) (*UsageReader, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	return &UsageReader{cli: cli}, nil
}

// Read samples container id once, without waiting for a second sample.
func (u *UsageReader) Read(ctx context.Context, id string) (Usage, error) {
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
