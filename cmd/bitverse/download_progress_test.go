package main

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
)

// syncBuffer is a bytes.Buffer safe to read while the display writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDownloadProgressShowsBytesRateAndTimeLeft: a download through
// showDownload reaches its writer unchanged and, while it moves, shows a
// line with the bytes of the size, the rate and the time left, then what
// it has; with --json's io.Discard nothing is shown.
func TestDownloadProgressShowsBytesRateAndTimeLeft(t *testing.T) {
	if got := describeDownload(3<<20, 20<<20, 2*time.Second); got != "3.0 of 20.0 MiB (15%), 1.5 MiB/s, 11s left" {
		t.Fatalf("describeDownload = %q", got)
	}
	if got := describeDownload(20<<20, 20<<20, 4*time.Second); got != "20.0 of 20.0 MiB (100%), 5.0 MiB/s" {
		t.Fatalf("describeDownload complete = %q", got)
	}
	var file bytes.Buffer
	var out syncBuffer
	d := showDownload(&file, 4<<20, &out)
	d.Write(bytes.Repeat([]byte{7}, 1<<20))
	testutil.Eventually(t, 30*time.Second, "a progress line", func() error {
		if !strings.Contains(out.String(), "downloading: 1.0 of 4.0 MiB (25%), ") || !strings.Contains(out.String(), " left") {
			return io.ErrNoProgress
		}
		return nil
	})
	d.Write(bytes.Repeat([]byte{7}, 3<<20))
	d.stop(true)
	if file.Len() != 4<<20 || !strings.Contains(out.String(), "have 4.0 MiB of 4.0 MiB in ") {
		t.Fatalf("wrote %d bytes, showed:\n%s", file.Len(), out.String())
	}
	quiet := showDownload(io.Discard, 1<<20, io.Discard)
	quiet.Write(make([]byte, 100))
	quiet.stop(true)
}
