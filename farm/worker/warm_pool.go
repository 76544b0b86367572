package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// warmPool is a worker's warm Blender: at most one process, since a worker
// renders one task at a time, kept between the chunks of one job.
type warmPool struct {
	log       *slog.Logger
	maxChunks int

	mu      sync.Mutex // held while a chunk renders
	proc    *warmProc
	job     string            // of the last task
	coldWhy map[string]string // plan keys of job the server turned down, and why
	closed  bool
}

func newWarmPool(log *slog.Logger) *warmPool {
	return &warmPool{log: log, maxChunks: warmMaxChunks, coldWhy: map[string]string{}}
}

// render renders plan's frames in the warm Blender: the one running when it
// has plan's key, has rendered fewer than maxChunks chunks and still runs,
// else a new one (the old one stopped). A render the server turns down (a
// video output, stereoscopy) is rendered cold, now and for later chunks of
// the same key. After any error the process is stopped, so that the next
// chunk starts afresh. The errors are startWarm's and warmProc.render's.
func (p *warmPool) render(ctx context.Context, env Env, plan warmPlan) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if why, ok := p.coldWhy[plan.key]; ok || p.closed {
		if p.closed {
			why = "the worker is stopping"
		}
		err := runProcess(ctx, env, plan.exe, plan.coldArgs)
		env.Log("(rendered cold: " + why + ")")
		return err
	}
	note := ""
	if wp := p.proc; wp != nil {
		if why := wp.staleFor(plan, p.maxChunks); why != "" {
			p.proc = nil
			wp.kill()
			note = "(a new warm Blender: " + why + ")"
		}
	}
	wp := p.proc
	if wp == nil {
		started, coldWhy, err := startWarm(ctx, env, plan, note)
		if err != nil {
			return err
		}
		if coldWhy != "" {
			p.coldWhy[plan.key] = coldWhy
			env.Log("(this render cannot be kept warm: " + coldWhy + "; rendering it cold)")
			return runProcess(ctx, env, plan.exe, plan.coldArgs)
		}
		wp, p.proc = started, started
	} else {
		env.Log(fmt.Sprintf("rendering frames %s in the warm Blender (process %d, chunk %d of at most %d) started as: %s",
			plan.spec, wp.cmd.Process.Pid, wp.chunks+1, p.maxChunks, quoteArgs(append([]string{wp.plan.exe}, wp.cmd.Args[1:]...))))
	}
	if err := wp.render(ctx, env, plan.frames); err != nil {
		p.proc = nil
		wp.kill()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("frames %s: %w", plan.spec, err)
	}
	return nil
}

// staleFor says why wp cannot render plan's chunk, or "" when it can.
func (wp *warmProc) staleFor(plan warmPlan, maxChunks int) string {
	switch {
	case wp.gone():
		return "the last one ended"
	case wp.plan.job != plan.job:
		return "another job"
	case wp.plan.key != plan.key:
		return "the blend file, the overrides or the options changed"
	case wp.chunks >= maxChunks:
		return fmt.Sprintf("the last one rendered its %d chunks", maxChunks)
	}
	return ""
}

// keepOnly stops the warm Blender unless it renders job, not waiting for it
// to end: the next task is of another job. What it remembers of the last
// job's renders is forgotten then.
func (p *warmPool) keepOnly(job string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if job == p.job {
		return
	}
	p.job = job
	clear(p.coldWhy)
	if p.proc != nil && p.proc.plan.job != job {
		p.detach("the worker takes a task of another job")
	}
}

// release stops the warm Blender, if any, not waiting for it to end.
func (p *warmPool) release(why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.detach(why)
}

// close stops the warm Blender and waits until it ended; chunks rendered
// later are rendered cold.
func (p *warmPool) close(why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if wp := p.proc; wp != nil {
		p.proc = nil
		p.log.Info("stopping the warm Blender", "pid", wp.cmd.Process.Pid, "why", why)
		wp.kill()
	}
}

func (p *warmPool) detach(why string) {
	wp := p.proc
	if wp == nil {
		return
	}
	p.proc = nil
	p.log.Info("stopping the warm Blender", "pid", wp.cmd.Process.Pid, "why", why)
	go wp.kill()
}
