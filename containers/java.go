package containers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// javaBase is the Java 17 runtime image the Zipkin image builds on. No base image can be pulled on machines
// without a registry, so it is made from Debian packages: debootstrap a minimal bookworm root filesystem with
// openjdk-17-jre-headless, then import it. It is built only when missing.
const javaBase = "otelbench-local/java17:bookworm"

// EnsureJavaBase builds javaBase in work unless Docker has it.
func EnsureJavaBase(ctx context.Context, work string, log io.Writer) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if ok, err := imageExists(ctx, cli, javaBase); err != nil || ok {
		return err
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		fmt.Fprintln(log, "installing debootstrap (Debian package)")
		if err := run(ctx, log, "", "apt-get", "install", "-y", "-qq", "debootstrap"); err != nil {
			return fmt.Errorf("install debootstrap (needs root and Debian's packages): %w", err)
		}
	}
	mirror, err := debianMirror()
	if err != nil {
		return err
	}
	rootfs := filepath.Join(work, "rootfs")
	if err := os.RemoveAll(rootfs); err != nil {
		return err
	}
	fmt.Fprintf(log, "debootstrap bookworm with openjdk-17-jre-headless (about a minute)\n")
	if err := run(ctx, log, "", "debootstrap", "--variant=minbase", "--include=openjdk-17-jre-headless,ca-certificates-java",
		"bookworm", rootfs, mirror); err != nil {
		return fmt.Errorf("debootstrap: %w", err)
	}
	// Leave out what a runtime image does not need.
	for _, dir := range []string{"var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man"} {
		_ = os.RemoveAll(filepath.Join(rootfs, dir))
	}
	tar := exec.CommandContext(ctx, "tar", "-C", rootfs, "--numeric-owner", "-c", ".")
	out, err := tar.StdoutPipe()
	if err != nil {
		return err
	}
	tar.Stderr = log
	if err := tar.Start(); err != nil {
		return fmt.Errorf("tar rootfs: %w", err)
	}
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: out, SourceName: "-"}, javaBase, client.ImageImportOptions{
		Message: "otelbench Java 17 base: debootstrap bookworm minbase + openjdk-17-jre-headless",
	})
	if err != nil {
		_ = tar.Wait()
		return fmt.Errorf("docker import: %w", err)
	}
	_, _ = io.Copy(io.Discard, res)
	_ = res.Close()
	if err := tar.Wait(); err != nil {
		return fmt.Errorf("tar rootfs: %w", err)
	}
	return os.RemoveAll(rootfs)
}

// debianMirror reads the Debian mirror this machine's apt already uses, so that nothing about the network is
// written into the project.
func debianMirror() (string, error) {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		var uris string
		var suites string
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if v, ok := strings.CutPrefix(line, "URIs:"); ok {
				uris = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "Suites:"); ok {
				suites = strings.TrimSpace(v)
			}
			if line == "" && uris != "" {
				if strings.Contains(" "+suites+" ", " bookworm ") {
					f.Close()
					return strings.Fields(uris)[0], nil
				}
				uris, suites = "", ""
			}
		}
		f.Close()
		if uris != "" && strings.Contains(" "+suites+" ", " bookworm ") {
			return strings.Fields(uris)[0], nil
		}
	}
	if f, err := os.Open("/etc/apt/sources.list"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 3 && fields[0] == "deb" && fields[2] == "bookworm" {
				return fields[1], nil
			}
		}
	}
	return "", errors.New("no Debian bookworm mirror found in /etc/apt/sources.list(.d); debootstrap needs one")
}

// run runs a command with its output going to log.
func run(ctx context.Context, log io.Writer, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	return cmd.Run()
}

// execCommand prepares a command in dir with env, its output going to log.
func execCommand(ctx context.Context, dir string, env []string, log io.Writer, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	return cmd
}

// RunCommand runs name with args in dir, its output going to log: a step of an image build.
func RunCommand(ctx context.Context, log io.Writer, dir, name string, args ...string) error {
	return run(ctx, log, dir, name, args...)
}

// ExecCommand is the command of a build step: name with args in dir, with env, output to log.
func ExecCommand(ctx context.Context, dir string, env []string, log io.Writer, name string, args ...string) *exec.Cmd {
	return execCommand(ctx, dir, env, log, name, args...)
}
