package containers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// The fault actions a started container takes (scenarios' faults, as primitive steps).
const (
	Stop    = "stop"
	Start   = "start"
	Restart = "restart"
	Kill    = "kill"
	Pause   = "pause"
	Unpause = "unpause"
)

// StopTimeout is how long a stopped backend is given to shut down (SIGTERM) before it is killed, as `docker stop`
// does by default.
const StopTimeout = 10 * time.Second

// Faultable is a Live that faults can act on: a container the run started.
type Faultable interface {
	Fault(ctx context.Context, action string) error
}

var _ Faultable = ContainerLive{}

// faultTarget is what a container module embeds (*testcontainers.DockerContainer): its ID, and stop and start
// through testcontainers-go, whose start waits until the container is ready again (the module's wait strategy).
type faultTarget interface {
	GetContainerID() string
	Stop(ctx context.Context, timeout *time.Duration) error
	Start(ctx context.Context) error
}

// ErrNotFaultable is returned for a fault on a backend that is not a container the run started.
var ErrNotFaultable = errors.New("not a container otelbench started")

// Fault carries out action on the container: stop (SIGTERM, SIGKILL after StopTimeout), start (and wait until it is
// ready), restart (both), kill (SIGKILL), pause or unpause (its processes frozen or thawed). It acts through
// testcontainers-go and the Docker API on this container only.
func (c ContainerLive) Fault(ctx context.Context, action string) error {
	ctr, ok := c.Ctr.(faultTarget)
	if !ok || c.Ctr == nil {
		return ErrNotFaultable
	}
	timeout := StopTimeout
	switch action {
	case Stop:
		return ctr.Stop(ctx, &timeout)
	case Start:
		return ctr.Start(ctx)
	case Restart:
		if err := ctr.Stop(ctx, &timeout); err != nil {
			return err
		}
		return ctr.Start(ctx)
	case Kill, Pause, Unpause:
		cli, err := dockerClient(ctx)
		if err != nil {
			return err
		}
		defer cli.Close()
		id := ctr.GetContainerID()
		switch action {
		case Kill:
			_, err = cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "SIGKILL"})
		case Pause:
			_, err = cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
		default:
			_, err = cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		}
		return err
	}
	return fmt.Errorf("fault action %q is not known; expected %s, %s, %s, %s, %s or %s", action, Stop, Start, Restart, Kill, Pause, Unpause)
}
