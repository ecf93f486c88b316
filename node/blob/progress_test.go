package blob

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestProgressWhileFetching: while a fetch runs, Progress reports chunks
// and bytes held that only grow, up to the whole blob, counting chunks held
// before the fetch, and the peer whose chunk came last; once the fetch is
// over it reports none.
func TestProgressWhileFetching(t *testing.T) {
	alice, bob := newNode(t, "alice"), newNode(t, "bob")
	connect(t, bob, alice)
	data := randomData(2<<20+100, 7)
	m := alice.put(t, data, MinChunkSize) // 513 chunks
	bob.put(t, data, MinChunkSize)
	bob.forget(t, m, seq(10, m.Chunks())...) // bob keeps chunks 0..9
	if _, ok := bob.svc.Progress(m); ok {
		t.Fatal("progress reported before any fetch")
	}
	var seen []Progress
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			if p, ok := bob.svc.Progress(m); ok {
				seen = append(seen, p)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	var calls [][2]int
	err := bob.svc.Fetch(context.Background(), m, []peer.ID{alice.h.ID()}, func(done, total int) {
		calls = append(calls, [2]int{done, total})
		p, ok := bob.svc.Progress(m)
		if !ok || p.Chunks != done || p.Total != total {
			t.Errorf("callback (%d, %d) but Progress %+v, %v", done, total, p, ok)
		}
		if from := map[bool]peer.ID{true: alice.h.ID()}[done > 10]; p.From != from {
			t.Errorf("after %d chunks progress names source %q, want %q", done, p.From, from)
		}
	})
	close(stop)
	<-polled
	if err != nil {
		t.Fatal(err)
	}
	if calls[0] != [2]int{10, m.Chunks()} || calls[len(calls)-1] != [2]int{m.Chunks(), m.Chunks()} {
		t.Fatalf("progress calls from %v to %v", calls[0], calls[len(calls)-1])
	}
	if _, ok := bob.svc.Progress(m); ok {
		t.Fatal("progress still reported after the fetch")
	}
	if len(seen) == 0 {
		t.Fatal("the poller never saw the fetch")
	}
	last := Progress{}
	for _, p := range seen {
		if p.Chunks < last.Chunks || p.Bytes < last.Bytes || p.Total != m.Chunks() || p.Size != m.Size || p.Peers != 1 {
			t.Fatalf("progress went from %+v to %+v", last, p)
		}
		if p.Bytes < uint64(10*MinChunkSize) {
			t.Fatalf("progress %+v forgets the 10 chunks held before", p)
		}
		last = p
	}
	if r := last.Rate(time.Now()); r < 0 {
		t.Fatalf("rate %v", r)
	}
}

// TestCompleteListsBlobsHeldInFull: Complete lists every blob stored in
// full, once each, skipping partial ones, up to the limit.
func TestCompleteListsBlobsHeldInFull(t *testing.T) {
	n := newNode(t, "n")
	want := map[string]bool{}
	for i := range 5 {
		m := n.put(t, randomData(3*MinChunkSize+i, uint64(i)), MinChunkSize)
		want[m.String()] = true
	}
	partial := n.put(t, randomData(3*MinChunkSize, 99), MinChunkSize)
	n.forget(t, partial, 1)
	got, err := n.store.Complete(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("listed %d blobs, want 5", len(got))
	}
	for _, m := range got {
		if !want[m.String()] {
			t.Fatalf("listed %s", m)
		}
		delete(want, m.String())
	}
	if got, _ := n.store.Complete(2); len(got) != 2 {
		t.Fatalf("limit 2 listed %d", len(got))
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
