package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Venv returns a Python virtual environment with the packages of requirements (a pinned requirements file)
// installed from PyPI, making it the first time: python3 -m venv, then pip install -r. Environments are kept
// under the user's cache folder (~/.cache/otelbench/venv), one per content of the file and Python version, so a
// changed pin makes a new one and an unchanged one is reused. Concurrent callers (two runs at once) wait for one
// another. What pip prints goes to log.
func Venv(ctx context.Context, requirements string, log io.Writer) (string, error) {
	python, err := exec.LookPath("python3")
	if err != nil {
		return "", errors.New("python3 not found: an app with python: needs Python 3 with venv (Debian: apt-get install python3 python3-venv, or make python)")
	}
	data, err := os.ReadFile(requirements)
	if err != nil {
		return "", err
	}
	version, err := exec.CommandContext(ctx, python, "-c", "import sys; print(sys.version)").Output()
	if err != nil {
		return "", fmt.Errorf("python3 does not run: %w", err)
	}
	h := sha256.New()
	h.Write(version)
	h.Write(data)
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	root := filepath.Join(cache, "otelbench", "venv")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // released with the file anyway
	done := filepath.Join(dir, ".otelbench-complete")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	// A folder without the mark is what an interrupted install left: start over. A venv is not relocatable
	// (its scripts name their interpreter by path), so it is made where it stays.
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %v: %w", filepath.Base(name), args, err)
		}
		return nil
	}
	if err := run(python, "-m", "venv", dir); err != nil {
		return "", fmt.Errorf("make a virtual environment (Debian: apt-get install python3-venv, or make python): %w", err)
	}
	pip := filepath.Join(dir, "bin", "pip")
	if err := run(pip, "install", "--disable-pip-version-check", "--no-input", "-r", requirements); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("install %s: %w", requirements, err)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		return "", err
	}
	return dir, nil
}
