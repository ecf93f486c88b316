package plan

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Intent is something a user wants done. Each kind is a type of this
// package that adds its transactions to a builder; later kinds (bounties,
// settlements, tumbler registrations) are added the same way.
type Intent interface {
	build(b *builder) error
}

// Send moves Amount base units to To on the root chain.
type Send struct {
	To     wire.PubKey
	Amount uint64
}

func (in Send) build(b *builder) error {
	if in.Amount == 0 {
		return badIntent("send an amount above zero")
	}
	if in.To.IsZero() {
		return badIntent("no recipient")
	}
	what := fmt.Sprintf("send %s to %s", bvs(in.Amount), wire.EncodeAddress(b.p.params.Net, in.To))
	_, err := b.root(wire.Transfer{To: in.To, Amount: in.Amount}, in.Amount, b.opt.Fee, what, false)
	return err
}

// Put writes Value at Key on the chain at Depth of the blocktree that
// holds the key (0: the root). A branch write is paid from write credit;
// when the credit does not cover its fee, the plan stamps what is missing
// first.
type Put struct {
	Key   string
	Value []byte
	Depth uint8
}

func (in Put) build(b *builder) error {
	if err := wire.ValidKey(in.Key); err != nil {
		return badIntent("%v", err)
	}
	if len(in.Value) > wire.MaxValueSize {
		return badIntent("a value of %d bytes is larger than %d bytes (64 KiB)", len(in.Value), wire.MaxValueSize)
	}
	if max := b.p.params.MaxDepth; in.Depth > max {
		return badIntent("depth %d: the %s blocktree has depths 0 (the root) to %d", in.Depth, b.p.params.Net.Name, max)
	}
	b.judge = true
	body := wire.Put{Key: in.Key, Value: in.Value}
	what := fmt.Sprintf("write %d bytes at %s", len(in.Value), in.Key)
	if in.Depth == 0 {
		_, err := b.root(body, 0, b.opt.Fee, what, false)
		return err
	}
	id := wire.ForPath(wire.KeyPath(in.Key), in.Depth)
	credit, err := b.p.node.Credit(b.ctx, b.plan.From, id.String())
	if err != nil {
		return err
	}
	b.plan.Credit = credit
	t, err := b.tx(id, body, credit.NextNonce, b.opt.Fee)
	if err != nil {
		return err
	}
	if credit.Available < t.Fee {
		need := t.Fee - credit.Available
		b.plan.Shortfall = need
		stampWhat := fmt.Sprintf("stamp %s of write credit on chain %s (what the write's fee lacks)", bvs(need), id)
		if _, err := b.root(wire.Stamp{Chain: id, Amount: need}, need, 0, stampWhat, true); err != nil {
			return err
		}
	}
	b.plan.Steps = append(b.plan.Steps, &Step{Tx: t, What: what + " on chain " + id.String(), FromCredit: true})
	return nil
}

// Stamp turns Amount base units of the balance into write credit on the
// branch chain Chain.
type Stamp struct {
	Chain  wire.ChainID
	Amount uint64
}

func (in Stamp) build(b *builder) error {
	if max := b.p.params.MaxDepth; in.Chain.IsRoot() || in.Chain.Depth > max {
		return badIntent("chain %s is not a branch: give a prefix of 1 to %d bits, such as 0 or 01", in.Chain, max)
	}
	if in.Amount == 0 {
		return badIntent("stamp a positive amount")
	}
	what := fmt.Sprintf("stamp %s of write credit on chain %s", bvs(in.Amount), in.Chain)
	_, err := b.root(wire.Stamp{Chain: in.Chain, Amount: in.Amount}, in.Amount, b.opt.Fee, what, false)
	return err
}

// BuyKeyspace buys the keyspace Name (or creates a sub-keyspace) with an
// optional access script. MaxPrice refuses to pay more (0: today's price
// as the node reports it).
type BuyKeyspace struct {
	Name     string
	Script   []byte
	MaxPrice uint64
}

func (in BuyKeyspace) build(b *builder) error {
	if err := wire.ValidKeyspaceName(in.Name); err != nil {
		return badIntent("%v", err)
	}
	if err := checkScriptSize(in.Script); err != nil {
		return err
	}
	ks, err := b.p.node.Keyspace(b.ctx, in.Name)
	if err != nil {
		return err
	}
	if ks.Exists {
		return fmt.Errorf("keyspace %q is %w by %s", in.Name, ErrOwned, ks.Owner)
	}
	limit := in.MaxPrice
	if limit == 0 {
		limit = ks.Price
	}
	if ks.Price > limit {
		return badIntent("%s costs %s, more than the %s you would pay", in.Name, bvs(ks.Price), bvs(limit))
	}
	who := "only you may write"
	if len(in.Script) > 0 {
		who = "its script decides who may write"
	}
	b.judge = true
	what := fmt.Sprintf("buy %s for %s (burned; %s)", in.Name, bvs(ks.Price), who)
	_, err = b.root(wire.KeyspaceBuy{Name: in.Name, Script: in.Script, MaxPrice: limit}, ks.Price, b.opt.Fee, what, false)
	return err
}

// SetScript replaces the access script of the keyspace Name (nil Script
// removes it: only the owner may write).
type SetScript struct {
	Name   string
	Script []byte
}

func (in SetScript) build(b *builder) error {
	if err := wire.ValidKeyspaceName(in.Name); err != nil {
		return badIntent("%v", err)
	}
	if err := checkScriptSize(in.Script); err != nil {
		return err
	}
	what := "remove the script of " + in.Name + " (only its owner may write)"
	if len(in.Script) > 0 {
		what = fmt.Sprintf("replace the script of %s (%d bytes)", in.Name, len(in.Script))
	}
	b.judge = true
	_, err := b.root(wire.KeyspaceScript{Name: in.Name, Script: in.Script}, 0, b.opt.Fee, what, false)
	return err
}

// TransferKeyspace gives the keyspace Name to To for good.
type TransferKeyspace struct {
	Name string
	To   wire.PubKey
}

func (in TransferKeyspace) build(b *builder) error {
	if err := wire.ValidKeyspaceName(in.Name); err != nil {
		return badIntent("%v", err)
	}
	if in.To.IsZero() {
		return badIntent("no recipient")
	}
	b.judge = true
	what := fmt.Sprintf("give %s to %s for good", in.Name, wire.EncodeAddress(b.p.params.Net, in.To))
	_, err := b.root(wire.KeyspaceTransfer{Name: in.Name, To: in.To}, 0, b.opt.Fee, what, false)
	return err
}

func checkScriptSize(src []byte) error {
	if len(src) > wire.MaxScriptSize {
		return badIntent("the access script is %d bytes; an access script is at most %d bytes", len(src), wire.MaxScriptSize)
	}
	return nil
}
