package chain

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// A vector builds one block on a fresh fixture (usually a valid block with
// one mutation) and names the rule ProcessBlock must report, or 0 for a block
// that must connect. Every rule the chain or the state can raise has at least
// one accepting and one rejecting vector, in the spirit of btcd's
// fullblocktests.
type vector struct {
	name  string
	want  consensus.ErrorCode
	tweak func(*consensus.Params) // parameters of the fixture, if not regtest
	build func(fx *fixture) *wire.Block
}

// withTxs returns a copy of b with txs appended, the coinbase claiming their
// fees too, resealed. The state root is not recomputed: use it for blocks
// that must fail before the state root is compared.
func withTxs(b *wire.Block, txs ...*wire.Tx) *wire.Block {
	b = copyBlock(b)
	cb := b.Txs[0].Body.(wire.Coinbase)
	for _, t := range txs {
		cb.Amount += t.Fee
	}
	b.Txs[0].Body = cb
	b.Txs = append(b.Txs, txs...)
	return reseal(b)
}

// mutate returns a resealed copy of b after f.
func mutate(b *wire.Block, f func(b *wire.Block)) *wire.Block {
	b = copyBlock(b)
	f(b)
	return reseal(b)
}

// coinbase returns a copy of b with its coinbase changed by f, resealed.
func mutateCoinbase(b *wire.Block, f func(cb *wire.Tx)) *wire.Block {
	return mutate(b, func(b *wire.Block) { f(b.Txs[0]) })
}

// resign re-signs t after f changed it.
func (fx *fixture) resign(t *wire.Tx, k wire.PrivKey, f func(t *wire.Tx)) *wire.Tx {
	c := *t
	f(&c)
	c.Sign(fx.p.Net, k)
	return &c
}

func mtp(fx *fixture) int64 { return medianTimePast(fx.c.tip()) }

// sizedBlock returns a valid block of exactly size bytes: one put whose value
// is tuned, templated under a larger block limit.
func sizedBlock(fx *fixture, size int) *wire.Block {
	fx.t.Helper()
	big := *fx.p
	big.MaxBlockSize = 1 << 20
	fx.clk.t = fx.clk.t.Add(fx.p.TargetInterval)
	n := size - 400
	for i := 0; i < 20; i++ {
		b := fx.templateWith(&big, fx.put(fx.alice, "public/big", strings.Repeat("x", n), -1))
		got := len(b.Encode())
		if got == size {
			return b
		}
		n += size - got
	}
	fx.t.Fatalf("could not make a block of %d bytes", size)
	return nil
}

// maturityBlock gives dave the reward of a block at height h, mines up to
// h+extra-1 and returns a block at h+extra holding dave's transfer, built
// without the template (which would leave the tx out if it does not apply).
func maturityBlock(fx *fixture, extra uint64) *wire.Block {
	fx.mine(fx.dave.PubKey())
	for i := uint64(1); i < extra; i++ {
		fx.mine(fx.alice.PubKey())
	}
	return withTxs(fx.template(), fx.transfer(fx.dave, fx.bob.PubKey(), 1000, 0))
}

func badKeyPut(fx *fixture, key string) *wire.Block {
	return withTxs(fx.template(), fx.put(fx.alice, key, "v", -1))
}

func vectors() []vector {
	return append(append(append(append(append(baseVectors(), marketVectors()...), relayVectors()...), tumbleVectors()...), poolVectors()...), poolServeVectors()...)
}

func baseVectors() []vector {
	small := func(p *consensus.Params) { p.MaxBlockSize = 20_000 }
	return []vector{
		// Well-formed blocks.
		{name: "empty block", build: func(fx *fixture) *wire.Block { return fx.template() }},
		{name: "transfer and put", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.transfer(fx.alice, fx.bob.PubKey(), 5*wire.Unit, 0), fx.put(fx.alice, "public/a", "1", 1))
		}},

		// ErrBlockTooBig.
		{name: "block exactly at the size limit", tweak: small, build: func(fx *fixture) *wire.Block { return sizedBlock(fx, 20_000) }},
		{name: "block one byte over the size limit", want: consensus.ErrBlockTooBig, tweak: small,
			build: func(fx *fixture) *wire.Block { return sizedBlock(fx, 20_001) }},

		// ErrNoTxs, ErrFirstTxNotCoinbase, ErrMultipleCoinbases.
		{name: "no transactions", want: consensus.ErrNoTxs, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Txs = nil })
		}},
		{name: "coinbase second", want: consensus.ErrFirstTxNotCoinbase, build: func(fx *fixture) *wire.Block {
			b := fx.template(fx.put(fx.alice, "public/k", "v", -1))
			return mutate(b, func(b *wire.Block) { b.Txs[0], b.Txs[1] = b.Txs[1], b.Txs[0] })
		}},
		{name: "no coinbase", want: consensus.ErrFirstTxNotCoinbase, build: func(fx *fixture) *wire.Block {
			b := fx.template(fx.put(fx.alice, "public/k", "v", -1))
			return mutate(b, func(b *wire.Block) { b.Txs = b.Txs[1:] })
		}},
		{name: "two coinbases", want: consensus.ErrMultipleCoinbases, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) {
				cb := *b.Txs[0]
				cb.Body = wire.Coinbase{To: fx.bob.PubKey(), Amount: 1}
				b.Txs = append(b.Txs, &cb)
			})
		}},

		// ErrBadTxRoot, ErrHighHash, ErrBadBits.
		{name: "wrong tx root", want: consensus.ErrBadTxRoot, build: func(fx *fixture) *wire.Block {
			b := copyBlock(fx.template(fx.put(fx.alice, "public/k", "v", -1)))
			b.Header.TxRoot[0] ^= 1
			return resolve(b)
		}},
		{name: "tx root of a different tx order", want: consensus.ErrBadTxRoot, build: func(fx *fixture) *wire.Block {
			b := copyBlock(fx.template(fx.put(fx.alice, "public/k", "v", 0), fx.put(fx.alice, "public/j", "v", 1)))
			b.Header.TxRoot = wire.MerkleRoot([]wire.Hash{b.Txs[0].ID(), b.Txs[2].ID(), b.Txs[1].ID()})
			return resolve(b)
		}},
		{name: "hash above the target", want: consensus.ErrHighHash, build: func(fx *fixture) *wire.Block {
			b := copyBlock(fx.template())
			target := consensus.CompactToBig(b.Header.Bits)
			for b.Header.Nonce = 0; consensus.HashMeetsTarget(b.Header.PowHash(), target); b.Header.Nonce++ {
			}
			return b
		}},
		{name: "bits other than ASERT's", want: consensus.ErrBadBits, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Bits-- })
		}},
		{name: "bits above the pow limit", want: consensus.ErrBadBits, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Bits = 0x2100ffff })
		}},
		{name: "zero target", want: consensus.ErrBadBits, build: func(fx *fixture) *wire.Block {
			b := copyBlock(fx.template())
			b.Header.Bits = 0 // no nonce meets target 0; the bits are checked first
			return b
		}},
		{name: "same target, non-canonical bits (sign bit)", want: consensus.ErrBadBits, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Bits |= 0x00800000 })
		}},

		// ErrBadHeight.
		{name: "height skips one", want: consensus.ErrBadHeight, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Height++ })
		}},
		{name: "height repeats the parent's", want: consensus.ErrBadHeight, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Height-- })
		}},

		// ErrTimeTooOld, ErrTimeTooNew.
		{name: "time one ms after the median time past", build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Time = mtp(fx) + 1 })
		}},
		{name: "time equal to the median time past", want: consensus.ErrTimeTooOld, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Time = mtp(fx) })
		}},
		{name: "time exactly MaxFutureTime ahead", build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Time = fx.clk.t.Add(fx.p.MaxFutureTime).UnixMilli() })
		}},
		{name: "time 1 ms beyond MaxFutureTime", want: consensus.ErrTimeTooNew, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Time = fx.clk.t.Add(fx.p.MaxFutureTime).UnixMilli() + 1 })
		}},

		// ErrBadVersion, ErrWrongChain, ErrBadMerge.
		{name: "version 2", want: consensus.ErrBadVersion, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Version = 2 })
		}},
		{name: "version 0", want: consensus.ErrBadVersion, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Version = 0 })
		}},
		{name: "header for a child chain", want: consensus.ErrWrongChain, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Chain = wire.RootChain.Child(1) })
		}},
		{name: "merge branch of the wrong length", want: consensus.ErrBadMerge, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Merge.Branch = []wire.Hash{{1}} })
		}},
		{name: "merge-mined at the root's slot", build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Merge = wire.MergeProof{Index: 0, Branch: []wire.Hash{{1}, {2}}} })
		}},
		{name: "merge-mined at another depth's slot", want: consensus.ErrBadMerge, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Merge = wire.MergeProof{Index: 2, Branch: []wire.Hash{{1}, {2}}} })
		}},
		{name: "merge index without a branch", want: consensus.ErrBadMerge, build: func(fx *fixture) *wire.Block {
			b := copyBlock(fx.template())
			b.Header.Merge.Index = 1 // encodes, but no decoder accepts it
			return reseal(b)
		}},

		// ErrDuplicateTx.
		{name: "two different puts", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.put(fx.alice, "public/k", "1", 0), fx.put(fx.alice, "public/k", "2", 1))
		}},
		{name: "the same put twice", want: consensus.ErrDuplicateTx, build: func(fx *fixture) *wire.Block {
			p := fx.put(fx.alice, "public/k", "1", 0)
			return withTxs(fx.template(p), p)
		}},

		// ErrBadCoinbaseAmount, ErrBadCoinbaseNonce, ErrBadCoinbaseFields.
		{name: "coinbase claims reward plus fees", build: func(fx *fixture) *wire.Block {
			b := fx.template(fx.put(fx.alice, "public/k", "v", -1))
			if got, want := b.Txs[0].Body.(wire.Coinbase).Amount, fx.p.Reward(b.Header.Height)+b.Txs[1].Fee; got != want {
				fx.t.Fatalf("template coinbase %d, want %d", got, want)
			}
			return b
		}},
		{name: "coinbase one unit too much", want: consensus.ErrBadCoinbaseAmount, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(fx.put(fx.alice, "public/k", "v", -1)), func(cb *wire.Tx) {
				c := cb.Body.(wire.Coinbase)
				c.Amount++
				cb.Body = c
			})
		}},
		{name: "coinbase one unit too little", want: consensus.ErrBadCoinbaseAmount, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) {
				c := cb.Body.(wire.Coinbase)
				c.Amount--
				cb.Body = c
			})
		}},
		{name: "coinbase forgets the fees", want: consensus.ErrBadCoinbaseAmount, build: func(fx *fixture) *wire.Block {
			b := fx.template(fx.put(fx.alice, "public/k", "v", -1))
			return mutateCoinbase(b, func(cb *wire.Tx) {
				cb.Body = wire.Coinbase{To: fx.alice.PubKey(), Amount: fx.p.Reward(b.Header.Height)}
			})
		}},
		{name: "coinbase nonce is height+1", want: consensus.ErrBadCoinbaseNonce, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) { cb.Nonce++ })
		}},
		{name: "coinbase nonce is 0", want: consensus.ErrBadCoinbaseNonce, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) { cb.Nonce = 0 })
		}},
		{name: "coinbase with a sender", want: consensus.ErrBadCoinbaseFields, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) { cb.From = fx.alice.PubKey() })
		}},
		{name: "coinbase with a fee", want: consensus.ErrBadCoinbaseFields, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) { cb.Fee = 1 })
		}},
		{name: "coinbase with a signature", want: consensus.ErrBadCoinbaseFields, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) { cb.Sign(fx.p.Net, fx.alice); cb.From = wire.PubKey{} })
		}},
		{name: "coinbase for a child chain", want: consensus.ErrBadCoinbaseFields, build: func(fx *fixture) *wire.Block {
			return mutateCoinbase(fx.template(), func(cb *wire.Tx) { cb.Chain = wire.RootChain.Child(0) })
		}},

		// ErrBadSignature.
		{name: "signature with one bit flipped", want: consensus.ErrBadSignature, build: func(fx *fixture) *wire.Block {
			p := fx.put(fx.alice, "public/k", "v", -1)
			p.Sig[10] ^= 1
			return withTxs(fx.template(), p)
		}},
		{name: "signed by someone else", want: consensus.ErrBadSignature, build: func(fx *fixture) *wire.Block {
			p := fx.put(fx.bob, "public/k", "v", 0)
			p.From = fx.alice.PubKey()
			return withTxs(fx.template(), p)
		}},
		{name: "content changed after signing", want: consensus.ErrBadSignature, build: func(fx *fixture) *wire.Block {
			p := fx.transfer(fx.alice, fx.bob.PubKey(), 1000, -1)
			p.Body = wire.Transfer{To: fx.bob.PubKey(), Amount: 1001}
			return withTxs(fx.template(), p)
		}},
		{name: "signed for mainnet", want: consensus.ErrBadSignature, build: func(fx *fixture) *wire.Block {
			p := fx.put(fx.alice, "public/k", "v", -1)
			p.Sign(wire.Mainnet, fx.alice)
			return withTxs(fx.template(), p)
		}},

		// ErrBadNonce.
		{name: "next nonce", build: func(fx *fixture) *wire.Block {
			fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/k", "1", 0))
			return fx.template(fx.put(fx.alice, "public/k", "2", 1))
		}},
		{name: "replay of a confirmed transaction", want: consensus.ErrBadNonce, build: func(fx *fixture) *wire.Block {
			p := fx.put(fx.alice, "public/k", "1", 0)
			fx.mine(fx.alice.PubKey(), p)
			return withTxs(fx.template(), p)
		}},
		{name: "a new transaction with a used nonce", want: consensus.ErrBadNonce, build: func(fx *fixture) *wire.Block {
			fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/k", "1", 0))
			return withTxs(fx.template(), fx.put(fx.alice, "public/k", "2", 0))
		}},
		{name: "a future nonce", want: consensus.ErrBadNonce, build: func(fx *fixture) *wire.Block {
			return withTxs(fx.template(), fx.put(fx.alice, "public/k", "1", 1))
		}},
		{name: "nonces out of order in one block", want: consensus.ErrBadNonce, build: func(fx *fixture) *wire.Block {
			return withTxs(fx.template(), fx.put(fx.alice, "public/k", "2", 1), fx.put(fx.alice, "public/k", "1", 0))
		}},

		// ErrInsufficientFunds.
		{name: "spend the whole balance", build: func(fx *fixture) *wire.Block {
			bal := fx.account(fx.alice.PubKey()).Balance
			t := fx.transfer(fx.alice, fx.bob.PubKey(), 1, 0)
			t = fx.resign(t, fx.alice, func(t *wire.Tx) { t.Body = wire.Transfer{To: fx.bob.PubKey(), Amount: bal - t.Fee} })
			return fx.template(t)
		}},
		{name: "spend one unit more than the balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			bal := fx.account(fx.alice.PubKey()).Balance
			t := fx.transfer(fx.alice, fx.bob.PubKey(), 1, 0)
			t = fx.resign(t, fx.alice, func(t *wire.Tx) { t.Body = wire.Transfer{To: fx.bob.PubKey(), Amount: bal - t.Fee + 1} })
			return withTxs(fx.template(), t)
		}},
		{name: "second spend exceeds what the first left", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			bal := fx.account(fx.alice.PubKey()).Balance
			a := fx.transfer(fx.alice, fx.bob.PubKey(), bal/2, 0)
			b := fx.transfer(fx.alice, fx.carol.PubKey(), bal/2, 1)
			return withTxs(fx.template(), a, b)
		}},
		{name: "spend with only immature rewards", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			return maturityBlock(fx, 1)
		}},
		{name: "spend a reward in the block that matures it", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			return maturityBlock(fx, fx.p.CoinbaseMaturity)
		}},
		{name: "spend a reward in the block after it matured", build: func(fx *fixture) *wire.Block {
			fx.mine(fx.dave.PubKey())
			for i := uint64(0); i < fx.p.CoinbaseMaturity; i++ {
				fx.mine(fx.alice.PubKey())
			}
			return fx.template(fx.transfer(fx.dave, fx.bob.PubKey(), 1000, 0))
		}},
		{name: "spend coins received earlier in the same block", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.transfer(fx.alice, fx.bob.PubKey(), wire.Unit, 0), fx.put(fx.bob, "public/bob", "v", 0))
		}},
		{name: "spend coins received later in the same block", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			return withTxs(fx.template(), fx.put(fx.bob, "public/bob", "v", 0), fx.transfer(fx.alice, fx.bob.PubKey(), wire.Unit, 0))
		}},

		// ErrAmountOverflow.
		{name: "amount plus fee overflows", want: consensus.ErrAmountOverflow, build: func(fx *fixture) *wire.Block {
			return withTxs(fx.template(), fx.transfer(fx.alice, fx.bob.PubKey(), math.MaxUint64, -1))
		}},

		// ErrFeeTooLow.
		{name: "fee exactly the minimum", build: func(fx *fixture) *wire.Block {
			p := fx.put(fx.alice, "public/k", "v", -1)
			if p.Fee != fx.p.MinFee(p.Size()) {
				fx.t.Fatalf("fee %d, minimum %d", p.Fee, fx.p.MinFee(p.Size()))
			}
			return fx.template(p)
		}},
		{name: "fee one unit below the minimum", want: consensus.ErrFeeTooLow, build: func(fx *fixture) *wire.Block {
			p := fx.resign(fx.put(fx.alice, "public/k", "v", -1), fx.alice, func(t *wire.Tx) { t.Fee-- })
			if p.Fee >= fx.p.MinFee(p.Size()) {
				fx.t.Fatalf("precondition: fee %d is not below the minimum %d", p.Fee, fx.p.MinFee(p.Size()))
			}
			return withTxs(fx.template(), p)
		}},
		{name: "zero fee", want: consensus.ErrFeeTooLow, build: func(fx *fixture) *wire.Block {
			p := fx.resign(fx.put(fx.alice, "public/k", "v", -1), fx.alice, func(t *wire.Tx) { t.Fee = 0 })
			return withTxs(fx.template(), p)
		}},

		// ErrBadKey.
		{name: "one-byte key", build: func(fx *fixture) *wire.Block { return fx.template(fx.put(fx.alice, "public/a", "v", -1)) }},
		{name: "512-byte key", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.put(fx.alice, "public/"+strings.Repeat("k", wire.MaxKeySize-len("public/")), "v", -1))
		}},
		{name: "nested key", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.put(fx.alice, "public/a/b/ü", "v", -1))
		}},
		{name: "empty key", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "") }},
		{name: "key starting with /", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "/a") }},
		{name: "key ending with /", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "a/") }},
		{name: "key with an empty segment", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "a//b") }},
		{name: "key with a control character", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "a\x01b") }},
		{name: "key with NUL", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "a\x00b") }},
		{name: "key with DEL", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "a\x7fb") }},
		{name: "key not UTF-8", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block { return badKeyPut(fx, "a\xffb") }},
		{name: "513-byte key", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block {
			return badKeyPut(fx, strings.Repeat("k", wire.MaxKeySize+1))
		}},

		// ErrValueTooBig.
		{name: "64 KiB value", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.put(fx.alice, "public/k", strings.Repeat("v", wire.MaxValueSize), -1))
		}},
		{name: "64 KiB + 1 value", want: consensus.ErrValueTooBig, build: func(fx *fixture) *wire.Block {
			return withTxs(fx.template(), fx.put(fx.alice, "public/k", strings.Repeat("v", wire.MaxValueSize+1), -1))
		}},

		// ErrZeroAmount.
		{name: "transfer of one unit", build: func(fx *fixture) *wire.Block {
			return fx.template(fx.transfer(fx.alice, fx.bob.PubKey(), 1, -1))
		}},
		{name: "transfer of zero", want: consensus.ErrZeroAmount, build: func(fx *fixture) *wire.Block {
			return withTxs(fx.template(), fx.transfer(fx.alice, fx.bob.PubKey(), 0, -1))
		}},

		// ErrBadTxChain, ErrUnknownTxType, ErrMalformed.
		{name: "transaction for a child chain", want: consensus.ErrBadTxChain, build: func(fx *fixture) *wire.Block {
			p := fx.resign(fx.put(fx.alice, "public/k", "v", -1), fx.alice, func(t *wire.Tx) { t.Chain = wire.RootChain.Child(1) })
			return withTxs(fx.template(), p)
		}},
		{name: "unknown transaction type", want: consensus.ErrUnknownTxType, build: func(fx *fixture) *wire.Block {
			p := fx.resign(fx.put(fx.alice, "public/k", "v", -1), fx.alice, func(t *wire.Tx) { t.Type = 9 })
			return withTxs(fx.template(), p)
		}},
		{name: "type byte that does not match the body", want: consensus.ErrUnknownTxType, build: func(fx *fixture) *wire.Block {
			p := fx.resign(fx.put(fx.alice, "public/k", "v", -1), fx.alice, func(t *wire.Tx) { t.Type = wire.TxTransfer })
			return withTxs(fx.template(), p)
		}},
		{name: "root chain id with stray bits in a tx", want: consensus.ErrMalformed, build: func(fx *fixture) *wire.Block {
			p := fx.resign(fx.put(fx.alice, "public/k", "v", -1), fx.alice, func(t *wire.Tx) { t.Chain = wire.ChainID{Bits: 1} })
			return withTxs(fx.template(), p)
		}},
		{name: "root chain id with stray bits in the header", want: consensus.ErrMalformed, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.Chain = wire.ChainID{Bits: 1} })
		}},

		// ErrBadStateRoot.
		{name: "wrong state root", want: consensus.ErrBadStateRoot, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(fx.put(fx.alice, "public/k", "v", -1)), func(b *wire.Block) { b.Header.StateRoot[31] ^= 1 })
		}},
		{name: "state root of the parent", want: consensus.ErrBadStateRoot, build: func(fx *fixture) *wire.Block {
			return mutate(fx.template(), func(b *wire.Block) { b.Header.StateRoot = fx.c.Tip().StateRoot })
		}},

		// ErrInvalidAncestor.
		{name: "child of a block with a bad state root", want: consensus.ErrInvalidAncestor, build: func(fx *fixture) *wire.Block {
			return childOfInvalid(fx)
		}},
		{name: "child of a block with wrong bits", want: consensus.ErrInvalidAncestor, build: func(fx *fixture) *wire.Block {
			return childOfRejected(fx, func(b *wire.Block) { b.Header.Bits-- }, consensus.ErrBadBits)
		}},
		{name: "grandchild of a block with a stale time", want: consensus.ErrInvalidAncestor, build: func(fx *fixture) *wire.Block {
			child := childOfRejected(fx, func(b *wire.Block) { b.Header.Time = mtp(fx) }, consensus.ErrTimeTooOld)
			if _, err := fx.c.ProcessBlock(child); consensus.CodeOf(err) != consensus.ErrInvalidAncestor {
				fx.t.Fatalf("child: %v", err)
			}
			return childOf(fx, child)
		}},
		{name: "a block found invalid, sent again", want: consensus.ErrInvalidAncestor, build: func(fx *fixture) *wire.Block {
			bad := mutate(fx.template(), func(b *wire.Block) { b.Header.StateRoot[0] ^= 1 })
			if _, err := fx.c.ProcessBlock(bad); consensus.CodeOf(err) != consensus.ErrBadStateRoot {
				fx.t.Fatalf("bad block: %v", err)
			}
			return bad
		}},
	}
}

// childOfInvalid submits a block with a bad state root and returns a child
// of it whose header is otherwise in order.
func childOfInvalid(fx *fixture) *wire.Block {
	return childOfRejected(fx, func(b *wire.Block) { b.Header.StateRoot[0] ^= 1 }, consensus.ErrBadStateRoot)
}

// childOfRejected submits the next block mutated by f, which must fail with
// code, and returns a child of it.
func childOfRejected(fx *fixture, f func(*wire.Block), code consensus.ErrorCode) *wire.Block {
	fx.t.Helper()
	bad := mutate(fx.template(), f)
	if _, err := fx.c.ProcessBlock(bad); consensus.CodeOf(err) != code {
		fx.t.Fatalf("bad block: %v, want %v", err, code)
	}
	return childOf(fx, bad)
}

// childOf returns a block on top of parent (not necessarily valid beyond
// its header and coinbase shape).
func childOf(fx *fixture, parent *wire.Block) *wire.Block {
	child := copyBlock(parent)
	child.Header.Prev = parent.ID()
	child.Header.Height++
	child.Header.Time += fx.p.TargetInterval.Milliseconds()
	child.Txs[0].Nonce++
	return reseal(child)
}

func TestVectors(t *testing.T) {
	seen := map[consensus.ErrorCode]bool{}
	for i, v := range vectors() {
		t.Run(v.name, func(t *testing.T) {
			fx := newFixture(t, v.tweak)
			b := v.build(fx)
			before := fx.c.Tip()
			beforeState := dumpState(t, fx.c)
			res, err := fx.c.ProcessBlock(b)
			if v.want == 0 {
				if err != nil || res != Connected {
					t.Fatalf("case %d (%s): result %v, err %v; want connected", i, v.name, res, err)
				}
				if tip := fx.c.Tip(); tip.ID != b.ID() {
					t.Fatalf("case %d (%s): tip %s, want %s", i, v.name, tip.ID.Short(), b.ID().Short())
				}
				fx.blocks = append(fx.blocks, b)
				requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
				return
			}
			if got := consensus.CodeOf(err); got != v.want {
				t.Fatalf("case %d (%s): err %v (code %v), want %v", i, v.name, err, got, v.want)
			}
			var re *consensus.RuleError
			if !errors.As(err, &re) || re.Description == "" {
				t.Fatalf("case %d (%s): %v is not a described rule error", i, v.name, err)
			}
			if tip := fx.c.Tip(); tip.ID != before.ID {
				t.Fatalf("case %d (%s): tip moved to %s", i, v.name, tip.ID.Short())
			}
			if d := diffState(dumpState(t, fx.c), beforeState); d != "" {
				t.Fatalf("case %d (%s): a rejected block changed the state:\n%s", i, v.name, d)
			}
			// Sending it again gives the same answer (or "known invalid"),
			// and the chain still grows.
			_, err = fx.c.ProcessBlock(b)
			if got := consensus.CodeOf(err); got != v.want && got != consensus.ErrInvalidAncestor {
				t.Fatalf("case %d (%s): sent again: %v", i, v.name, err)
			}
			fx.mine(fx.alice.PubKey())
		})
	}
	for _, v := range vectors() {
		seen[v.want] = true
	}
	// Every rule the chain and state raise has vectors; ErrDuplicateBlock
	// and ErrMissingParent are not raised (ErrKnown and ErrOrphan are).
	for c := consensus.ErrDuplicateBlock; c <= consensus.ErrMalformed; c++ {
		if c == consensus.ErrDuplicateBlock || c == consensus.ErrMissingParent {
			continue
		}
		if !seen[c] {
			t.Errorf("no rejecting vector for %v", c)
		}
	}
	for c := consensus.ErrBadBounty; c <= consensus.ErrBadEvidence; c++ {
		if !seen[c] {
			t.Errorf("no rejecting vector for %v", c)
		}
	}
	for c := consensus.ErrBadTumble; c <= consensus.ErrTumbleSum; c++ {
		if !seen[c] {
			t.Errorf("no rejecting vector for %v", c)
		}
	}
}

// TestKnownAndOrphan covers the two outcomes that are not rule errors.
func TestKnownAndOrphan(t *testing.T) {
	fx := newFixture(t, nil)
	b := fx.mine(fx.alice.PubKey())
	if res, err := fx.c.ProcessBlock(b); !errors.Is(err, ErrKnown) || res != SideChain {
		t.Fatalf("known block: result %v, err %v", res, err)
	}
	parent := fx.template()
	child := copyBlock(parent)
	child.Header.Prev = parent.ID()
	child.Header.Height++
	child.Header.Time += 2000
	child.Txs[0].Nonce++
	reseal(child)
	if res, err := fx.c.ProcessBlock(child); !errors.Is(err, ErrOrphan) || res != Orphan {
		t.Fatalf("orphan: result %v, err %v", res, err)
	}
	if res, err := fx.c.ProcessBlock(child); !errors.Is(err, ErrKnown) || res != Orphan {
		t.Fatalf("orphan again: result %v, err %v", res, err)
	}
	if n := fx.c.Orphans(); n != 1 {
		t.Fatalf("orphans = %d, want 1", n)
	}
	if !fx.c.HasBlock(child.ID()) {
		t.Fatalf("HasBlock(orphan) = false")
	}
	// Sanity rules apply before a block is held as an orphan.
	bad := mutate(child, func(b *wire.Block) { b.Header.Version = 7 })
	if _, err := fx.c.ProcessBlock(bad); consensus.CodeOf(err) != consensus.ErrBadVersion {
		t.Fatalf("bad orphan: %v", err)
	}
}

// TestMainnetSignatureRejected: a transaction signed for mainnet is invalid
// on devnet and regtest, at the signature check and in a block.
func TestMainnetSignatureRejected(t *testing.T) {
	alice := key(t, 1)
	tx := wire.NewTx(wire.RootChain, wire.Put{Key: "public/k", Value: []byte("v")}, 0, 1000)
	tx.Sign(wire.Mainnet, alice)
	if err := tx.VerifySig(wire.Mainnet); err != nil {
		t.Fatalf("mainnet signature does not verify on mainnet: %v", err)
	}
	for i, p := range []*consensus.Params{consensus.Devnet(), consensus.Regtest()} {
		ids := []wire.Hash{tx.ID()}
		if at, err := VerifyTxs(p.Net, []*wire.Tx{tx}, ids, NewSigCache(10)); at != 0 || !errors.Is(err, wire.ErrBadSignature) {
			t.Errorf("case %d (%s): VerifyTxs = %d, %v; want 0, ErrBadSignature", i, p.Net.Name, at, err)
		}
	}
	// A cache filled on another network must not vouch for it either: the
	// cache is per node, and a node runs one network.
	fx := newFixture(t, nil)
	p := fx.put(fx.alice, "public/k", "v", -1)
	p.Sign(wire.Mainnet, fx.alice)
	if _, err := fx.c.ProcessBlock(withTxs(fx.template(), p)); consensus.CodeOf(err) != consensus.ErrBadSignature {
		t.Fatalf("block with a mainnet tx: %v", err)
	}
	p.Sign(fx.p.Net, fx.alice)
	fx.mine(fx.alice.PubKey(), p)
}

// TestSelfTransfer: a transfer to oneself costs exactly the fee (it used to
// credit the amount on top of the balance).
func TestSelfTransfer(t *testing.T) {
	fx := newFixture(t, nil)
	before := fx.account(fx.alice.PubKey())
	tr := fx.transfer(fx.alice, fx.alice.PubKey(), 7*wire.Unit, -1)
	b := fx.mine(fx.bob.PubKey(), tr)
	after := fx.account(fx.alice.PubKey())
	// Block b also matures an earlier reward of alice's.
	matured := fx.p.Reward(b.Header.Height - fx.p.CoinbaseMaturity)
	if want := before.Balance + matured - tr.Fee; after.Balance != want {
		t.Fatalf("balance after a self-transfer = %d, want %d (fee %d)", after.Balance, want, tr.Fee)
	}
	if after.Nonce != before.Nonce+1 {
		t.Fatalf("nonce %d, want %d", after.Nonce, before.Nonce+1)
	}
	// The whole balance can be sent to oneself, but not a unit more.
	all := fx.resign(tr, fx.alice, func(t *wire.Tx) {
		t.Nonce = after.Nonce
		t.Body = wire.Transfer{To: fx.alice.PubKey(), Amount: after.Balance - t.Fee}
	})
	fx.mine(fx.bob.PubKey(), all)
	over := fx.resign(all, fx.alice, func(t *wire.Tx) {
		t.Nonce++
		t.Body = wire.Transfer{To: fx.alice.PubKey(), Amount: fx.account(fx.alice.PubKey()).Balance - t.Fee + 1}
	})
	if _, err := fx.c.ProcessBlock(withTxs(fx.template(), over)); consensus.CodeOf(err) != consensus.ErrInsufficientFunds {
		t.Fatalf("self-transfer over the balance: %v", err)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// TestTemplateDefersWhatDoesNotFit: when a sender's transaction does not fit
// in the block, its later ones are left out, not reported as rejected (the
// mempool removes rejected ones).
func TestTemplateDefersWhatDoesNotFit(t *testing.T) {
	fx := newFixture(t, func(p *consensus.Params) { p.MaxBlockSize = 8000 })
	bigTx := fx.put(fx.alice, "public/big", strings.Repeat("x", 7000), 0)
	small := fx.put(fx.alice, "public/small", "x", 1)
	other := fx.put(fx.bob, "public/b", "x", 0) // bob has no funds: rejected for real
	tmpl, err := fx.c.NewTemplate(fx.alice.PubKey(), []*wire.Tx{bigTx, small, other}, fx.clk.t.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Block.Txs) != 1 {
		t.Fatalf("template holds %d txs, want only the coinbase", len(tmpl.Block.Txs))
	}
	if len(tmpl.Rejected) != 1 || tmpl.Rejected[0] != other {
		t.Fatalf("rejected %d txs, want only bob's unfunded put", len(tmpl.Rejected))
	}
	if tmpl.Block.Header.Prev != fx.c.Tip().ID {
		t.Fatalf("template not on the tip")
	}
}

// Two encodings of one block's content and nonce that differ only in the
// merge proof are two blocks, each with its own ID, and the header stored
// under an ID is byte for byte the one that was sent: comparing headers by
// ID (as verified reads do) never takes an honest peer's valid encoding
// for a forgery.
func TestBlockIDCommitsToMergeProof(t *testing.T) {
	fx := newFixture(t, nil)
	b := fx.template()
	b.Header.Merge = wire.MergeProof{Index: 0, Branch: make([]wire.Hash, fx.p.MergeBranchLen())}
	b.Header.Merge.Branch[0] = wire.Hash{1}
	resolve(b)
	if _, err := fx.c.ProcessBlock(b); err != nil {
		t.Fatal(err)
	}
	other := copyBlock(b)
	target := consensus.CompactToBig(b.Header.Bits)
	for i := byte(2); ; i++ {
		other.Header.Merge.Branch[0] = wire.Hash{i}
		if consensus.HashMeetsTarget(other.Header.PowHash(), target) {
			break
		}
	}
	if other.ID() == b.ID() {
		t.Fatalf("two merge proofs of one block share ID %s", b.ID().Short())
	}
	if _, err := fx.c.ProcessBlock(other); err != nil {
		t.Fatalf("the other valid encoding: %v, want a side block", err)
	}
	for _, x := range []*wire.Block{b, other} {
		h, _, err := fx.c.HeaderByID(x.ID())
		if err != nil || !bytes.Equal(h.Encode(), x.Header.Encode()) {
			t.Fatalf("header stored under %s is not the one sent (err %v)", x.ID().Short(), err)
		}
	}
}
