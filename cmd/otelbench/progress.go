package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/otelbench/otelbench"
)

// progress shows a run's phases and counters on stderr: mpb bars on a terminal, a plain line per counter every
// few seconds otherwise (CI logs).
type progress struct {
	ctx  context.Context
	w    io.Writer
	tty  bool
	bars *mpb.Progress
	wg   sync.WaitGroup
	mu   sync.Mutex
}

func newProgress(ctx context.Context, w io.Writer) *progress {
	p := &progress{ctx: ctx, w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// Phase implements otelbench.Observer.
func (p *progress) Phase(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bars != nil {
		// Bars own the terminal while they run; phases after them are printed when they are done.
		return
	}
	fmt.Fprintf(p.w, "%s %s\n", time.Now().Format("15:04:05"), msg)
}

// Track implements otelbench.Observer.
func (p *progress) Track(t *otelbench.Progress) {
	p.wg.Add(1)
	if !p.tty {
		go p.plain(t)
		return
	}
	p.mu.Lock()
	if p.bars == nil {
		p.bars = mpb.NewWithContext(p.ctx, mpb.WithOutput(p.w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	}
	bar := p.bars.AddBar(max(t.Total(), 1),
		mpb.PrependDecorators(decor.Name(t.Name, decor.WC{C: decor.DindentRight | decor.DextraSpace})),
		mpb.AppendDecorators(decor.CountersNoUnit("%d / %d "+t.Unit), decor.Name(" "), decor.Percentage()),
	)
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			bar.SetTotal(max(t.Total(), 1), false)
			bar.SetCurrent(t.Current())
			if t.Done() {
				bar.SetTotal(-1, true)
				return
			}
			select {
			case <-p.ctx.Done():
				bar.Abort(false)
				return
			case <-tick.C:
			}
		}
	}()
}

func (p *progress) plain(t *otelbench.Progress) {
	defer p.wg.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	line := func(suffix string) {
		last = time.Now()
		p.mu.Lock()
		defer p.mu.Unlock()
		fmt.Fprintf(p.w, "%s %s: %d / %d %s%s\n", time.Now().Format("15:04:05"), t.Name, t.Current(), t.Total(), t.Unit, suffix)
	}
	for !t.Done() {
		select {
		case <-p.ctx.Done():
			return
		case <-tick.C:
			if time.Since(last) >= 5*time.Second && !t.Done() {
				line("")
			}
		}
	}
	line(", done")
}

// Wait returns once every counter has finished drawing.
func (p *progress) Wait() {
	p.wg.Wait()
	p.mu.Lock()
	bars := p.bars
	p.bars = nil
	p.mu.Unlock()
	if bars != nil {
		bars.Wait()
	}
}
