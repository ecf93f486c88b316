package chain

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Claimed is a branch block as a node keeping its chain as headers only
// syncs it: the header, the coinbase, and the coinbase's Merkle branch to
// the header's tx root (wire.FirstBranch). It proves all a root
// checkpoint is judged by — the header and what the coinbase claims —
// without the body.
//
// Whether a branch block is stored depends on nothing else (checkClaimed):
// a full node stores a branch block whose body breaks a stateless rule
// (duplicate or oversized transaction, a second coinbase...) marked
// invalid, as it stores one built on an invalid block, so the set of
// known branch headers is the same for every follow set.
type Claimed struct {
	Header   wire.Header
	Coinbase *wire.Tx
	Branch   []wire.Hash
}

// ClaimedOf returns b's claimed form.
func ClaimedOf(b *wire.Block) Claimed {
	cl := Claimed{Header: b.Header}
	if len(b.Txs) > 0 {
		cl.Coinbase = b.Txs[0]
		cl.Branch = wire.FirstBranch(b.TxIDs())
	}
	return cl
}

// ID returns the block's id.
func (cl *Claimed) ID() wire.Hash { return cl.Header.ID() }

// checkClaimed applies the rules that decide whether a branch block is
// stored at all, before its ancestry: the header's own rules
// (checkHeaderSanity) and a well-formed coinbase proven to be the first
// transaction under the header's tx root.
func checkClaimed(p *consensus.Params, chain wire.ChainID, cl *Claimed, now time.Time) error {
	if err := checkHeaderSanity(p, chain, &cl.Header, now); err != nil {
		return err
	}
	cb := cl.Coinbase
	if cb == nil {
		return consensus.Rule(consensus.ErrNoTxs, "block has no transactions")
	}
	if cb.Type != wire.TxCoinbase {
		return consensus.Rule(consensus.ErrFirstTxNotCoinbase, "first transaction is a %s, not a coinbase", cb.Type)
	}
	if err := checkTxShape(cb); err != nil {
		return consensus.Rule(consensus.CodeOf(err), "coinbase: %v", err)
	}
	raw := cb.Encode()
	if _, err := wire.DecodeTx(raw); err != nil {
		return consensus.Rule(consensus.ErrMalformed, "coinbase does not decode from its own encoding: %v", err)
	}
	if !wire.VerifyFirstBranch(wire.Sum(raw), cl.Branch, cl.Header.TxRoot) {
		return consensus.Rule(consensus.ErrBadTxRoot, "the coinbase is not the first transaction under the tx root %s", cl.Header.TxRoot.Short())
	}
	return nil
}

// ProcessClaimed stores cls, blocks of one chain the node keeps as
// headers only, each the child of the one before or of a known block, in
// one write transaction, and settles the tree. Every rule a headers-only
// chain applies to a block runs (checkClaimed, then height, bits, time,
// anchor); the blocks are not held: it stops at the first whose parent
// or anchor is unknown (ErrOrphan) or that breaks a rule (its
// *consensus.RuleError), and returns how many it took (known ones
// included).
func (f *Forest) ProcessClaimed(cls []Claimed) (int, error) {
	if len(cls) == 0 {
		return 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chains[cls[0].Header.Chain]
	if c == nil {
		return 0, consensus.Rule(consensus.ErrWrongChain, "this node does not track chain %s", cls[0].Header.Chain)
	}
	if !c.cfg.HeadersOnly {
		return 0, fmt.Errorf("chain %s is stored in full: its blocks are taken whole", c.id)
	}
	n, stored, err := c.storeClaimedLocked(cls)
	if stored > 0 {
		for i := range cls[:n] {
			c.processOrphans(cls[i].ID())
		}
		f.releaseLocked()
		if serr := f.settleLocked(); serr != nil && err == nil {
			err = serr
		}
	}
	return n, err
}

// storeClaimedLocked checks and stores the leading blocks of cls it can
// take; it returns how many it took, how many of those were new, and why
// it stopped.
func (c *Chain) storeClaimedLocked(cls []Claimed) (int, int, error) {
	now := c.cfg.Now()
	type item struct {
		n  *blockNode
		cb wire.Coinbase
		cl *Claimed
	}
	var items []item
	pending := map[wire.Hash]*blockNode{}
	took := 0
	var stop error
	for i := range cls {
		cl := &cls[i]
		id := cl.ID()
		if _, known := c.index[id]; known || pending[id] != nil {
			took++
			continue
		}
		if err := checkClaimed(c.p, c.id, cl, now); err != nil {
			stop = err
			break
		}
		parent := c.index[cl.Header.Prev]
		if parent == nil {
			parent = pending[cl.Header.Prev]
		}
		if parent == nil {
			if _, bad := c.rejected[cl.Header.Prev]; bad {
				stop = c.reject(id, consensus.Rule(consensus.ErrInvalidAncestor, "block %s builds on a rejected block", id.Short()))
			} else {
				stop = ErrOrphan
			}
			break
		}
		if err := c.checkContext(&cl.Header, parent); err != nil {
			var dep *missingDep
			switch {
			case errors.As(err, &dep):
				stop = ErrOrphan
			case consensus.CodeOf(err) == 0:
				stop = err
			default:
				stop = c.reject(id, err)
			}
			break
		}
		n := &blockNode{id: id, header: cl.Header, parent: parent, height: cl.Header.Height,
			work: new(big.Int).Add(parent.work, consensus.Work(cl.Header.Bits)), invalid: parent.invalid}
		pending[id] = n
		items = append(items, item{n: n, cb: cl.Coinbase.Body.(wire.Coinbase), cl: cl})
		took++
	}
	if len(items) == 0 {
		return took, 0, stop
	}
	err := c.db.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(claimsBucket)
		if err != nil {
			return err
		}
		proofs, err := tx.CreateBucketIfNotExists(claimProofsBucket)
		if err != nil {
			return err
		}
		idx := tx.Bucket(store.Index)
		for _, it := range items {
			if err := bk.Put(it.n.id[:], encodeClaim(it.cb.Amount, it.cb.To)); err != nil {
				return err
			}
			if err := proofs.Put(it.n.id[:], encodeClaimProof(it.cl)); err != nil {
				return err
			}
			status := byte(statusOK)
			if it.n.invalid {
				status = statusInvalid
			}
			if err := idx.Put(it.n.id[:], indexValue(&it.n.header, status)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store headers: %w", err)
	}
	for _, it := range items {
		c.index[it.n.id] = it.n
	}
	return took, len(items), stop
}

// connectHeaders is connectHeader for a line of blocks in one write
// transaction (a headers-only chain catching up stores thousands).
func (c *Chain) connectHeaders(path []*blockNode) error {
	err := c.db.Update(func(tx *bbolt.Tx) error {
		m := tx.Bucket(store.Main)
		for _, n := range path {
			if err := m.Put(store.U64(n.height), n.id[:]); err != nil {
				return err
			}
		}
		return tx.Bucket(store.Meta).Put(store.KeyTip, path[len(path)-1].id[:])
	})
	if err != nil {
		return err
	}
	for _, n := range path {
		c.best = append(c.best, n)
		if c.cfg.OnConnect != nil {
			c.cfg.OnConnect(&wire.Block{Header: n.header}, n.height)
		}
	}
	return nil
}

// CheckClaimed applies to cl, a claimed block of c, the rules that need no
// other block (the header's own, and the coinbase proven first under the
// tx root): what a node checks before it relays a claim.
func (c *Chain) CheckClaimed(cl *Claimed) error {
	return checkClaimed(c.p, c.id, cl, c.cfg.Now())
}

// claimProofsBucket keeps, for each block of a headers-only chain, the
// coinbase and Merkle branch it was taken with (coinbase varbytes ‖ count
// uvarint ‖ hash × count): a few hundred bytes a block, so that a node
// keeping a chain as headers only serves its claims to a peer syncing it
// as it was served them, and a branch whose full nodes are gone can still
// be followed.
var claimProofsBucket = []byte("claim-proofs")

func encodeClaimProof(cl *Claimed) []byte {
	cb := cl.Coinbase.Encode()
	w := wire.NewWriter(len(cb) + 8 + len(cl.Branch)*wire.HashSize)
	w.VarBytes(cb)
	w.Uvarint(uint64(len(cl.Branch)))
	for _, h := range cl.Branch {
		w.Hash(h)
	}
	return w.Bytes()
}

// StoredClaim returns the claimed form of block id of a headers-only
// chain from what the node took it with, and the bytes read; ok is false
// for a block it does not know or took before it kept claims (or a chain
// kept in full, whose claims come from its blocks: ClaimedOf).
func (c *Chain) StoredClaim(id wire.Hash) (cl *Claimed, size int, ok bool) {
	if !c.cfg.HeadersOnly {
		return nil, 0, false
	}
	c.mu.RLock()
	n := c.index[id]
	c.mu.RUnlock()
	if n == nil {
		return nil, 0, false
	}
	var raw []byte
	c.db.View(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(claimProofsBucket); bk != nil {
			raw = bytes.Clone(bk.Get(id[:]))
		}
		return nil
	})
	if raw == nil {
		return nil, 0, false
	}
	r := wire.NewReader(raw)
	cbraw := r.VarBytes(len(raw), "coinbase")
	k := r.Len(wire.MaxFirstBranch, wire.HashSize, "branch")
	branch := make([]wire.Hash, 0, k)
	for j := 0; j < k && r.Err() == nil; j++ {
		branch = append(branch, r.Hash())
	}
	if r.Done() != nil {
		return nil, 0, false
	}
	cb, err := wire.DecodeTx(cbraw)
	if err != nil {
		return nil, 0, false
	}
	return &Claimed{Header: n.header, Coinbase: cb, Branch: branch}, len(raw), true
}
