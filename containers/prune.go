package containers

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Prune removes every container carrying Label (only those of runID when it is not empty) and returns how many
// it removed. It is the way out after a run that could not clean up (killed with SIGKILL, machine lost power).
func Prune(ctx context.Context, runID string) (int, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	ids, err := labelled(ctx, cli, runID)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, id := range ids {
		if _, err := cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", id, err))
		}
	}
	return len(ids) - len(errs), errors.Join(errs...)
}

// List returns the IDs of containers carrying Label (only runID's when it is not empty), running or not.
func List(ctx context.Context, runID string) ([]string, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return labelled(ctx, cli, runID)
}

func labelled(ctx context.Context, cli *testcontainers.DockerClient, runID string) ([]string, error) {
	filter := make(client.Filters).Add("label", Label)
	if runID != "" {
		filter = filter.Add("label", RunIDLabel+"="+runID)
	}
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filter})
	if err != nil {
		return nil, fmt.Errorf("list otelbench containers: %w", err)
	}
	ids := make([]string, len(list.Items))
	for i, c := range list.Items {
		ids[i] = c.ID
	}
	return ids, nil
}
