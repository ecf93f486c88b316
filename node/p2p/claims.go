package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// A chain kept as headers only is synced by GetHeaders (ranked by the
// work the headers prove, as for any chain) and then GetClaims: of each
// block, only its coinbase and the coinbase's Merkle branch to the
// header's tx root (chain.Claimed), all that judging root checkpoints
// needs. The bodies stay with the nodes that store the chain.
const (
	MaxClaimsPerReq  = 256 // ids in one GetClaims request
	MaxCoinbaseSize  = 256 // one encoded coinbase (at most 163 bytes)
	maxClaimEntry    = 1 + 2 + MaxCoinbaseSize + 1 + wire.MaxFirstBranch*wire.HashSize
	MaxClaimsFrame   = 8 + MaxClaimsPerReq*maxClaimEntry // the Claims reply
	claimsReadBudget = 16 << 20                          // bytes of blocks one reply may read
	syncClaimsChunk  = MaxClaimsPerReq                   // blocks per GetClaims in sync
)

// claim is one entry of a Claims reply: a block's coinbase (its
// canonical encoding) and the coinbase's Merkle branch.
type claim struct {
	Coinbase []byte
	Branch   []wire.Hash
}

// encodeClaims writes a Claims reply: 0 ‖ n uvarint ‖ entry × n, an entry
// being 0 (not served) or 1 ‖ coinbase varbytes ‖ count uvarint ‖ hash ×
// count.
func encodeClaims(cs []*claim) []byte {
	w := wire.NewWriter(8 + 300*len(cs))
	w.U8(replyOK)
	w.Uvarint(uint64(len(cs)))
	for _, c := range cs {
		if c == nil {
			w.U8(0)
			continue
		}
		w.U8(1)
		w.VarBytes(c.Coinbase)
		w.Uvarint(uint64(len(c.Branch)))
		for _, h := range c.Branch {
			w.Hash(h)
		}
	}
	return w.Bytes()
}

// decodeClaims reads a Claims reply answering n ids.
func decodeClaims(b []byte, n int) ([]*claim, error) {
	r := wire.NewReader(b)
	if code := r.U8(); code != replyOK && r.Err() == nil {
		return nil, replyError(code)
	}
	got := r.Len(MaxClaimsPerReq, 1, "claims")
	if r.Err() == nil && got != n {
		return nil, fmt.Errorf("%w: %d claims for %d ids", ErrProtocol, got, n)
	}
	out := make([]*claim, got)
	for i := 0; i < got && r.Err() == nil; i++ {
		switch flag := r.U8(); {
		case r.Err() != nil:
		case flag == 0:
		case flag == 1:
			c := &claim{Coinbase: r.VarBytes(MaxCoinbaseSize, "coinbase")}
			k := r.Len(wire.MaxFirstBranch, wire.HashSize, "branch")
			for j := 0; j < k && r.Err() == nil; j++ {
				c.Branch = append(c.Branch, r.Hash())
			}
			out[i] = c
		default:
			r.Fail(fmt.Errorf("claim %d: flag %d", i, flag))
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrProtocol, err)
	}
	return out, nil
}

// serveClaims answers GetClaims for chain c: each block's coinbase and
// branch (from the block, or on a chain kept as headers only from what
// this node took the block with), or "not served" when the block is
// unknown or the reply has read its budget of blocks. Blocks read are
// charged to the peer like served blocks (the reading and hashing is the
// work; the reply is small).
func (sv *services) serveClaims(s network.Stream, c *chain.Chain, ids []wire.Hash) {
	x := sv.x
	out := make([]*claim, len(ids))
	budget := claimsReadBudget
	for i, id := range ids {
		if budget <= 0 {
			break
		}
		if c.HeadersOnly() {
			// Served as this node took them (chain.StoredClaim).
			cl, size, ok := c.StoredClaim(id)
			if !ok {
				continue
			}
			budget -= size
			x.guard.chargeRequest(s.Conn().RemotePeer(), s.Conn(), float64(size)/blockBytesPerUnit)
			out[i] = &claim{Coinbase: cl.Coinbase.Encode(), Branch: cl.Branch}
			continue
		}
		var raw []byte
		c.DB().View(func(tx *bbolt.Tx) error {
			if v := tx.Bucket(store.Blocks).Get(id[:]); v != nil {
				raw = bytes.Clone(v)
			}
			return nil
		})
		if raw == nil {
			continue
		}
		budget -= len(raw)
		x.guard.chargeRequest(s.Conn().RemotePeer(), s.Conn(), float64(len(raw))/blockBytesPerUnit)
		b, err := wire.DecodeBlock(raw)
		if err != nil || len(b.Txs) == 0 {
			continue
		}
		cl := chain.ClaimedOf(b)
		out[i] = &claim{Coinbase: cl.Coinbase.Encode(), Branch: cl.Branch}
	}
	writeFrame(s, encodeClaims(out))
}

// GetChainClaims asks p for the claimed form (chain.Claimed) of the blocks
// of chain c whose headers are hs. The result has one entry per header,
// nil where p did not serve it. A coinbase that is not canonical or not
// proven first under its header's tx root is a protocol violation.
func (x *Host) GetChainClaims(ctx context.Context, p peer.ID, c wire.ChainID, hs []wire.Header) ([]*chain.Claimed, error) {
	ids := make([]wire.Hash, len(hs))
	for i := range hs {
		ids[i] = hs[i].ID()
	}
	s, err := x.send(ctx, p, &request{Type: msgGetClaims, Chain: c, IDs: ids})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	raw, err := readFrame(s, MaxClaimsFrame)
	if err != nil {
		s.Reset()
		return nil, err
	}
	cs, err := decodeClaims(raw, len(ids))
	if err != nil {
		return nil, err
	}
	return verifyClaims(hs, cs)
}

// verifyClaims pairs each claim of a reply with its header: the coinbase
// must be a canonical transaction proven first under the header's tx
// root (an honest server read it from the block), else the reply is a
// protocol violation.
func verifyClaims(hs []wire.Header, cs []*claim) ([]*chain.Claimed, error) {
	if len(cs) != len(hs) {
		return nil, fmt.Errorf("%w: %d claims for %d headers", ErrProtocol, len(cs), len(hs))
	}
	out := make([]*chain.Claimed, len(hs))
	for i, cl := range cs {
		if cl == nil {
			continue
		}
		tx, err := wire.DecodeTx(cl.Coinbase)
		if err != nil || !bytes.Equal(tx.Encode(), cl.Coinbase) {
			return nil, fmt.Errorf("%w: claim %d: the coinbase is not a canonical transaction", ErrProtocol, i)
		}
		if !wire.VerifyFirstBranch(wire.Sum(cl.Coinbase), cl.Branch, hs[i].TxRoot) {
			return nil, fmt.Errorf("%w: claim %d: the coinbase is not the first transaction of block %s", ErrProtocol, i, hs[i].ID().Short())
		}
		out[i] = &chain.Claimed{Header: hs[i], Coinbase: tx, Branch: cl.Branch}
	}
	return out, nil
}

// fetchClaims is fetchBodies for a chain kept as headers only: the
// claimed form of the blocks of hdrs this node lacks, in chunks from the
// candidates in parallel (a chunk is tried at each in turn), stored in
// order (chain.Forest.ProcessClaimed). A block whose parent or anchor is
// missing ends the chain's round without error (the next pass
// continues). It returns how many blocks were stored.
func (s *syncer) fetchClaims(ctx context.Context, c *chain.Chain, hdrs []wire.Header, cands []candidate, total uint64) (int, error) {
	x := s.x
	var todo []wire.Header
	for i := range hdrs {
		if !c.HasBlock(hdrs[i].ID()) {
			todo = append(todo, hdrs[i])
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	type result struct {
		cls  []chain.Claimed
		from peer.ID
		err  error
	}
	var chunks [][]wire.Header
	for i := 0; i < len(todo); i += syncClaimsChunk {
		chunks = append(chunks, todo[i:min(i+syncClaimsChunk, len(todo))])
	}
	peers := cands[:min(syncBodyPeers, len(cands))]
	var bad sync.Map // peers dropped from the round
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan result, len(chunks))
	slots := make(chan struct{}, len(peers)*syncWorkersPerPeer)
	fetch := func(i int) result {
		var last error = errors.New("no peer served the blocks")
		for try := 0; try < syncMaxTries; try++ {
			p := peers[(i+try)%len(peers)].id
			if _, dropped := bad.Load(p); dropped {
				continue
			}
			fctx, fcancel := context.WithTimeout(rctx, fetchTimeout)
			got, err := x.GetChainClaims(fctx, p, c.ID(), chunks[i])
			fcancel()
			if err == nil {
				cls := make([]chain.Claimed, 0, len(got))
				for j, cl := range got {
					if cl == nil {
						err = fmt.Errorf("peer lacks block %s", chunks[i][j].ID().Short())
						break
					}
					cls = append(cls, *cl)
				}
				if err == nil {
					return result{cls: cls, from: p}
				}
				bad.Store(p, true) // it is on another branch: stop asking it
			} else if errors.Is(err, ErrProtocol) {
				x.guard.ban(p, 0, "sync: "+err.Error())
				bad.Store(p, true)
			}
			if rctx.Err() != nil {
				return result{err: rctx.Err()}
			}
			last = err
		}
		return result{err: fmt.Errorf("blocks %s… could not be fetched: %w", chunks[i][0].ID().Short(), last)}
	}
	for i := range chunks {
		results[i] = make(chan result, 1)
	}
	go func() { // hand out chunks in order, as many in flight as slots allow
		for i := range chunks {
			select {
			case slots <- struct{}{}:
			case <-rctx.Done():
				return
			}
			go func() {
				r := fetch(i)
				<-slots
				results[i] <- r
			}()
		}
	}()
	start := time.Now()
	s.setProgress(node.Sync{Syncing: true, Chain: c.ID().String(), Total: total})
	stored := 0
	var err error
	for i := range chunks {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return stored, ctx.Err()
		}
		if r.err != nil {
			err = r.err
			break
		}
		n, perr := x.node.Forest().ProcessClaimed(r.cls)
		stored += n
		x.counters.synced.Add(uint64(n))
		x.counters.claimed.Add(uint64(n))
		if perr != nil {
			if !errors.Is(perr, chain.ErrOrphan) {
				if consensus.CodeOf(perr) != 0 {
					// Served from its best chain: the server connected it.
					if f := blockFault(perr); f != faultNone {
						x.guard.ban(r.from, 0, "served an invalid block: "+perr.Error())
					}
				}
				err = perr
			}
			break
		}
		el := time.Since(start).Seconds()
		p := node.Sync{Syncing: true, Chain: c.ID().String(), Done: uint64(stored), Total: max(total, uint64(stored))}
		if el > 0 {
			p.Rate = float64(stored) / el
			if p.Rate > 0 && p.Total > p.Done {
				p.ETASeconds = float64(p.Total-p.Done) / p.Rate
			}
		}
		s.setProgress(p)
	}
	x.log.Info("sync progress", "chain", c.ID().String(), "headers_only", true, "done", stored, "total", total)
	return stored, err
}
