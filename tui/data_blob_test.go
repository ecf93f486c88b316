package tui

import (
	"errors"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
)

// TestViewingABlobFetchesItWithProgress: opening a key whose value is a
// blob manifest has the node fetch the blob, with a progress line (chunks
// and bytes, rate, time left, the source peer) from commands, never from
// Update; esc cancels the node's fetch; opening the key again fetches it
// to the end and previews its content.
func TestViewingABlobFetchesItWithProgress(t *testing.T) {
	h := newReadyHarness(t, 9_999, 80, 24)
	blobChain(h.api)
	h.press("5")
	h.mustSee("public/big.bin")
	h.press("enter")
	h.mustSee("Fetching the blob 15%", "12/80 chunks", "3.15 MB of 21.0 MB", "1.57 MB/s", "11s left", "from 12D3Ko", "esc cancels")
	h.mustNotSee("binary")
	h.mustSee("esc cancel")

	h.press("esc")
	h.mustSee("Fetch cancelled at 12/80 chunks")
	testutil.Eventually(t, 30*time.Second, "the node's fetch cancelled", func() error {
		if h.api.blobs.cancelled.Load() == 0 {
			return errors.New("not yet")
		}
		return nil
	})

	// Back to the list and open it again: the fetch runs to the end.
	h.api.blobs.hold.Store(false)
	h.press("esc")
	h.mustSee("public/big.bin")
	h.press("enter")
	h.mustSee("blob fetched and verified · 80 chunks · 21.0 MB · first 1.05 MB shown", "A blob is a value larger")
	if v := h.api.Violations(); len(v) > 0 {
		t.Fatalf("calls from Update or View: %v", v)
	}
}
