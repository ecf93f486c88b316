package state

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Keyspace is an owned keyspace: who owns it and which access script
// governs writes into it (zero hash: no script, only the owner may write).
type Keyspace struct {
	Name   string
	Owner  wire.PubKey
	Script wire.Hash
	Height uint64 // when it was bought
}

func (k *Keyspace) encode() []byte {
	w := wire.NewWriter(80)
	w.Fixed(k.Owner[:])
	w.Hash(k.Script)
	w.U64(k.Height)
	return w.Bytes()
}

func decodeKeyspace(name string, b []byte) (*Keyspace, error) {
	r := wire.NewReader(b)
	k := &Keyspace{Name: name}
	copy(k.Owner[:], r.Fixed(wire.PubKeySize))
	k.Script = r.Hash()
	k.Height = r.U64()
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("keyspace record %q: %w", name, err)
	}
	return k, nil
}

func keyspacePath(name string) wire.Hash { return wire.TaggedSum("bitverse/ks", []byte(name)) }

func keyspaceLeaf(k *Keyspace) wire.Hash {
	if k == nil {
		return wire.ZeroHash
	}
	return wire.TaggedSum("bitverse/ksrec/v1", k.encode())
}

// ScriptHash is the identifier of an access script's source.
func ScriptHash(src []byte) wire.Hash {
	if len(src) == 0 {
		return wire.ZeroHash
	}
	return wire.TaggedSum("bitverse/script/v1", src)
}

// KeyspacePrice is what buying name costs (burned): a top-level name of
// eight or more bytes costs 1 BVS and every byte shorter doubles it (a
// one-letter name costs 128 BVS); a sub-keyspace costs 0.01 BVS and only
// the owner of its parent keyspace may create it.
func KeyspacePrice(name string) uint64 {
	if strings.Contains(name, "/") {
		return wire.Unit / 100
	}
	if n := len(name); n < 8 {
		return wire.Unit << (8 - n)
	}
	return wire.Unit
}

// ScriptFuelNote: fuel budgets and the sandbox live in package script.

// Scripts runs access scripts for a chain and caches compiled programs by
// script hash. Safe for concurrent use.
type Scripts struct {
	Runner script.Runner
	cache  *programCache
}

// NewScripts wraps a runner (a worker pool in the product).
func NewScripts(r script.Runner) *Scripts {
	return &Scripts{Runner: r, cache: &programCache{progs: map[wire.Hash]*script.Program{}}}
}

// WithRunner returns Scripts that run on r and share s's compiled
// programs: block validation and admission use different lanes of one
// worker pool (script.Lanes), and compile each script once.
func (s *Scripts) WithRunner(r script.Runner) *Scripts {
	return &Scripts{Runner: r, cache: s.cache}
}

// programCache holds compiled programs by script hash.
type programCache struct {
	mu    sync.Mutex
	progs map[wire.Hash]*script.Program
}

func (s *Scripts) program(h wire.Hash, src []byte) (*script.Program, error) {
	c := s.cache
	c.mu.Lock()
	p, ok := c.progs[h]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := s.compile(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.progs) > 1024 {
		c.progs = map[wire.Hash]*script.Program{}
	}
	c.progs[h] = p
	c.mu.Unlock()
	return p, nil
}

// compile compiles a script in the runner's workers when the runner can
// (a script.Pool lane: goja's compiler then runs there, under the guard),
// else in this process.
func (s *Scripts) compile(src []byte) (*script.Program, error) {
	if s != nil {
		if c, ok := s.Runner.(script.Compiler); ok {
			return c.Compile(context.Background(), src)
		}
	}
	return script.Compile(src)
}

// compileRefusal turns a compile error into a rule error when the script
// was refused, or ErrScriptUnavailable when the runner could not decide.
func compileRefusal(err error, code consensus.ErrorCode, format string, args ...any) error {
	if !errors.Is(err, script.ErrCompile) {
		return fmt.Errorf("%w: compiling the script: %v", ErrScriptUnavailable, err)
	}
	return consensus.Rule(code, format, append(args, err)...)
}

// ErrScriptUnavailable means a script could not be run to a deterministic
// verdict here (a worker crashed or hit the wall-clock guard). It is not a
// rule violation: the block is neither accepted nor marked invalid, and is
// tried again later.
var ErrScriptUnavailable = errors.New("access script could not be run to a verdict")

// keyspace reads a keyspace through the batch (so changes earlier in the
// block are seen). nil if it does not exist.
func (b *Batch) keyspace(name string) (*Keyspace, error) {
	if b.root != nil {
		return b.root.Keyspace(name)
	}
	if k, ok := b.ks[name]; ok {
		return k, nil
	}
	raw := b.tx.Bucket(store.Keyspace).Get([]byte(name))
	var k *Keyspace
	if raw != nil {
		var err error
		if k, err = decodeKeyspace(name, raw); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (b *Batch) setKeyspace(k *Keyspace) {
	if _, seen := b.ks[k.Name]; !seen {
		prior := b.tx.Bucket(store.Keyspace).Get([]byte(k.Name))
		if prior != nil {
			prior = append([]byte(nil), prior...)
		}
		b.priorKS[k.Name] = prior
	}
	b.ks[k.Name] = k
}

// governing returns the existing keyspaces over key, most specific first.
func (b *Batch) governing(key string) ([]*Keyspace, error) {
	var out []*Keyspace
	for _, name := range wire.KeyspaceCandidates(key) {
		k, err := b.keyspace(name)
		if err != nil {
			return nil, err
		}
		if k != nil {
			out = append(out, k)
		}
	}
	return out, nil
}

func (b *Batch) scriptSource(h wire.Hash) []byte {
	if b.root != nil {
		return b.root.Script(h)
	}
	if src, ok := b.newScripts[h]; ok {
		return src
	}
	return b.tx.Bucket(store.Scripts).Get(h[:])
}

// runScript runs k's script on a write and turns the verdict into a rule
// error (refused) or ErrScriptUnavailable (no deterministic verdict).
func (b *Batch) runScript(k *Keyspace, w script.Write) error {
	if b.scripts == nil || b.scripts.Runner == nil {
		return fmt.Errorf("%w: this node has no script runner", ErrScriptUnavailable)
	}
	src := b.scriptSource(k.Script)
	if src == nil {
		return fmt.Errorf("script %s of keyspace %q is missing from the store", k.Script.Short(), k.Name)
	}
	prog, err := b.scripts.program(k.Script, src)
	if err != nil {
		// Scripts are compiled before they are accepted, so a refusal cannot
		// happen for a valid chain; refuse deterministically all the same.
		return compileRefusal(err, consensus.ErrScriptRejected, "keyspace %q: its access script does not compile: %v", k.Name)
	}
	c := script.Context{Keyspace: k.Name, Owner: wire.EncodeAddress(b.p.Net, k.Owner), Height: b.height, Time: b.time, Chain: b.chain.String()}
	v, err := b.scripts.Runner.Validate(context.Background(), prog, w, c, batchLedger{b})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrScriptUnavailable, err)
	}
	if v.Allowed {
		return nil
	}
	if !v.Code.Deterministic() {
		return fmt.Errorf("%w: keyspace %q: %s", ErrScriptUnavailable, k.Name, v.Reason)
	}
	return consensus.Rule(consensus.ErrScriptRejected, "keyspace %q refused the write: %s", k.Name, v.Reason)
}

// checkPut decides whether signer may write value at key. The most
// specific keyspace over the key decides first (its script, or, without
// one, only its owner may write); then every enclosing keyspace that has a
// script must allow the write too, so a parent's rules hold in the
// sub-keyspaces it delegated. Enclosing keyspaces without a script impose
// nothing: creating a sub-keyspace delegated it.
func (b *Batch) checkPut(signer wire.PubKey, key string, value []byte) error {
	if wire.KeyspaceOf(key) == wire.PublicKeyspace {
		return nil
	}
	ks, err := b.governing(key)
	if err != nil {
		return err
	}
	if len(ks) == 0 {
		top := wire.KeyspaceOf(key)
		return consensus.Rule(consensus.ErrNoKeyspace, "keyspace %q has not been bought (buy it with `bitverse keyspace buy %s`, or write under public/)", top, top)
	}
	if ks[0].Script.IsZero() && signer != ks[0].Owner {
		return consensus.Rule(consensus.ErrScriptRejected, "keyspace %q has no access script, so only its owner may write", ks[0].Name)
	}
	w := script.Write{Key: key, Value: value, Signer: wire.EncodeAddress(b.p.Net, signer)}
	if rec, ok := b.kv[key]; ok {
		w.Prev, w.PrevExists = rec.Value, true
	} else if raw := b.tx.Bucket(store.KV).Get([]byte(key)); raw != nil {
		rec, err := DecodeRecord(raw)
		if err != nil {
			return err
		}
		w.Prev, w.PrevExists = rec.Value, true
	}
	for _, k := range ks {
		if k.Script.IsZero() {
			continue
		}
		if err := b.runScript(k, w); err != nil {
			return err
		}
	}
	return nil
}

// checkScript compiles a script offered in a transaction.
func (b *Batch) checkScript(src []byte) error {
	if len(src) == 0 {
		return nil
	}
	if _, err := b.scripts.compile(src); err != nil {
		return compileRefusal(err, consensus.ErrBadScript, "%v")
	}
	return nil
}

// applyKeyspace checks and applies a keyspace transaction; from is the
// sender's account (already loaded), spend the fee. It returns what the
// sender pays beyond the fee (the price).
func (b *Batch) checkKeyspace(t *wire.Tx) (price uint64, apply func(), err error) {
	switch body := t.Body.(type) {
	case wire.KeyspaceBuy:
		if err := wire.ValidKeyspaceName(body.Name); err != nil {
			return 0, nil, consensus.Rule(consensus.ErrBadKeyspaceName, "%v", err)
		}
		existing, err := b.keyspace(body.Name)
		if err != nil {
			return 0, nil, err
		}
		if existing != nil {
			return 0, nil, consensus.Rule(consensus.ErrKeyspaceTaken, "keyspace %q is already owned by %s", body.Name, wire.EncodeAddress(b.p.Net, existing.Owner))
		}
		if strings.Contains(body.Name, "/") {
			// A sub-keyspace is created as if its script were written at
			// <name>/access.js: the enclosing keyspaces decide, so an owner
			// can let others register names under theirs.
			if err := b.checkPut(t.From, body.Name+"/access.js", body.Script); err != nil {
				if consensus.CodeOf(err) == consensus.ErrNoKeyspace {
					return 0, nil, consensus.Rule(consensus.ErrNoKeyspace, "cannot create %q: keyspace %q has not been bought", body.Name, wire.KeyspaceOf(body.Name))
				}
				if consensus.CodeOf(err) == consensus.ErrScriptRejected {
					return 0, nil, consensus.Rule(consensus.ErrNotOwner, "cannot create the sub-keyspace %q: %v", body.Name, err)
				}
				return 0, nil, err
			}
		}
		price = KeyspacePrice(body.Name)
		if body.MaxPrice < price {
			return 0, nil, consensus.Rule(consensus.ErrPriceTooLow, "keyspace %q costs %s BVS, more than the %s BVS offered", body.Name, wire.FormatAmount(price), wire.FormatAmount(body.MaxPrice))
		}
		if err := b.checkScript(body.Script); err != nil {
			return 0, nil, err
		}
		return price, func() {
			h := ScriptHash(body.Script)
			b.addScript(h, body.Script)
			b.setKeyspace(&Keyspace{Name: body.Name, Owner: t.From, Script: h, Height: b.height})
		}, nil
	case wire.KeyspaceScript:
		k, err := b.ownedBy(body.Name, t.From)
		if err != nil {
			return 0, nil, err
		}
		if err := b.checkScript(body.Script); err != nil {
			return 0, nil, err
		}
		if !k.Script.IsZero() {
			// The current script decides whether it may be replaced: it sees
			// the replacement as a write of the new source at <name>/access.js.
			w := script.Write{Key: body.Name + "/access.js", Value: body.Script, Signer: wire.EncodeAddress(b.p.Net, t.From),
				Prev: b.scriptSource(k.Script), PrevExists: true}
			if err := b.runScript(k, w); err != nil {
				return 0, nil, err
			}
		}
		return 0, func() {
			h := ScriptHash(body.Script)
			b.addScript(h, body.Script)
			nk := *k
			nk.Script = h
			b.setKeyspace(&nk)
		}, nil
	case wire.KeyspaceTransfer:
		k, err := b.ownedBy(body.Name, t.From)
		if err != nil {
			return 0, nil, err
		}
		if body.To.IsZero() {
			return 0, nil, consensus.Rule(consensus.ErrNotOwner, "a keyspace cannot be given to nobody")
		}
		return 0, func() {
			nk := *k
			nk.Owner = body.To
			b.setKeyspace(&nk)
		}, nil
	}
	return 0, nil, consensus.Rule(consensus.ErrUnknownTxType, "unknown transaction type %s", t.Type)
}

func (b *Batch) ownedBy(name string, who wire.PubKey) (*Keyspace, error) {
	k, err := b.keyspace(name)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, consensus.Rule(consensus.ErrNoKeyspace, "keyspace %q does not exist", name)
	}
	if k.Owner != who {
		return nil, consensus.Rule(consensus.ErrNotOwner, "keyspace %q belongs to %s", name, wire.EncodeAddress(b.p.Net, k.Owner))
	}
	return k, nil
}

func (b *Batch) addScript(h wire.Hash, src []byte) {
	if h.IsZero() {
		return
	}
	if b.tx.Bucket(store.Scripts).Get(h[:]) == nil {
		b.newScripts[h] = src
	}
}

// addPaid records a transfer for the scripts' paid(from, to) query.
func (b *Batch) addPaid(from, to wire.PubKey, amount uint64) error {
	k := paidKey(from, to)
	cur, err := b.paidTotal(from, to)
	if err != nil {
		return err
	}
	if _, seen := b.paid[string(k)]; !seen {
		prior := b.tx.Bucket(store.Paid).Get(k)
		if prior != nil {
			prior = append([]byte(nil), prior...)
		}
		b.priorPaid[string(k)] = prior
	}
	n, err := wire.AddAmounts(cur, amount)
	if err != nil {
		n = ^uint64(0) // a counter, not a balance: saturate
	}
	b.paid[string(k)] = n
	return nil
}

func (b *Batch) paidTotal(from, to wire.PubKey) (uint64, error) {
	k := paidKey(from, to)
	if v, ok := b.paid[string(k)]; ok {
		return v, nil
	}
	raw := b.tx.Bucket(store.Paid).Get(k)
	if raw == nil {
		return 0, nil
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("paid record of %d bytes", len(raw))
	}
	return binary.BigEndian.Uint64(raw), nil
}

func paidKey(from, to wire.PubKey) []byte { return append(append([]byte(nil), from[:]...), to[:]...) }

// batchLedger answers scripts' ledger queries from the batch's view.
type batchLedger struct{ b *Batch }

func (l batchLedger) parse(addr string) (wire.PubKey, bool) {
	pk, err := wire.ParseAddress(l.b.p.Net, addr)
	return pk, err == nil
}

func (l batchLedger) Balance(addr string) (uint64, error) {
	pk, ok := l.parse(addr)
	if !ok {
		return 0, nil
	}
	if l.b.root != nil {
		return l.b.root.Balance(pk)
	}
	a, err := l.b.Account(pk)
	return a.Balance, err
}

func (l batchLedger) PaidTotal(from, to string) (uint64, error) {
	f, ok1 := l.parse(from)
	t, ok2 := l.parse(to)
	if !ok1 || !ok2 {
		return 0, nil
	}
	if l.b.root != nil {
		return l.b.root.PaidTotal(f, t)
	}
	return l.b.paidTotal(f, t)
}

func (l batchLedger) Owner(name string) (string, bool, error) {
	if wire.ValidKeyspaceName(name) != nil {
		return "", false, nil
	}
	k, err := l.b.keyspace(name)
	if err != nil || k == nil {
		return "", false, err
	}
	return wire.EncodeAddress(l.b.p.Net, k.Owner), true, nil
}

// GetKeyspace reads a keyspace and its script source (nil if none).
func GetKeyspace(tx *bbolt.Tx, name string) (*Keyspace, []byte, error) {
	raw := tx.Bucket(store.Keyspace).Get([]byte(name))
	if raw == nil {
		return nil, nil, fmt.Errorf("%w: keyspace %q", ErrNotFound, name)
	}
	k, err := decodeKeyspace(name, raw)
	if err != nil {
		return nil, nil, err
	}
	var src []byte
	if !k.Script.IsZero() {
		src = append([]byte(nil), tx.Bucket(store.Scripts).Get(k.Script[:])...)
	}
	return k, src, nil
}

// KeyspacesOwnedBy lists the keyspaces owned by pk (a scan; keyspaces are few).
func KeyspacesOwnedBy(tx *bbolt.Tx, pk wire.PubKey) ([]*Keyspace, error) {
	var out []*Keyspace
	err := tx.Bucket(store.Keyspace).ForEach(func(k, v []byte) error {
		ks, err := decodeKeyspace(string(k), v)
		if err != nil {
			return err
		}
		if ks.Owner == pk {
			out = append(out, ks)
		}
		return nil
	})
	return out, err
}

func paidPath(k []byte) wire.Hash { return wire.TaggedSum("bitverse/paid", k) }

func paidLeaf(total uint64) wire.Hash {
	if total == 0 {
		return wire.ZeroHash
	}
	return wire.TaggedSum("bitverse/paidrec/v1", binary.BigEndian.AppendUint64(nil, total))
}

// ledgerUpdates returns the ledger tree's leaves for the keyspaces and paid
// totals the batch changed.
func (b *Batch) ledgerUpdates() []smt.Update {
	var ups []smt.Update
	for _, n := range b.ksNames {
		ups = append(ups, smt.Update{Key: keyspacePath(n), Value: keyspaceLeaf(b.ks[n])})
	}
	for _, k := range b.paidKeys {
		ups = append(ups, smt.Update{Key: paidPath([]byte(k)), Value: paidLeaf(b.paid[k])})
	}
	for _, k := range b.leafKeys {
		ups = append(ups, smt.Update{Key: leafPath([]byte(k)), Value: b.leaves[k]})
	}
	return ups
}

// writeLedger writes the keyspaces, new scripts and paid totals the batch
// changed into tx.
func (b *Batch) writeLedger(tx *bbolt.Tx) error {
	ksB := tx.Bucket(store.Keyspace)
	recB := tx.Bucket(store.LeafRecs)
	for _, n := range b.ksNames {
		enc := b.ks[n].encode()
		if err := ksB.Put([]byte(n), enc); err != nil {
			return err
		}
		leaf := keyspaceLeaf(b.ks[n])
		if err := recB.Put(leaf[:], enc); err != nil {
			return err
		}
	}
	scB := tx.Bucket(store.Scripts)
	for h, src := range b.newScripts {
		if err := scB.Put(h[:], src); err != nil {
			return err
		}
	}
	paidB := tx.Bucket(store.Paid)
	for _, k := range b.paidKeys {
		total := binary.BigEndian.AppendUint64(nil, b.paid[k])
		if err := paidB.Put([]byte(k), total); err != nil {
			return err
		}
		leaf := paidLeaf(b.paid[k])
		if err := recB.Put(leaf[:], total); err != nil {
			return err
		}
	}
	lvB := tx.Bucket(store.Leaves)
	for _, k := range b.leafKeys {
		var err error
		if v := b.leaves[k]; v.IsZero() {
			err = lvB.Delete([]byte(k))
		} else {
			err = lvB.Put([]byte(k), v[:])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ledgerLeaves lists the keyspace and paid leaves of the flat buckets (for
// RootsFromFlat).
func ledgerLeaves(tx *bbolt.Tx) ([]smt.Update, error) {
	var ups []smt.Update
	err := tx.Bucket(store.Keyspace).ForEach(func(k, v []byte) error {
		ks, err := decodeKeyspace(string(k), v)
		if err != nil {
			return err
		}
		ups = append(ups, smt.Update{Key: keyspacePath(string(k)), Value: keyspaceLeaf(ks)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Bucket(store.Paid).ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("paid record of %d bytes", len(v))
		}
		ups = append(ups, smt.Update{Key: paidPath(k), Value: paidLeaf(binary.BigEndian.Uint64(v))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Bucket(store.Leaves).ForEach(func(k, v []byte) error {
		var h wire.Hash
		if len(v) != len(h) {
			return fmt.Errorf("leaf record of %d bytes", len(v))
		}
		copy(h[:], v)
		ups = append(ups, smt.Update{Key: leafPath(k), Value: h})
		return nil
	})
	return ups, err
}

// payable refuses, before any script is compiled or run, a root keyspace
// transaction whose nonce is already used or whose sender cannot pay its
// fee and price at this state: the cheap checks first, so that a key with
// no money cannot make a node compile and run scripts for nothing.
// (Pending transactions are the mempool's to count.)
func (b *Batch) payable(t *wire.Tx) error {
	switch t.Body.(type) {
	case wire.Put, wire.KeyspaceBuy, wire.KeyspaceScript, wire.KeyspaceTransfer:
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund:
	default:
		return nil
	}
	// Branch writes are checked against the root ledger at their anchor,
	// but their nonce and fee are the branch's (write credit): only root
	// transactions pay from the root account.
	if !b.chain.IsRoot() || !t.Chain.IsRoot() {
		return nil
	}
	from, err := b.account(t.From)
	if err != nil {
		return err
	}
	if t.Nonce < from.Nonce {
		return consensus.Rule(consensus.ErrBadNonce, "nonce %d was already used (account is at %d)", t.Nonce, from.Nonce)
	}
	spend := t.Fee
	if buy, ok := t.Body.(wire.KeyspaceBuy); ok {
		if spend, err = wire.AddAmounts(spend, KeyspacePrice(buy.Name)); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "price plus fee overflows")
		}
	}
	if t.Type.IsMarket() {
		escrow, err := b.marketSpend(t)
		if err != nil {
			return err
		}
		if spend, err = wire.AddAmounts(spend, escrow); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
	}
	if t.Type.IsPool() {
		escrow, err := b.poolSpend(t)
		if err != nil {
			return err
		}
		if spend, err = wire.AddAmounts(spend, escrow); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
	}
	if from.Balance < spend {
		return consensus.Rule(consensus.ErrInsufficientFunds, "balance %s BVS is less than the %s BVS this spends",
			wire.FormatAmount(from.Balance), wire.FormatAmount(spend))
	}
	return nil
}

// CheckAccess runs the checks of a put or keyspace transaction that depend
// on keyspaces and scripts, after payable, as the batch's block would: the
// mempool runs it on admission so that a refused write is refused to its
// sender at once. A market transaction gets the checks that read its
// bounty (state, role, deadline, window, stake). Other transactions pass.
func (b *Batch) CheckAccess(t *wire.Tx) error {
	if err := b.payable(t); err != nil {
		return err
	}
	switch body := t.Body.(type) {
	case wire.Put:
		if err := wire.ValidKey(body.Key); err != nil {
			return consensus.Rule(consensus.ErrBadKey, "%v", err)
		}
		return b.checkPut(t.From, body.Key, body.Value)
	case wire.KeyspaceBuy, wire.KeyspaceScript, wire.KeyspaceTransfer:
		_, _, err := b.checkKeyspace(t)
		return err
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund,
		wire.RelayRegister, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
		if !b.chain.IsRoot() || !t.Chain.IsRoot() {
			return consensus.Rule(consensus.ErrBadTxChain, "a %s runs on the root chain", t.Type)
		}
		_, err := b.checkMarket(t, t.ID())
		return err
	case wire.PoolFund, wire.PoolJoin, wire.PoolLeave, wire.PoolAnswer, wire.TokenBuy, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
		if !b.chain.IsRoot() || !t.Chain.IsRoot() {
			return consensus.Rule(consensus.ErrBadTxChain, "a %s runs on the root chain", t.Type)
		}
		_, err := b.checkPool(t, t.ID())
		return err
	}
	return nil
}

// ScanKeyspaces lists keyspaces in name order after `after`, at most limit
// of them; more is true when the bucket holds further names.
func ScanKeyspaces(tx *bbolt.Tx, after string, limit int) (list []*Keyspace, more bool, err error) {
	c := tx.Bucket(store.Keyspace).Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		if len(list) == limit {
			return list, true, nil
		}
		ks, err := decodeKeyspace(string(k), v)
		if err != nil {
			return nil, false, err
		}
		list = append(list, ks)
	}
	return list, false, nil
}

// ScriptSource is the source of the script with hash h ("" for the zero
// hash or an unknown script).
func ScriptSource(tx *bbolt.Tx, h wire.Hash) string {
	if h.IsZero() {
		return ""
	}
	return string(tx.Bucket(store.Scripts).Get(h[:]))
}
