package verify

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// ErrUnreadable marks a read-back error that trying again will not mend: a folder that does not exist, a file
// that was truncated or holds a line that is not what the exporter writes. Verifiers stop at it and return it,
// so that it is reported as an error of the row, not as the items it kept from being read counted lost.
var ErrUnreadable = errors.New("unreadable")

// LineTail reads, call after call, the complete lines appended to the files matching a glob since the previous
// call: each line is read once, so that a read-back over files costs what was appended, not what was kept. A
// last line without its newline is still being written and is left for the next call.
type LineTail struct {
	// dir must exist when set (a collector's files_dir); glob is the pattern of the files to read.
	dir, glob string
	offsets   map[string]int64
	lines     map[string]int
}

// NewLineTail tails the files matching glob (a file's path for one file); dir, when set, is the folder they are
// in, which must exist.
func NewLineTail(dir, glob string) *LineTail {
	return &LineTail{dir: dir, glob: glob, offsets: map[string]int64{}, lines: map[string]int{}}
}

// Next calls fn with each new complete line (its newline removed), files in name order. fn's error stops the
// read and is returned with the file and line it concerns.
func (t *LineTail) Next(fn func(line []byte) error) error {
	if t.dir != "" {
		if st, err := os.Stat(t.dir); err != nil || !st.IsDir() {
			return fmt.Errorf("%w: folder %s does not exist or is not a folder", ErrUnreadable, t.dir)
		}
	}
	files, err := filepath.Glob(t.glob)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	sort.Strings(files)
	for _, path := range files {
		if err := t.file(path, fn); err != nil {
			return err
		}
	}
	return nil
}

func (t *LineTail) file(path string, fn func(line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	off := t.offsets[path]
	if st.Size() < off {
		return fmt.Errorf("%w: %s shrank from %d to %d bytes while being read: it was truncated or replaced", ErrUnreadable, path, off, st.Size())
	}
	if st.Size() == off {
		return nil
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return nil // nothing more, or a last line still being written
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrUnreadable, path, err)
		}
		t.offsets[path] += int64(len(line))
		t.lines[path]++
		if len(line) > 1 {
			if err := fn(line[:len(line)-1]); err != nil {
				return fmt.Errorf("%w: %s line %d: %v", ErrUnreadable, path, t.lines[path], err)
			}
		}
	}
}
