package tui

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// testNow is the injected clock of every test.
var testNow = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// fakeAPI is a node.API over a deterministic chain: block h has a fixed id,
// was made 2 s after block h-1, and the tip is 4 s old at testNow.
type fakeAPI struct {
	*probe
	mu       sync.Mutex
	status   node.Status
	accounts map[string]node.AccountInfo
	history  map[string][]node.TxInfo
	values   map[string]node.ValueRecord
	// keyspaces by name; refuse, when set, judges every submitted tx.
	keyspaces map[string]node.KeyspaceInfo
	refuse    func(*wire.Tx) error
	events    chan node.Event
	sub       []byte
	mineTo    string
	gate      chan struct{} // when not nil, every call waits for it to close
	blocksN   atomic.Int64  // Blocks calls
	pages     []uint64      // (top) of every Blocks call
	// credit is the write credit of testAddr per branch chain (available);
	// a submitted stamp adds to it, a submitted branch put spends it.
	credit map[string]uint64
	// txs are the submitted transactions: Tx reports them confirmed, as if
	// a block had included each at once.
	txs         map[wire.Hash]*wire.Tx
	unfollowed  map[string]bool // chains the fake stores headers of only
	blockOnRefs []string        // the refs BlockOn was asked for
	payouts     map[string]*node.PayoutInfo
	fetchErr    error // what FetchBlock answers for a headers-only chain's block
	// the market: its service, and the bounties on chain (newest first)
	market   *fakeMarket
	bounties []bountyInfo
	relays   map[string]*node.RelayInfo // the relay registry, by address
	tumbler  *fakeTumbler               // the tumbler service (fake_tumbler_test.go)
	pools    []node.PoolInfo            // availability pools on chain
	blobs    fakeBlobs                  // the blob API (fake_blob_test.go)
}

func newFakeAPI(tip uint64) *fakeAPI {
	f := &fakeAPI{
		probe:     &probe{},
		accounts:  map[string]node.AccountInfo{},
		history:   map[string][]node.TxInfo{},
		values:    map[string]node.ValueRecord{},
		keyspaces: map[string]node.KeyspaceInfo{},
		events:    make(chan node.Event, 16),
		credit:    map[string]uint64{},
		txs:       map[wire.Hash]*wire.Tx{},
		unfollowed: map[string]bool{
			"1": true, "00": true, "10": true, "11": true, "000": true, "001": true,
			"100": true, "101": true, "110": true, "111": true,
		},
	}
	f.market = newFakeMarket(f.probe, f.wait)
	f.tumbler = newFakeTumbler(f.probe, f.wait)
	f.status = node.Status{
		Network: "devnet", Height: tip, Tip: blockID(tip), TipTime: blockTime(tip, tip),
		Bits: consensus.Devnet().GenesisBits, Difficulty: difficultyOf(consensus.Devnet().GenesisBits),
		Peers: 3, Mempool: 2, MempoolBytes: 412, DataDir: "/tmp/bitverse",
	}
	return f
}

func blockID(h uint64) wire.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h)
	return wire.Sum([]byte("block"), b[:])
}

func txID(h uint64, i int) wire.Hash {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:], h)
	binary.BigEndian.PutUint32(b[8:], uint32(i))
	return wire.Sum([]byte("tx"), b[:])
}

// blockTime: the tip is 4 s old, blocks 2 s apart.
func blockTime(h, tip uint64) int64 {
	return testNow.Add(-4*time.Second - time.Duration(tip-h)*2*time.Second).UnixMilli()
}

func (f *fakeAPI) block(h uint64, withTxs bool) node.BlockInfo {
	tip := f.status.Height
	b := node.BlockInfo{ID: blockID(h), Chain: "/", Height: h, Time: blockTime(h, tip),
		Bits: f.status.Bits, Nonce: h * 7919, TxRoot: wire.Sum([]byte("txroot")), StateRoot: wire.Sum([]byte("state")),
		Size: 316, Confirmations: tip - h + 1, Main: true}
	if h > 0 {
		b.Prev = blockID(h - 1)
	}
	cb := node.TxInfo{ID: txID(h, 0), Type: "coinbase", To: testAddr, Amount: 50 * wire.Unit, Nonce: h, Size: 145,
		Block: b.ID, Height: h, Confirmations: b.Confirmations, Time: b.Time}
	b.Txs = []node.TxInfo{cb}
	if h%3 == 0 {
		b.Txs = append(b.Txs, node.TxInfo{ID: txID(h, 1), Type: "put", From: testAddr, Key: "public/hello", ValueSize: 5,
			Fee: 1250, Nonce: 1, Size: 125, Block: b.ID, Height: h, Confirmations: b.Confirmations, Time: b.Time})
	}
	if !withTxs {
		b.Txs = make([]node.TxInfo, len(b.Txs))
	}
	return b
}

func (f *fakeAPI) wait(ctx context.Context, call string) error {
	f.record(call)
	f.mu.Lock()
	g := f.gate
	f.mu.Unlock()
	if g != nil {
		select {
		case <-g:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *fakeAPI) Status(ctx context.Context) (node.Status, error) {
	if err := f.wait(ctx, "Status"); err != nil {
		return node.Status{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status, nil
}

func (f *fakeAPI) Account(ctx context.Context, addr string) (node.AccountInfo, error) {
	if err := f.wait(ctx, "Account"); err != nil {
		return node.AccountInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := wire.ParseAddress(wire.Devnet, addr); err != nil {
		return node.AccountInfo{}, fmt.Errorf("%w: %w", node.ErrBadRequest, err)
	}
	a := f.accounts[addr]
	a.Address = addr
	return a, nil
}

func (f *fakeAPI) SubmitTx(ctx context.Context, raw []byte) (wire.Hash, error) {
	if err := f.wait(ctx, "SubmitTx"); err != nil {
		return wire.Hash{}, err
	}
	tx, err := wire.DecodeTx(raw)
	if err != nil {
		return wire.Hash{}, err
	}
	if err := tx.VerifySig(wire.Devnet); err != nil {
		return wire.Hash{}, err
	}
	if f.refuse != nil {
		if err := f.refuse(tx); err != nil {
			return wire.Hash{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !tx.Chain.IsRoot() {
		if f.unfollowed[tx.Chain.String()] {
			return wire.Hash{}, fmt.Errorf("%w: this node does not store chain %s in full; run it with --follow %s (or all)", node.ErrNotStored, tx.Chain, tx.Chain)
		}
		if f.credit[tx.Chain.String()] < tx.Fee {
			return wire.Hash{}, fmt.Errorf("%w: write credit on chain %s is %d, the fee is %d", node.ErrBadRequest, tx.Chain, f.credit[tx.Chain.String()], tx.Fee)
		}
		f.credit[tx.Chain.String()] -= tx.Fee
	}
	if st, ok := tx.Body.(wire.Stamp); ok {
		f.credit[st.Chain.String()] += st.Amount
	}
	f.sub = raw
	f.txs[tx.ID()] = tx
	return tx.ID(), nil
}

// submittedTxs are the submitted transactions, decoded, in no order.
func (f *fakeAPI) submittedTxs() []*wire.Tx {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*wire.Tx
	for _, tx := range f.txs {
		out = append(out, tx)
	}
	return out
}

func (f *fakeAPI) Submitted() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sub
}

func (f *fakeAPI) Get(ctx context.Context, key string, proof, history bool) (*node.GetResult, error) {
	if err := f.wait(ctx, "Get"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(key, -1)
}

// get finds key's value; a value's Chain ("/" when empty) says where it
// lives, and depth (unless -1) must lead there.
func (f *fakeAPI) get(key string, depth int) (*node.GetResult, error) {
	v, ok := f.values[key]
	if v.Chain == "" {
		v.Chain = "/"
	}
	if ok && depth >= 0 && wire.ForPath(wire.KeyPath(key), uint8(depth)).String() != v.Chain {
		ok = false
	}
	// Without a depth, the node looks in the chains it stores only.
	if ok && depth < 0 && f.unfollowed[v.Chain] {
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("%w: nothing has been written at %q", node.ErrNotFound, key)
	}
	if v.Chain == "/" {
		v.RootConfirmations = v.Confirmations
	}
	return &node.GetResult{ValueRecord: v}, nil
}

func (f *fakeAPI) GetOn(ctx context.Context, key string, depth int, proof, history bool) (*node.GetResult, error) {
	if err := f.wait(ctx, "GetOn"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(key, depth)
}

func (f *fakeAPI) Credit(ctx context.Context, addr, chain string) (*node.CreditInfo, error) {
	if err := f.wait(ctx, "Credit"); err != nil {
		return nil, err
	}
	id, err := wire.ParseChainID(chain)
	if err != nil || id.IsRoot() {
		return nil, fmt.Errorf("%w: no write credit on chain %q", node.ErrBadRequest, chain)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unfollowed[chain] {
		return nil, fmt.Errorf("%w: this node does not store chain %s in full; run it with --follow %s (or all)", node.ErrNotStored, chain, chain)
	}
	var nonce uint64
	for _, tx := range f.txs {
		if tx.Chain == id {
			nonce++
		}
	}
	c := f.credit[chain]
	return &node.CreditInfo{Address: addr, Chain: chain, Credit: c, Available: c, Nonce: nonce, NextNonce: nonce}, nil
}

func (f *fakeAPI) Keys(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	if err := f.wait(ctx, "Keys"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.values {
		if strings.HasPrefix(k, prefix) && k > after {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeAPI) Block(ctx context.Context, ref string) (*node.BlockInfo, error) {
	if err := f.wait(ctx, "Block"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for h := int64(f.status.Height); h >= 0; h-- {
		if blockID(uint64(h)).String() == ref {
			b := f.block(uint64(h), true)
			return &b, nil
		}
	}
	return nil, node.ErrNotFound
}

func (f *fakeAPI) Blocks(ctx context.Context, top uint64, count int) ([]node.BlockInfo, error) {
	if err := f.wait(ctx, "Blocks"); err != nil {
		return nil, err
	}
	f.blocksN.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages = append(f.pages, top)
	tip := f.status.Height
	if top == 0 || top > tip {
		top = tip
	}
	var out []node.BlockInfo
	for h := int64(top); h >= 0 && len(out) < count; h-- {
		out = append(out, f.block(uint64(h), false))
	}
	return out, nil
}

// listPages are the tops of the Blocks calls of the block list (the home
// screen's recent blocks ask with top 0).
func (f *fakeAPI) listPages() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uint64
	for _, p := range f.pages {
		if p != 0 {
			out = append(out, p)
		}
	}
	return out
}

func (f *fakeAPI) Tx(ctx context.Context, id wire.Hash) (*node.TxInfo, error) {
	if err := f.wait(ctx, "Tx"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tx, ok := f.txs[id]
	if !ok {
		return nil, node.ErrNotFound
	}
	h := f.status.Height
	return &node.TxInfo{ID: id, Type: tx.Type.String(), Fee: tx.Fee, Nonce: tx.Nonce, Size: tx.Size(), Chain: tx.Chain.String(),
		Block: blockID(h), Height: h, Confirmations: 1, Time: blockTime(h, h)}, nil
}

func (f *fakeAPI) History(ctx context.Context, addr string, limit int) ([]node.TxInfo, error) {
	if err := f.wait(ctx, "History"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.history[addr]
	if len(h) > limit {
		h = h[:limit]
	}
	return slices.Clone(h), nil
}

// Payouts answers what a test set for addr; an address without any has
// no payouts.
func (f *fakeAPI) Payouts(ctx context.Context, addr string) (*node.PayoutInfo, error) {
	if err := f.wait(ctx, "Payouts"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.payouts[addr]; p != nil {
		c := *p
		c.Chains = slices.Clone(p.Chains)
		return &c, nil
	}
	return &node.PayoutInfo{Address: addr, Height: f.status.Height, Maturity: consensus.Devnet().CheckpointMaturity}, nil
}

func (f *fakeAPI) SetMining(ctx context.Context, on bool, to string) error {
	if err := f.wait(ctx, "SetMining"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if on && to == "" {
		return node.ErrNoMineTo
	}
	f.status.Mining = on
	if on {
		f.status.HashRate = 1_234_567
		f.status.MineTo = to
	} else {
		f.status.HashRate = 0
	}
	return nil
}

func (f *fakeAPI) Events(ctx context.Context) (<-chan node.Event, error) {
	if err := f.wait(ctx, "Events"); err != nil {
		return nil, err
	}
	return f.events, nil
}

// The fake wallet: one account whose key is fixed, a BIP39 test-vector
// mnemonic and the passphrase "correct horse".
const (
	testPass     = "correct horse"
	testMnemonic = "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title"
)

var (
	testKey, _  = wire.PrivKeyFromBytes(slices.Repeat([]byte{7}, 32))
	testPub     = testKey.PubKey()
	testAddr    = wire.EncodeAddress(wire.Devnet, testPub)
	otherKey, _ = wire.PrivKeyFromBytes(slices.Repeat([]byte{9}, 32))
	otherAddr   = wire.EncodeAddress(wire.Devnet, otherKey.PubKey())
)

func (f *fakeAPI) Keyspace(ctx context.Context, name string) (*node.KeyspaceInfo, error) {
	if err := f.wait(ctx, "Keyspace"); err != nil {
		return nil, err
	}
	if err := wire.ValidKeyspaceName(name); err != nil {
		return nil, fmt.Errorf("%w: %w", node.ErrBadRequest, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ks, ok := f.keyspaces[name]; ok {
		return &ks, nil
	}
	info := &node.KeyspaceInfo{Name: name, Price: state.KeyspacePrice(name)}
	if c := wire.KeyspaceCandidates(name); len(c) > 0 {
		info.Parent = c[0]
	}
	return info, nil
}

// Tree is the devnet's 15 chains (depths 0 to 3) in the node's order:
// root first, then by depth and prefix. A chain at depth d has about
// tip>>d blocks (its interval doubles per level, and so does its
// difficulty at devnet genesis);
// the chains in unfollowed are headers only.
func (f *fakeAPI) Tree(ctx context.Context) (node.Tree, error) {
	if err := f.wait(ctx, "Tree"); err != nil {
		return node.Tree{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := node.Tree{Pending: 1}
	p := consensus.Devnet()
	for d := uint8(0); d <= p.MaxDepth; d++ {
		for i := uint32(0); i < 1<<d; i++ {
			name := "/"
			if d > 0 {
				name = fmt.Sprintf("%0*b", d, i)
			}
			h := f.status.Height >> d
			if lag := uint64(i) * 7; d > 0 && h > lag {
				h -= lag
			}
			t.Chains = append(t.Chains, node.ChainInfo{Chain: name, Depth: d, Height: h, Tip: tipOf(name, h),
				Bits: fmt.Sprintf("%08x", f.status.Bits), Difficulty: f.status.Difficulty * float64(uint64(1)<<d),
				TargetInterval: p.IntervalAt(d).Seconds(), Followed: !f.unfollowed[name]})
		}
	}
	t.Chains[0].Tip = f.status.Tip
	return t, nil
}

func (f *fakeAPI) Keyspaces(ctx context.Context, owner string) ([]node.KeyspaceInfo, error) {
	if err := f.wait(ctx, "Keyspaces"); err != nil {
		return nil, err
	}
	if _, err := wire.ParseAddress(wire.Devnet, owner); err != nil {
		return nil, fmt.Errorf("%w: %w", node.ErrBadRequest, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []node.KeyspaceInfo
	for _, ks := range f.keyspaces {
		if ks.Owner == owner {
			out = append(out, ks)
		}
	}
	slices.SortFunc(out, func(a, b node.KeyspaceInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// addKeyspace records a keyspace bought by owner at height with script.
func (f *fakeAPI) addKeyspace(name, owner string, height uint64, script string) {
	ks := node.KeyspaceInfo{Name: name, Exists: true, Owner: owner, Height: height, Script: script, Price: state.KeyspacePrice(name)}
	if script != "" {
		ks.ScriptHash = wire.Sum([]byte(script)).String()
	}
	if c := wire.KeyspaceCandidates(name); len(c) > 0 {
		ks.Parent = c[0]
	}
	f.mu.Lock()
	f.keyspaces[name] = ks
	f.mu.Unlock()
}

// tipOf is the fake tip id of chain name at height h.
func tipOf(name string, h uint64) wire.Hash {
	id := blockID(h)
	return wire.Sum([]byte(name), id[:])
}

// The market's on-chain reads: the bounties of the fake chain (set by a
// test, newest first) and an empty reputation ledger.
func (f *fakeAPI) Bounty(ctx context.Context, id wire.Hash) (*node.BountyInfo, error) {
	if err := f.wait(ctx, "Bounty"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bounties {
		if b.ID == id {
			return &b, nil
		}
	}
	return nil, fmt.Errorf("%w: there is no bounty %s on the chain", node.ErrNotFound, id.Short())
}

func (f *fakeAPI) Reputation(ctx context.Context, id string) (*node.ReputationInfo, error) {
	pk, err := node.ParseIdentity(wire.Devnet, id)
	if err != nil {
		return nil, err
	}
	return &node.ReputationInfo{Address: wire.EncodeAddress(wire.Devnet, pk)}, nil
}

func (f *fakeAPI) Relay(ctx context.Context, id string) (*node.RelayInfo, error) {
	pk, err := node.ParseIdentity(wire.Devnet, id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.relays[wire.EncodeAddress(wire.Devnet, pk)]; ok {
		c := *r
		return &c, nil
	}
	return nil, fmt.Errorf("%w: %s never registered as a relay", node.ErrNotFound, wire.EncodeAddress(wire.Devnet, pk))
}

func (f *fakeAPI) Relays(ctx context.Context, limit int) ([]node.RelayInfo, error) { return nil, nil }
