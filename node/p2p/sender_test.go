package p2p_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// senderLog is a real node that also notes who sent each block the host
// hands it.
type senderLog struct {
	*node.Node
	mu   sync.Mutex
	from map[wire.Hash]string
}

func (s *senderLog) SubmitBlockFrom(b *wire.Block, from string) (chain.Result, error) {
	s.mu.Lock()
	s.from[b.ID()] = from
	s.mu.Unlock()
	return s.Node.SubmitBlockFrom(b, from)
}

func (s *senderLog) SubmitRunFrom(blocks []*wire.Block, from string) (int, error) {
	s.mu.Lock()
	for _, b := range blocks {
		s.from[b.ID()] = from
	}
	s.mu.Unlock()
	return s.Node.SubmitRunFrom(blocks, from)
}

func (s *senderLog) sender(id wire.Hash) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.from[id]
	return f, ok
}

// TestPeerBlocksNameTheirSender: blocks a host takes from a peer (here by
// sync, then by gossip) reach the node with that peer's ID as the sender,
// so the held pool charges the peer that sent them.
func TestPeerBlocksNameTheirSender(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	mined := a.Mine(3)

	dir := t.TempDir()
	n, err := node.Open(node.Config{DataDir: filepath.Join(dir, "node"), Params: consensus.Regtest(), MinerWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	rec := &senderLog{Node: n, from: map[wire.Hash]string{}}
	x, err := p2p.New(p2p.Config{DataDir: dir, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, DisableMDNS: true, DisableDHT: true,
		SyncInterval: time.Second}, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := x.AddPeer(ctx, a.Host.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	want := a.ID().String()
	check := func(blocks []*wire.Block) {
		t.Helper()
		for _, b := range blocks {
			id := b.ID()
			deadline := time.Now().Add(60 * time.Second)
			for !n.Chain().HasBlock(id) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			got, ok := rec.sender(id)
			if !ok {
				t.Fatalf("block %s never reached the node from the host", id.Short())
			}
			if got != want {
				t.Fatalf("block %s submitted as sent by %q, want the peer %s", id.Short(), got, want)
			}
		}
	}
	check(mined)
	check(a.Mine(2))
}
