package containers

import (
	"fmt"
	"os"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
)

// WithDataDir keeps a started backend's store in a new folder of the run (under workDir), bound at path in its
// container, as a volume would: it outlives the container's stops and restarts (faults), where a tmpfs is emptied
// and a restarted server finds its store gone. The container runs as this process's user, so that what the server
// writes there is this user's to remove with the run's folder. Images whose server needs no user of its own only.
func WithDataDir(workDir, prefix, path string) ([]testcontainers.ContainerCustomizer, error) {
	dir, err := os.MkdirTemp(workDir, prefix+"-")
	if err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	return []testcontainers.ContainerCustomizer{
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.Binds = append(hc.Binds, dir+":"+path) }),
		testcontainers.WithConfigModifier(func(c *container.Config) { c.User = fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()) }),
	}, nil
}
