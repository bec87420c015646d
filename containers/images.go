package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Image pins one backend's container image: the official one, and the equivalent otelbench builds locally from
// sources a machine without an image registry can reach.
type Image struct {
	// Backend is the backend type the image serves ("jaeger").
	Backend string
	// Version is the upstream release the image runs.
	Version string
	// Official is the upstream image reference.
	Official string
	// Local is the tag of the locally built equivalent.
	Local string
	// Source says what the local image is built from, for humans.
	Source string

	// Recipe holds the build inputs (a Dockerfile and what the build needs), usually a folder embedded in the
	// backend's package.
	Recipe fs.FS
	// Build fills work/context with a Docker build context (a Dockerfile and what it copies); work is a cache
	// folder kept between builds of the same version.
	Build BuildFunc
}

// EmbeddedRecipe is the recipe folder image/ of a backend's package, embedded with //go:embed image.
func EmbeddedRecipe(f embed.FS) fs.FS {
	sub, err := fs.Sub(f, "image")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// BuildFunc prepares the Docker build context of img in work/context.
type BuildFunc func(ctx context.Context, img Image, work string, log io.Writer) error

// ImagePolicy says which image a run uses for a backend.
type ImagePolicy string

// The image policies. Auto uses the official image when Docker has it, else the local build when Docker has it,
// else pulls the official one; Official and Local use only that one (Official may pull, Local never does).
const (
	ImagesAuto     ImagePolicy = "auto"
	ImagesOfficial ImagePolicy = "official"
	ImagesLocal    ImagePolicy = "local"
)

// ErrImageMissing is returned when no usable image exists for a backend; `otelbench images build` makes one.
var ErrImageMissing = errors.New("image not available")

// ResolveImage returns the image reference a run should start for img under policy. It may pull the official
// image (auto and official policies) but never builds.
func ResolveImage(ctx context.Context, img Image, policy ImagePolicy) (string, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	switch policy {
	case ImagesLocal:
		if ok, err := imageExists(ctx, cli, img.Local); err != nil || ok {
			return img.Local, err
		}
		return "", fmt.Errorf("%w: %s is not built; run `otelbench images build`", ErrImageMissing, img.Local)
	case ImagesOfficial:
		if ok, err := imageExists(ctx, cli, img.Official); err != nil || ok {
			return img.Official, err
		}
		if err := pull(ctx, cli, img.Official); err != nil {
			return "", fmt.Errorf("%w: pull %s: %v", ErrImageMissing, img.Official, err)
		}
		return img.Official, nil
	case ImagesAuto, "":
		for _, ref := range []string{img.Official, img.Local} {
			if ok, err := imageExists(ctx, cli, ref); err != nil || ok {
				return ref, err
			}
		}
		if err := pull(ctx, cli, img.Official); err != nil {
			return "", fmt.Errorf("%w: %s is not present and cannot be pulled (%v), and %s is not built; run `otelbench images build`",
				ErrImageMissing, img.Official, err, img.Local)
		}
		return img.Official, nil
	default:
		return "", fmt.Errorf("unknown image policy %q; expected auto, official or local", policy)
	}
}

// BuildResult says what BuildImage did.
type BuildResult string

// BuildImage outcomes.
const (
	Built   BuildResult = "built"
	Present BuildResult = "already present"
)

// BuildImage builds img.Local from its recipe unless Docker already has it (or force is set). Build output goes to
// log. Builds need the Go toolchain on PATH and reach only the Go module proxy.
func BuildImage(ctx context.Context, img Image, force bool, log io.Writer) (BuildResult, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	if !force {
		if ok, err := imageExists(ctx, cli, img.Local); err != nil || ok {
			return Present, err
		}
	}
	fmt.Fprintf(log, "image %s: building from %s\n", img.Local, img.Source)
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("build %s: %w", img.Local, err)
	}
	work := filepath.Join(cache, "otelbench", "build", img.Backend+"-"+img.Version)
	contextDir := filepath.Join(work, "context")
	if err := os.RemoveAll(contextDir); err != nil {
		return "", fmt.Errorf("build %s: %w", img.Local, err)
	}
	if err := os.MkdirAll(contextDir, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", img.Local, err)
	}
	if err := img.Build(ctx, img, work, log); err != nil {
		return "", fmt.Errorf("build %s: %w", img.Local, err)
	}
	if err := dockerBuild(ctx, cli, contextDir, img, log); err != nil {
		return "", fmt.Errorf("build %s: %w", img.Local, err)
	}
	return Built, nil
}

// GoBinary is the Build of a backend built from a Go module: the recipe holds NAME.mod and NAME.sum (a wrapper
// module requiring the backend, kept apart from otelbench's own go.mod) and a Dockerfile copying the static binary
// NAME into a FROM scratch image. tags are Go build tags, ldflags more linker flags (-X ...).
func GoBinary(pkg, name string, tags []string, ldflags ...string) BuildFunc {
	return func(ctx context.Context, img Image, work string, log io.Writer) error {
		for from, to := range map[string]string{name + ".mod": "go.mod", name + ".sum": "go.sum", "Dockerfile": "context/Dockerfile"} {
			data, err := fs.ReadFile(img.Recipe, from)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(work, to), data, 0o644); err != nil {
				return err
			}
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			return fmt.Errorf("building %s needs the Go toolchain on PATH: %w", img.Local, err)
		}
		fmt.Fprintf(log, "go build %s (a few minutes the first time; the Go build cache makes later builds fast)\n", pkg)
		args := []string{"build", "-trimpath", "-ldflags=" + strings.Join(append([]string{"-s", "-w"}, ldflags...), " "), "-o", filepath.Join("context", name)}
		if len(tags) > 0 {
			args = append(args, "-tags="+strings.Join(tags, ","))
		}
		cmd := exec.CommandContext(ctx, goTool, append(args, pkg)...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", pkg, err)
		}
		return nil
	}
}

// dockerBuild sends dir as the build context to Docker's classic builder and tags the result img.Local.
func dockerBuild(ctx context.Context, cli *testcontainers.DockerClient, dir string, img Image, log io.Writer) error {
	var buf bytes.Buffer
	if err := tarDir(&buf, dir); err != nil {
		return fmt.Errorf("pack build context: %w", err)
	}
	fmt.Fprintf(log, "docker build -t %s\n", img.Local)
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags:        []string{img.Local},
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{ImageLabel: img.Backend, ImageLabel + ".source": img.Source},
	})
	if err != nil {
		return fmt.Errorf("docker build: %w", err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("docker build: read output: %w", err)
		}
		if msg.Error != "" {
			return fmt.Errorf("docker build: %s", msg.Error)
		}
		io.WriteString(log, msg.Stream)
	}
}

func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

func dockerClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	if err := checkSettings(); err != nil {
		return nil, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoEngine, err)
	}
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("%w: %v", ErrNoEngine, err)
	}
	return cli, nil
}

func imageExists(ctx context.Context, cli *testcontainers.DockerClient, ref string) (bool, error) {
	_, err := cli.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
}

func pull(ctx context.Context, cli *testcontainers.DockerClient, ref string) error {
	resp, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		return err
	}
	return nil
}
