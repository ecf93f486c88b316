package blob

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"go.etcd.io/bbolt"
)

// tnode is a named test node: a real libp2p host on 127.0.0.1, a real
// bbolt database in a temporary directory, a Store and a Service.
type tnode struct {
	name  string
	h     host.Host
	db    *bbolt.DB
	store *Store
	svc   *Service
	bad   *badLog
}

// badLog records OnBadPeer reports.
type badLog struct {
	mu      sync.Mutex
	reports []badReport
}

type badReport struct {
	p   peer.ID
	err error
}

func (l *badLog) add(p peer.ID, err error) {
	l.mu.Lock()
	l.reports = append(l.reports, badReport{p, err})
	l.mu.Unlock()
}

func (l *badLog) about(p peer.ID) []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []error
	for _, r := range l.reports {
		if r.p == p {
			out = append(out, r.err)
		}
	}
	return out
}

// newDB opens a real node database in a fresh temporary directory.
func newDB(t testing.TB) *bbolt.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "chain.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newNode(t testing.TB, name string) *tnode {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	n := &tnode{name: name, h: h, db: newDB(t), bad: &badLog{}}
	n.store = NewStore(n.db)
	n.svc = Register(h, wire.Devnet, n.store, n.bad.add)
	return n
}

// connect makes a and each of others know and dial one another.
func connect(t testing.TB, a *tnode, others ...*tnode) {
	t.Helper()
	for _, b := range others {
		a.h.Peerstore().AddAddrs(b.h.ID(), b.h.Addrs(), peerstore.PermanentAddrTTL)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := a.h.Connect(ctx, peer.AddrInfo{ID: b.h.ID(), Addrs: b.h.Addrs()})
		cancel()
		if err != nil {
			t.Fatalf("connect %s to %s: %v", a.name, b.name, err)
		}
	}
}

// randomData returns n pseudo-random bytes from seed.
func randomData(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	r.Read(b)
	return b
}

// put stores data on n in chunks of cs.
func (n *tnode) put(t testing.TB, data []byte, cs int) Manifest {
	t.Helper()
	m, err := n.store.PutChunks(bytes.NewReader(data), cs)
	if err != nil {
		t.Fatalf("%s: put: %v", n.name, err)
	}
	return m
}

// read returns the blob m as n has it.
func (n *tnode) read(t testing.TB, m Manifest) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := n.store.WriteBlob(m, &buf); err != nil {
		t.Fatalf("%s: read %s: %v", n.name, m, err)
	}
	return buf.Bytes()
}

// forget deletes chunk i of m from n's database.
func (n *tnode) forget(t testing.TB, m Manifest, idx ...int) {
	t.Helper()
	err := n.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Blobs)
		b.Delete(m.key())
		for _, i := range idx {
			if err := b.Delete(m.chunkKey(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// progressLog checks that progress reports only grow and remembers the last.
type progressLog struct {
	mu          sync.Mutex
	first, last [2]int
	calls       int
	shrank      bool
}

func (p *progressLog) fn(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == 0 {
		p.first = [2]int{done, total}
	} else if done < p.last[0] || total != p.last[1] {
		p.shrank = true
	}
	p.last = [2]int{done, total}
	p.calls++
}

// onlyErrs reports whether every err wraps one of want.
func onlyErrs(errs []error, want ...error) bool {
	for _, err := range errs {
		ok := false
		for _, w := range want {
			ok = ok || errors.Is(err, w)
		}
		if !ok {
			return false
		}
	}
	return true
}
