package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// A value that is a blob manifest is fetched when it is viewed: the node
// fetches the chunks it lacks from its peers (pool members first, each
// chunk verified), a poll shows how far it has come (chunks, bytes, rate,
// the peer the last chunk came from, time left), esc cancels (what was
// fetched stays for next time), and once it is whole the first
// blobPreviewMax bytes are previewed like a value. Commands do the I/O;
// Update only keeps the state.

// blobPollEvery is how often a running fetch's progress is asked.
const blobPollEvery = 500 * time.Millisecond

// blobPreviewMax is how much of a fetched blob is read for the preview.
const blobPreviewMax = 1 << 20

// blobFetchTimeout bounds one fetch of a viewed blob.
const blobFetchTimeout = time.Hour

// blobFetch is the fetch of the blob the value viewed refers to.
type blobFetch struct {
	id        reqID
	manifest  []byte
	m         blob.Manifest
	cancel    context.CancelFunc
	ctx       context.Context
	prog      node.BlobProgress
	polled    bool // a progress answer came
	done      bool // fetched and previewed
	cancelled bool
	err       error
}

// running says whether the fetch is still going.
func (b *blobFetch) running() bool { return b != nil && !b.done && !b.cancelled && b.err == nil }

// blobProgressMsg is a running fetch's progress.
type blobProgressMsg struct {
	id  reqID
	p   node.BlobProgress
	err error
}

// blobFetchedMsg ends a fetch: the blob's head decoded, or why not.
type blobFetchedMsg struct {
	id      reqID
	preview preview
	err     error
}

// manifestOf returns the blob manifest a value holds, if it is one.
func manifestOf(v node.ValueRecord) ([]byte, blob.Manifest, bool) {
	raw := []byte(v.Value)
	if v.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(v.Value)
		if err != nil {
			return nil, blob.Manifest{}, false
		}
		raw = b
	}
	if !blob.IsManifest(raw) {
		return nil, blob.Manifest{}, false
	}
	m, err := blob.DecodeManifest(raw)
	if err != nil {
		return nil, blob.Manifest{}, false
	}
	return raw, m, true
}

// startBlob begins fetching the blob the value viewed refers to, when it
// is one and the face can fetch blobs.
func (d *dataScreen) startBlob() tea.Cmd {
	d.stopBlob()
	if d.got == nil {
		return nil
	}
	raw, m, ok := manifestOf(d.got.ValueRecord)
	if !ok {
		return nil
	}
	b := &blobFetch{id: d.s.newID(), manifest: raw, m: m}
	d.blob = b
	api, ok := d.s.api.(node.BlobAPI)
	if !ok {
		b.err = errors.New("this face cannot fetch blobs from the node (no blob API)")
		return nil
	}
	b.ctx, b.cancel = context.WithTimeout(d.s.ctx, blobFetchTimeout)
	return tea.Batch(fetchBlobCmd(b.ctx, api, b.id, raw, m), blobProgressCmd(b.ctx, api, b.id, raw, 0))
}

// stopBlob cancels the running fetch, if any, and forgets it.
func (d *dataScreen) stopBlob() {
	if d.blob != nil && d.blob.cancel != nil {
		d.blob.cancel()
	}
	d.blob = nil
}

// cancelBlob is esc during a fetch: the node stops, what it fetched stays.
func (d *dataScreen) cancelBlob() {
	d.blob.cancel()
	d.blob.cancelled = true
}

// blobUpdate handles the fetch's messages.
func (d *dataScreen) blobUpdate(msg tea.Msg) tea.Cmd {
	b := d.blob
	switch msg := msg.(type) {
	case blobProgressMsg:
		if !b.running() || msg.id != b.id {
			return nil
		}
		if msg.err == nil {
			b.prog, b.polled = msg.p, true
		}
		api, _ := d.s.api.(node.BlobAPI)
		return blobProgressCmd(b.ctx, api, b.id, b.manifest, blobPollEvery)
	case blobFetchedMsg:
		if b == nil || msg.id != b.id || b.cancelled {
			return nil
		}
		b.cancel()
		if msg.err != nil {
			b.err = msg.err
			return nil
		}
		b.done = true
		b.prog.Chunks, b.prog.Total, b.prog.Bytes, b.prog.Size = b.m.Chunks(), b.m.Chunks(), b.m.Size, b.m.Size
		d.prev, d.pLines, d.pOffset = msg.preview, nil, 0
	}
	return nil
}

// fetchBlobCmd has the node fetch the blob, then reads its head for the
// preview.
func fetchBlobCmd(ctx context.Context, api node.BlobAPI, id reqID, manifest []byte, m blob.Manifest) tea.Cmd {
	return func() tea.Msg {
		if _, err := api.FetchBlob(ctx, manifest); err != nil {
			return blobFetchedMsg{id: id, err: err}
		}
		w := &headWriter{max: blobPreviewMax}
		if _, err := api.ReadBlob(ctx, manifest, w); err != nil && !errors.Is(err, errHeadFull) {
			return blobFetchedMsg{id: id, err: err}
		}
		p := decodeBytes(w.buf.Bytes())
		p.size = int(m.Size)
		return blobFetchedMsg{id: id, preview: p}
	}
}

// blobProgressCmd asks how far the fetch has come, after wait.
func blobProgressCmd(ctx context.Context, api node.BlobAPI, id reqID, manifest []byte, wait time.Duration) tea.Cmd {
	return func() tea.Msg {
		if wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return nil
			}
		}
		p, err := api.BlobProgress(ctx, manifest)
		return blobProgressMsg{id: id, p: p, err: err}
	}
}

var errHeadFull = errors.New("preview full")

// headWriter keeps the first max bytes and then stops the reader.
type headWriter struct {
	buf bytes.Buffer
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	room := h.max - h.buf.Len()
	if len(p) > room {
		h.buf.Write(p[:room])
		return room, errHeadFull
	}
	return h.buf.Write(p)
}

var _ io.Writer = (*headWriter)(nil)

// blobLines are the preview's lines about the blob: the fetch's progress
// (chunks and bytes, rate, source peer, time left), how it ended, or what
// was fetched.
func (d *dataScreen) blobLines(w int) []string {
	b, st := d.blob, d.s.st
	if b == nil {
		return nil
	}
	p := b.prog
	held := fmt.Sprintf("%s/%s chunks · %s of %s", view.Int(p.Chunks), view.Int(b.m.Chunks()), view.Bytes(int(p.Bytes)), view.Bytes(int(b.m.Size)))
	line := func(s string) string { return " " + view.Truncate(s, w-2) }
	switch {
	case b.err != nil:
		return []string{line(st.Bad.Render(sentence(b.err))), line(st.Muted.Render("open the key again to fetch the rest; what was fetched is kept"))}
	case b.cancelled:
		return []string{line(st.Warn.Render("Fetch cancelled at " + held)), line(st.Muted.Render("open the key again to fetch the rest; what was fetched is kept"))}
	case b.done:
		got := fmt.Sprintf(" · %s chunks · %s", view.Int(b.m.Chunks()), view.Bytes(int(b.m.Size)))
		if b.m.Size > blobPreviewMax {
			got += " · first " + view.Bytes(blobPreviewMax) + " shown"
		}
		return []string{line(st.Good.Render("blob fetched and verified") + st.Muted.Render(got))}
	}
	pct := 100
	if b.m.Size > 0 {
		pct = int(p.Bytes * 100 / b.m.Size)
	}
	first := st.Strong.Render("Fetching the blob ") + st.Value.Render(fmt.Sprintf("%d%%", pct)) + st.Muted.Render(" · "+held)
	if !b.polled {
		first = st.Strong.Render("Fetching the blob…") + st.Muted.Render(" "+view.Int(b.m.Chunks())+" chunks, "+view.Bytes(int(b.m.Size)))
	}
	rate := "waiting for a chunk"
	if p.Rate > 0 {
		rate = view.Bytes(int(p.Rate)) + "/s"
		if p.Bytes < b.m.Size {
			rate += " · " + view.Duration(time.Duration(float64(b.m.Size-p.Bytes)/p.Rate*float64(time.Second))) + " left"
		}
	}
	from := fmt.Sprintf("%s peers asked", view.Int(p.Peers))
	if p.From != "" {
		from = "from " + view.ShortAddr(p.From, 16) + " · " + from
	}
	return []string{line(first), line(st.Muted.Render(rate + " · " + from + " · esc cancels"))}
}
