// Package logfile is a log writer that never blocks its caller: lines are
// queued in memory and written to the file by one goroutine. A full queue
// drops lines (and counts them) rather than stall the UI.
package logfile

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Writer queues writes for a background goroutine.
type Writer struct {
	mu      sync.RWMutex
	closed  bool
	ch      chan []byte
	done    chan struct{}
	dropped atomic.Int64
}

// New starts a writer to w with room for queue pending lines.
func New(w io.Writer, queue int) *Writer {
	lw := &Writer{ch: make(chan []byte, queue), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		for b := range lw.ch {
			w.Write(b)
		}
		if n := lw.dropped.Load(); n > 0 {
			fmt.Fprintf(w, "logfile: %d lines dropped (queue full or closed)\n", n)
		}
	}()
	return lw
}

// Write queues a copy of p; it never blocks. After Close it drops p.
func (lw *Writer) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	lw.mu.RLock()
	defer lw.mu.RUnlock()
	if lw.closed {
		lw.dropped.Add(1)
		return len(p), nil
	}
	select {
	case lw.ch <- b:
	default:
		lw.dropped.Add(1)
	}
	return len(p), nil
}

// Close writes what is queued and stops the goroutine.
func (lw *Writer) Close() error {
	lw.mu.Lock()
	if !lw.closed {
		lw.closed = true
		close(lw.ch)
	}
	lw.mu.Unlock()
	<-lw.done
	return nil
}
