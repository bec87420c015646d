package shards

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/otelbench/otelbench/containers"
)

// ModulePath is the Go module otelbench is built from.
const ModulePath = "github.com/otelbench/otelbench"

// LocalRepository is the repository of the locally built otelbench image; its tag is the version.
const LocalRepository = "otelbench-local/otelbench"

//go:embed image
var recipe embed.FS

// Image is the otelbench container image the sharded jobs run, tagged LocalRepository:version (version "" is
// "dev"). Its build compiles ./cmd/otelbench when the working directory is in otelbench's source tree (a static
// binary: CGO_ENABLED=0), else copies the running otelbench binary when that is a static Linux executable; either
// goes into a FROM scratch image with /otelbench as the entrypoint.
func Image(version string) containers.Image {
	if version == "" {
		version = "dev"
	}
	return containers.Image{
		Backend: "otelbench",
		Version: version,
		Local:   LocalRepository + ":" + version,
		Source:  "otelbench's source tree (go build ./cmd/otelbench), else this static otelbench binary; in a FROM scratch image",
		Recipe:  containers.EmbeddedRecipe(recipe),
		Build:   buildOtelbench,
	}
}

// buildOtelbench is the BuildFunc of Image: the Dockerfile and a static otelbench binary in work/context.
func buildOtelbench(ctx context.Context, img containers.Image, work string, log io.Writer) error {
	dockerfile, err := fs.ReadFile(img.Recipe, "Dockerfile")
	if err != nil {
		return err
	}
	contextDir := filepath.Join(work, "context")
	if err := os.WriteFile(filepath.Join(contextDir, "Dockerfile"), dockerfile, 0o644); err != nil {
		return err
	}
	bin := filepath.Join(contextDir, "otelbench")

	root, inTree := sourceRoot()
	goTool, goErr := exec.LookPath("go")
	if inTree && goErr == nil {
		fmt.Fprintf(log, "go build ./cmd/otelbench in %s (static: CGO_ENABLED=0)\n", root)
		cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/otelbench")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/otelbench in %s: %w", root, err)
		}
		return nil
	}

	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the otelbench binary to copy: %w", err)
	}
	if err := staticELF(exe); err != nil {
		why := "the working directory is not in otelbench's source tree (a go.mod of module " + ModulePath + ")"
		if inTree {
			why = "the Go toolchain is not on PATH to build " + root
		}
		return fmt.Errorf("the otelbench image needs a static Linux otelbench binary: %s, and %w; expected to run `otelbench images build otelbench` from a checkout of %s with Go installed, or with an otelbench built with CGO_ENABLED=0 for Linux",
			why, err, ModulePath)
	}
	fmt.Fprintf(log, "copy %s (a static Linux binary)\n", exe)
	return copyFile(exe, bin)
}

// sourceRoot returns the folder holding the go.mod of otelbench's module: the working directory or a parent.
func sourceRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(data) == ModulePath {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// modulePath returns the module path a go.mod declares, or "".
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" {
			if p, err := strconv.Unquote(f[1]); err == nil {
				return p
			}
			return f[1]
		}
	}
	return ""
}

// staticELF returns nil when path is a statically linked Linux ELF executable (no PT_INTERP program header: no
// dynamic loader needed, so it runs in a scratch image).
func staticELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a Linux ELF executable (%v)", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s is an ELF %s, not an executable", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New(path + " is dynamically linked (it names a program interpreter)")
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
