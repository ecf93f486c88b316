package logfile

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestWriteNeverBlocks(t *testing.T) {
	bw := &blockingWriter{release: make(chan struct{})}
	lw := New(bw, 4)
	// The file is stuck: the first line is taken by the writer goroutine,
	// four wait in the queue, the rest are dropped, and no Write blocks.
	for i := 0; i < 100; i++ {
		if n, err := lw.Write([]byte("line\n")); n != 5 || err != nil {
			t.Fatalf("case %d: Write = %d, %v", i, n, err)
		}
	}
	close(bw.release)
	lw.Close()
	out := bw.buf.String()
	if got := strings.Count(out, "line\n"); got < 4 || got > 5 {
		t.Fatalf("%d lines written, want the queued 4 or 5", got)
	}
	if !strings.Contains(out, "lines dropped") {
		t.Fatalf("drops not reported:\n%s", out)
	}
	if n, err := lw.Write([]byte("late\n")); n != 5 || err != nil {
		t.Fatalf("Write after Close = %d, %v", n, err)
	}
}

func TestCloseFlushes(t *testing.T) {
	var buf bytes.Buffer
	lw := New(&buf, 16)
	lw.Write([]byte("a\n"))
	lw.Write([]byte("b\n"))
	lw.Close()
	lw.Close() // idempotent
	if buf.String() != "a\nb\n" {
		t.Fatalf("got %q", buf.String())
	}
}
