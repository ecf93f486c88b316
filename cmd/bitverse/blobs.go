package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
)

// blobTimeout bounds handing a file to the node and fetching a blob from
// peers (Ctrl-C stops either sooner; what was fetched stays for next time).
const blobTimeout = time.Hour

// putBlobFile streams the file at path into the node's blob store and
// returns the blob's manifest, which the put then carries as its value.
func putBlobFile(ctx context.Context, api node.BlobAPI, path string) (node.BlobInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return node.BlobInfo{}, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, blobTimeout)
	defer cancel()
	info, err := api.PutBlob(ctx, f)
	if err != nil {
		return info, fmt.Errorf("store %s in the node's blob store: %w", path, err)
	}
	return info, nil
}

// checkInlineValue refuses an inline value that starts like a blob
// manifest but is not one: readers would take it for a broken reference.
func checkInlineValue(value []byte) error {
	if !blob.IsManifest(value) {
		return nil
	}
	if _, err := blob.DecodeManifest(value); err != nil {
		return fmt.Errorf("the value begins with the blob manifest marker but is no valid manifest (%v), so readers would take it for a broken blob reference", err)
	}
	return nil
}

// blobOf returns the blob a stored value refers to, or nil if the value
// is an ordinary one.
func blobOf(key string, value []byte) (*node.BlobInfo, error) {
	if !blob.IsManifest(value) {
		return nil, nil
	}
	m, err := blob.DecodeManifest(value)
	if err != nil {
		return nil, fmt.Errorf("the value at %s is a damaged blob reference: %w", key, err)
	}
	return &node.BlobInfo{Manifest: value, Root: m.Root, Size: m.Size, ChunkSize: m.ChunkSize, Chunks: m.Chunks()}, nil
}

// getBlobTo has the node fetch every missing chunk of the blob from its
// peers (each verified against the manifest), then streams the blob into
// a temporary file next to path, checks it against the manifest's size
// and root in this process, and renames it to path.
func getBlobTo(ctx context.Context, api node.BlobAPI, bi *node.BlobInfo, path string) error {
	m, err := blob.DecodeManifest(bi.Manifest)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, blobTimeout)
	defer cancel()
	if err := fetchShowing(ctx, api, bi, progressTo()); err != nil {
		return fmt.Errorf("fetch %s: %w", m, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	v := blob.NewVerifier(m)
	if _, err := api.ReadBlob(ctx, bi.Manifest, io.MultiWriter(tmp, v)); err != nil {
		tmp.Close()
		return fmt.Errorf("read %s from the node: %w", m, err)
	}
	if err := v.Check(); err != nil {
		tmp.Close()
		return fmt.Errorf("the node sent bytes that are not the blob (nothing written to %s): %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progressEvery is how often a fetch's progress is asked and shown.
const progressEvery = 500 * time.Millisecond

// progressTo is where fetch progress goes: stderr, or nowhere with --json.
func progressTo() io.Writer {
	if g.jsonOut {
		return io.Discard
	}
	return os.Stderr
}

// fetchShowing has the node fetch the blob and, while it does, shows its
// progress on w (chunks, bytes, rate, peers) every progressEvery when it
// changed, then a last line with what the node holds.
func fetchShowing(ctx context.Context, api node.BlobAPI, bi *node.BlobInfo, w io.Writer) error {
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := api.FetchBlob(ctx, bi.Manifest)
		done <- err
	}()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	var last node.BlobProgress
	for {
		select {
		case err := <-done:
			if err != nil {
				return err
			}
			p, perr := api.BlobProgress(ctx, bi.Manifest)
			if perr == nil {
				el := time.Since(start)
				fmt.Fprintf(w, "have %s in %v\n", describeProgress(p), el.Round(time.Millisecond))
			}
			return nil
		case <-tick.C:
			p, err := api.BlobProgress(ctx, bi.Manifest)
			if err != nil || !p.Fetching || p.Chunks == last.Chunks && last.Fetching {
				continue
			}
			last = p
			fmt.Fprintf(w, "fetching: %s, %s/s from %d peers\n", describeProgress(p), mib(uint64(p.Rate)), p.Peers)
		}
	}
}

// describeProgress says how much of a blob is held: "12/80 chunks, 3.0 of
// 20.0 MiB (15%)".
func describeProgress(p node.BlobProgress) string {
	pct := 100.0
	if p.Size > 0 {
		pct = float64(p.Bytes) * 100 / float64(p.Size)
	}
	return fmt.Sprintf("%d/%d chunks, %s of %s (%.0f%%)", p.Chunks, p.Total, mib(p.Bytes), mib(p.Size), pct)
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func describeBlob(bi *node.BlobInfo) string {
	return fmt.Sprintf("blob %s: %d bytes in %d chunks of %d", bi.Root.Short(), bi.Size, bi.Chunks, bi.ChunkSize)
}

// downloadShower counts what a download writes and shows it on out every
// progressEvery while it changes: bytes of the size, rate, time left.
type downloadShower struct {
	w     io.Writer
	size  uint64
	n     atomic.Uint64
	start time.Time
	out   io.Writer
	done  chan struct{}
	quit  chan struct{}
}

// showDownload wraps w, a download of size bytes, and shows its progress
// on out (io.Discard: nothing) until stop.
func showDownload(w io.Writer, size uint64, out io.Writer) *downloadShower {
	d := &downloadShower{w: w, size: size, start: time.Now(), out: out, done: make(chan struct{}), quit: make(chan struct{})}
	go d.run()
	return d
}

func (d *downloadShower) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	d.n.Add(uint64(n))
	return n, err
}

func (d *downloadShower) run() {
	defer close(d.done)
	if d.out == io.Discard {
		return
	}
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	var last uint64
	for {
		select {
		case <-d.quit:
			return
		case now := <-tick.C:
			if n := d.n.Load(); n != last {
				last = n
				fmt.Fprintln(d.out, "downloading: "+describeDownload(n, d.size, now.Sub(d.start)))
			}
		}
	}
}

// stop ends the display; complete adds the last line.
func (d *downloadShower) stop(complete bool) {
	close(d.quit)
	<-d.done
	if complete && d.out != io.Discard {
		el := time.Since(d.start)
		fmt.Fprintf(d.out, "have %s of %s in %v\n", mib(d.n.Load()), mib(d.size), el.Round(time.Millisecond))
	}
}

// describeDownload says how far a download of size bytes is after el with
// n bytes: "3.0 of 20.0 MiB (15%), 1.2 MiB/s, 14s left".
func describeDownload(n, size uint64, el time.Duration) string {
	pct := 100.0
	if size > 0 {
		pct = float64(n) * 100 / float64(size)
	}
	s := fmt.Sprintf("%.1f of %s (%.0f%%)", float64(n)/(1<<20), mib(size), pct)
	if el <= 0 || n == 0 {
		return s
	}
	rate := float64(n) / el.Seconds()
	s += fmt.Sprintf(", %s/s", mib(uint64(rate)))
	if n < size {
		left := time.Duration(float64(size-n) / rate * float64(time.Second))
		s += fmt.Sprintf(", %v left", left.Round(time.Second))
	}
	return s
}
