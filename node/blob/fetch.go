package blob

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Limits of one Fetch.
const (
	perPeer            = 4 // requests in flight to one peer
	maxInFlight        = 16
	maxTransportErrors = 3 // consecutive failed requests before a peer is dropped
	transportBackoff   = 100 * time.Millisecond
)

// Fetch downloads the chunks of m that the store lacks from peers, several
// at a time (at most 4 per peer and 16 in all), verifies each against m
// before storing it, and marks the blob complete. progress, if not nil, is
// called with the chunks held and the total, first before any request and
// then after each stored batch, never concurrently.
//
// A peer that sends a chunk that does not verify, or breaks the protocol,
// is reported to the onBadPeer callback and asked nothing more; one that
// does not have a chunk is reported (with ErrNotFound) and asked for other
// chunks. A peer whose requests fail three times running (timeouts, resets,
// busy) is dropped from this fetch without blame. Every chunk a peer failed
// to give is asked of another. If some chunk cannot be had from any peer,
// Fetch returns ErrUnavailable; what was stored stays, so a later Fetch
// resumes.
func (svc *Service) Fetch(ctx context.Context, m Manifest, peers []peer.ID, progress func(done, total int)) error {
	if err := m.Check(); err != nil {
		return err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	total := m.Chunks()
	missing, err := svc.store.Missing(m)
	if err != nil {
		return err
	}
	held := heldBytes(m, missing)
	t := svc.track(m, total-len(missing), held, len(svc.usable(peers)))
	defer svc.untrack(m, t)
	report := func(done int, bytes uint64, from peer.ID) {
		svc.mu.Lock()
		t.Chunks, t.Bytes = done, bytes
		if from != "" {
			t.From = from
		}
		svc.mu.Unlock()
		progress(done, total)
	}
	report(total-len(missing), held, "")
	if len(missing) > 0 {
		if err := svc.download(ctx, m, missing, peers, report); err != nil {
			return err
		}
	}
	if total == 0 || svc.store.Has(m) {
		return nil
	}
	return svc.store.write(m, nil, true)
}

func (svc *Service) download(parent context.Context, m Manifest, missing []int, peers []peer.ID, progress func(int, uint64, peer.ID)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	held := heldBytes(m, missing)
	f := newFetch(missing, svc.usable(peers))
	stop := context.AfterFunc(ctx, f.wake)
	defer stop()

	writes := make(chan record, maxInFlight)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	for _, p := range f.peers {
		for range perPeer {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc.worker(ctx, m, f, p, sem, writes)
			}()
		}
	}
	werr := make(chan error, 1)
	go func() {
		err := svc.writer(m, f, writes, held, progress)
		if err != nil {
			cancel()
			for range writes {
			}
		}
		werr <- err
	}()
	wg.Wait()
	close(writes)
	if err := <-werr; err != nil {
		return err
	}
	if err := parent.Err(); err != nil {
		return fmt.Errorf("fetch %s: %w", m, err)
	}
	if f.left > 0 {
		return fmt.Errorf("%w: %d of %d chunks of %s could not be had from %d peers", ErrUnavailable, f.left, m.Chunks(), m.Root.Short(), len(f.peers))
	}
	return nil
}

// usable returns peers without duplicates and without this host.
func (svc *Service) usable(peers []peer.ID) []peer.ID {
	seen := map[peer.ID]bool{svc.h.ID(): true}
	var out []peer.ID
	for _, p := range peers {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// worker asks p for chunks until the fetch no longer needs p.
func (svc *Service) worker(ctx context.Context, m Manifest, f *fetch, p peer.ID, sem chan struct{}, writes chan<- record) {
	for {
		i, ok := f.next(ctx, p)
		if !ok {
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		val, err := svc.get(ctx, p, request{Manifest: m, Index: i})
		<-sem
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			blame, wait := f.failed(p, i, err)
			if blame {
				svc.badPeer(p, err)
			}
			if wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return
				}
			}
			continue
		}
		f.succeeded(p)
		select {
		case writes <- record{i: i, val: val, from: p}:
		case <-ctx.Done():
			return
		}
	}
}

// writer stores verified chunks in batches, one transaction each, and
// reports progress.
func (svc *Service) writer(m Manifest, f *fetch, writes <-chan record, bytes uint64, progress func(int, uint64, peer.ID)) error {
	perBatch := max(1, putBatchBytes/int(m.ChunkSize))
	total := m.Chunks()
	for r := range writes {
		batch := []record{r}
	drain:
		for len(batch) < perBatch {
			select {
			case r, ok := <-writes:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		if err := svc.store.write(m, batch, false); err != nil {
			f.abort()
			return err
		}
		for _, r := range batch {
			bytes += uint64(m.ChunkLen(r.i))
		}
		progress(total-f.stored(batch), bytes, batch[len(batch)-1].from)
	}
	return nil
}

// fetch is the schedule of one Fetch: which chunks are still wanted, which
// peer failed which chunk, which peers are still asked. Workers take chunks
// with next and report with failed/succeeded; the writer reports stored.
type fetch struct {
	mu      sync.Mutex
	cond    *sync.Cond
	peers   []peer.ID
	queue   []int                    // wanted and not being fetched, in order
	tried   map[int]map[peer.ID]bool // chunk → peers that failed it
	untried map[peer.ID]int          // peer → wanted chunks it has not failed
	errs    map[peer.ID]int          // peer → consecutive transport errors
	dead    map[peer.ID]bool         // asked nothing more
	left    int                      // chunks not yet stored
	aborted bool
}

func newFetch(missing []int, peers []peer.ID) *fetch {
	f := &fetch{peers: peers, queue: append([]int(nil), missing...), tried: map[int]map[peer.ID]bool{},
		untried: map[peer.ID]int{}, errs: map[peer.ID]int{}, dead: map[peer.ID]bool{}, left: len(missing)}
	f.cond = sync.NewCond(&f.mu)
	for _, p := range peers {
		f.untried[p] = len(missing)
	}
	return f
}

// next returns a chunk for p to fetch, waiting while every chunk p could
// still help with is being fetched by others. It returns false when p can
// no longer help: everything is stored, p is dropped, p failed every wanted
// chunk, or the fetch is over.
func (f *fetch) next(ctx context.Context, p peer.ID) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if ctx.Err() != nil || f.aborted || f.dead[p] || f.left == 0 || f.untried[p] == 0 {
			return 0, false
		}
		for k, i := range f.queue {
			if !f.tried[i][p] {
				f.queue = append(f.queue[:k], f.queue[k+1:]...)
				return i, true
			}
		}
		f.cond.Wait()
	}
}

// failed records that p did not deliver chunk i and puts i back at the
// front of the queue. It says whether p is to blame (a chunk that does not
// verify, a protocol violation, or a chunk it does not have) and how long
// the worker should wait before asking again.
func (f *fetch) failed(p peer.ID, i int, err error) (blame bool, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.cond.Broadcast()
	f.queue = append([]int{i}, f.queue...)
	switch {
	case errors.Is(err, ErrBadChunk), errors.Is(err, ErrProtocol):
		f.dead[p] = true
		f.markTried(i, p)
		return true, 0
	case errors.Is(err, ErrNotFound):
		f.markTried(i, p)
		return true, 0
	}
	f.errs[p]++
	if f.errs[p] >= maxTransportErrors {
		f.dead[p] = true
	}
	return false, time.Duration(f.errs[p]) * transportBackoff
}

func (f *fetch) markTried(i int, p peer.ID) {
	if f.tried[i] == nil {
		f.tried[i] = map[peer.ID]bool{}
	}
	if !f.tried[i][p] {
		f.tried[i][p] = true
		f.untried[p]--
	}
}

// succeeded resets p's run of transport errors.
func (f *fetch) succeeded(p peer.ID) {
	f.mu.Lock()
	f.errs[p] = 0
	f.mu.Unlock()
}

// stored records a stored batch and returns how many chunks are still
// wanted.
func (f *fetch) stored(batch []record) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.cond.Broadcast()
	for _, r := range batch {
		f.left--
		for _, q := range f.peers {
			if !f.tried[r.i][q] {
				f.untried[q]--
			}
		}
		delete(f.tried, r.i)
	}
	return f.left
}

func (f *fetch) abort() {
	f.mu.Lock()
	f.aborted = true
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (f *fetch) wake() {
	f.mu.Lock()
	f.cond.Broadcast()
	f.mu.Unlock()
}

// heldBytes is how many bytes of m the chunks not in missing hold.
func heldBytes(m Manifest, missing []int) uint64 {
	held := m.Size
	for _, i := range missing {
		held -= uint64(m.ChunkLen(i))
	}
	return held
}
