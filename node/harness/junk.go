package harness

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Junk is a hostile peer: a bare libp2p host that speaks Bitverse's gossip
// and stream protocols without checking anything it sends.
type Junk struct {
	Host   host.Host
	PS     *pubsub.PubSub
	Blocks *pubsub.Topic
	Txs    *pubsub.Topic
	h      *Harness
	cancel context.CancelFunc
}

// NewJunk starts a hostile peer on 127.0.0.1. Its gossip accepts messages
// up to 8 MiB, so it can send oversized ones.
func (h *Harness) NewJunk() *Junk {
	h.t.Helper()
	hst, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay(), libp2p.DisableMetrics())
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts := append(p2p.GossipOptions(), pubsub.WithMaxMessageSize(8<<20))
	ps, err := pubsub.NewGossipSub(ctx, hst, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	j := &Junk{Host: hst, PS: ps, h: h, cancel: cancel}
	if j.Blocks, err = ps.Join(p2p.TopicBlocks(h.params.Net)); err != nil {
		h.t.Fatal(err)
	}
	if j.Txs, err = ps.Join(p2p.TopicTxs(h.params.Net)); err != nil {
		h.t.Fatal(err)
	}
	j.Blocks.Relay()
	j.Txs.Relay()
	h.t.Cleanup(func() { cancel(); hst.Close() })
	return j
}

// Connect dials n and waits until n is a gossip peer on both topics.
func (j *Junk) Connect(n *Node) error {
	// A generous cap: on a loaded machine the gossip meshes take seconds
	// (10 s was seen to run out with the load average at 50).
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := j.Host.Connect(ctx, n.AddrInfo()); err != nil {
		return err
	}
	for {
		// n lists the junk peer once the junk peer's own gossip stream to n
		// is up; before that, what it publishes goes nowhere.
		if has(j.Blocks.ListPeers(), n.ID()) && has(j.Txs.ListPeers(), n.ID()) && has(n.Host.GossipPeers(), j.Host.ID()) {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s never joined the junk peer's topics", n.Name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func has(ps []peer.ID, id peer.ID) bool {
	for _, p := range ps {
		if p == id {
			return true
		}
	}
	return false
}

// SendSync opens a sync stream to n and writes raw bytes (frames or not).
func (j *Junk) SendSync(n *Node, raw []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := j.Host.NewStream(ctx, n.ID(), p2p.ProtoSync(j.h.params.Net))
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Write(raw); err != nil {
		return err
	}
	s.CloseWrite()
	buf := make([]byte, 1)
	s.Read(buf) // until the other side answers or hangs up
	return nil
}

// InvalidBlock returns a block on n's tip with valid proof of work whose
// transaction root is wrong (a sanity-rule violation).
func (n *Node) InvalidBlock() []byte {
	n.h.t.Helper()
	b, err := n.template(nil, false)
	if err != nil {
		n.h.t.Fatal(err)
	}
	b.Header.TxRoot[0] ^= 0xff
	Solve(b)
	return b.Encode()
}

// InvalidTx returns a put from k whose signature does not verify.
func (h *Harness) InvalidTx(k wire.PrivKey, nonce uint64) []byte {
	tx := h.NewPut(k, nonce, "public/junk", []byte("junk"))
	tx.Sig[10] ^= 1
	return tx.Encode()
}

// OrphanBlock returns a block that passes every check that needs no other
// block but builds on a parent nobody has: it costs a receiver work and
// can never connect.
func (h *Harness) OrphanBlock(height uint64) []byte {
	var prev wire.Hash
	rand.Read(prev[:])
	k := KeyFor("orphan")
	cb := wire.NewTx(wire.RootChain, wire.Coinbase{To: k.PubKey(), Amount: h.params.Reward(height)}, height, 0)
	b := &wire.Block{Header: wire.Header{Version: 1, Chain: wire.RootChain, Height: height, Prev: prev,
		Time: h.params.GenesisTime + int64(height)*h.params.TargetInterval.Milliseconds(), Bits: h.params.GenesisBits},
		Txs: []*wire.Tx{cb}}
	b.Header.TxRoot = b.ComputeTxRoot()
	Solve(b)
	return b.Encode()
}
