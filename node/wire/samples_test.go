package wire

import (
	"bytes"
	"testing"
)

// Shared fixtures for the table tests and the fuzz seeds. Everything is
// deterministic so that failures reproduce.

// testKey returns a fixed private key derived from seed.
func testKey(t testing.TB, seed byte) PrivKey {
	t.Helper()
	k, err := PrivKeyFromBytes(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatalf("test key %d: %v", seed, err)
	}
	return k
}

func testHash(b byte) Hash {
	var h Hash
	for i := range h {
		h[i] = b + byte(i)
	}
	return h
}

// sampleTxs returns one transaction of each type, signed where it makes
// sense, plus edge cases of the encoding (large varints, empty value, a
// branch chain, a value at the size limit).
func sampleTxs(t testing.TB) []*Tx {
	alice, bob := testKey(t, 1), testKey(t, 2)

	coinbase := NewTx(RootChain, Coinbase{To: alice.PubKey(), Amount: 50 * Unit}, 7, 0)

	transfer := NewTx(RootChain, Transfer{To: bob.PubKey(), Amount: 1_2345_6789}, 3, 1000)
	transfer.Sign(Devnet, alice)

	put := NewTx(RootChain, Put{Key: "public/hello", Value: []byte("world")}, 4, 250)
	put.Sign(Devnet, alice)

	maxVarints := NewTx(ChainID{Depth: 3, Bits: 5}, Transfer{To: alice.PubKey(), Amount: ^uint64(0)}, ^uint64(0), ^uint64(0))
	maxVarints.Sign(Mainnet, bob)

	emptyValue := NewTx(RootChain, Put{Key: "public/empty", Value: nil}, 0, 0)
	emptyValue.Sign(Devnet, bob)

	bigValue := NewTx(RootChain, Put{Key: string(bytes.Repeat([]byte("k"), MaxKeySize)), Value: bytes.Repeat([]byte{0xab}, MaxValueSize)}, 128, 1<<20)
	bigValue.Sign(Devnet, bob)

	deep := NewTx(ChainID{Depth: MaxChainDepth, Bits: 0xdeadbeef}, Put{Key: "erik/photos/3j903", Value: []byte{0, 1, 2}}, 1, 1)
	deep.Sign(Testnet, alice)

	buy := NewTx(RootChain, KeyspaceBuy{Name: "erik", Script: []byte("function validate(w, ctx) { return true }"), MaxPrice: 10 * Unit}, 5, 100)
	buy.Sign(Devnet, alice)

	script := NewTx(RootChain, KeyspaceScript{Name: "erik/blog", Script: nil}, 6, 100)
	script.Sign(Devnet, alice)

	give := NewTx(RootChain, KeyspaceTransfer{Name: "erik", To: bob.PubKey()}, 7, 100)
	give.Sign(Devnet, alice)

	stamp := NewTx(RootChain, Stamp{Chain: ChainID{Depth: 2, Bits: 1}, Amount: 3 * Unit}, 8, 100)
	stamp.Sign(Devnet, alice)

	checkpoint := NewTx(RootChain, Checkpoint{Entries: []CheckpointEntry{
		{Chain: ChainID{Depth: 1, Bits: 0}, Block: testHash(7), Height: 9, Fees: 1234, Miner: bob.PubKey()},
		{Chain: ChainID{Depth: 3, Bits: 6}, Block: testHash(8), Height: 1, Fees: 0, Miner: alice.PubKey()},
	}}, 0, 0)

	txs := []*Tx{coinbase, transfer, put, maxVarints, emptyValue, bigValue, deep, buy, script, give, stamp, checkpoint}
	txs = append(txs, sampleMarketTxs(t)...)
	txs = append(txs, sampleRelayTxs(t)...)
	return append(txs, sampleTumbleTxs(t)...)
}

// sampleHeaders returns headers mined alone and with merge branches.
func sampleHeaders() []Header {
	alone := Header{
		Version: 1, Chain: RootChain, Height: 42,
		Prev: testHash(1), Anchor: ZeroHash, TxRoot: testHash(2), StateRoot: testHash(3),
		Time: 1_700_000_000_000, Bits: 0x1d00ffff, Nonce: 0x0123456789abcdef,
	}
	merged := alone
	merged.Chain = ChainID{Depth: 2, Bits: 2}
	merged.Anchor = testHash(4)
	merged.Merge = MergeProof{Index: 5, Branch: []Hash{testHash(5), testHash(6), testHash(7)}}

	full := alone
	full.Chain = ChainID{Depth: MaxChainDepth, Bits: 0xffffffff}
	full.Time = -1
	full.Version = ^uint32(0)
	full.Height = ^uint64(0)
	full.Merge = MergeProof{Index: 0xff, Branch: make([]Hash, MaxMergeBranch)}
	for i := range full.Merge.Branch {
		full.Merge.Branch[i] = testHash(byte(16 * i))
	}

	genesis := Header{}
	return []Header{alone, merged, full, genesis}
}

// sampleBlocks returns blocks with no, one and several transactions.
func sampleBlocks(t testing.TB) []*Block {
	txs := sampleTxs(t)
	hs := sampleHeaders()
	blocks := []*Block{
		{Header: hs[3]},
		{Header: hs[0], Txs: txs[:1]},
		{Header: hs[1], Txs: txs[:3]},
		{Header: hs[2], Txs: []*Tx{txs[0], txs[3], txs[4], txs[6]}},
	}
	for _, b := range blocks {
		b.Header.TxRoot = b.ComputeTxRoot()
	}
	return blocks
}

// sampleMarketTxs returns one signed transaction of each market type, plus an
// open bounty and one with every field at its maximum.
func sampleMarketTxs(t testing.TB) []*Tx {
	alice, bob := testKey(t, 1), testKey(t, 2)
	sign := func(k PrivKey, body Body, nonce uint64) *Tx {
		tx := NewTx(RootChain, body, nonce, 100)
		tx.Sign(Devnet, k)
		return tx
	}
	named := sign(alice, Bounty{Request: testHash(10), Row: 2, Hops: 2, Amount: 5 * Unit, Deadline: 120, Worker: bob.PubKey()}, 9)
	id := named.ID()
	var maxKey PubKey
	for i := range maxKey {
		maxKey[i] = 0xff
	}
	return []*Tx{
		named,
		sign(alice, Bounty{Request: testHash(11), Amount: 1, Deadline: 10}, 10),
		sign(alice, Bounty{Request: testHash(0xe0), Row: 0xff, Hops: 0xff, Amount: ^uint64(0), Deadline: ^uint64(0), Worker: maxKey}, 11),
		sign(bob, Accept{Bounty: id, Stake: Unit, Promised: 5}, 1),
		sign(bob, Accept{Bounty: id, Stake: ^uint64(0), Promised: ^uint32(0)}, 2),
		sign(bob, Commit{Bounty: id, Envelope: testHash(12), Result: testHash(13)}, 3),
		sign(alice, Settle{Bounty: id}, 12),
		sign(alice, Dispute{Bounty: id}, 13),
		sign(bob, Refund{Bounty: id}, 4),
	}
}

// sampleRelayTxs returns one signed transaction of each relay type, plus
// bodies with every field at its maximum.
func sampleRelayTxs(t testing.TB) []*Tx {
	alice, carol := testKey(t, 1), testKey(t, 3)
	sign := func(k PrivKey, body Body, nonce uint64) *Tx {
		tx := NewTx(RootChain, body, nonce, 100)
		tx.Sign(Devnet, k)
		return tx
	}
	bounty := sampleMarketTxs(t)[0].ID()
	return []*Tx{
		sign(carol, RelayRegister{Fee: Unit / 100, Stake: 10 * Unit, Caps: RelayCapRecompute}, 0),
		sign(carol, RelayRegister{Fee: ^uint64(0), Stake: ^uint64(0), Caps: ^uint32(0)}, 1),
		sign(carol, RelayLeave{}, 2),
		sign(carol, Countersign{Bounty: bounty, Slot: 1, Result: testHash(13), Envelope: testHash(14)}, 3),
		sign(carol, Countersign{Bounty: bounty, Slot: 0xff, Result: testHash(0xf0), Envelope: testHash(0xf1)}, 4),
		sign(alice, RelayMiss{Bounty: bounty, Slot: 0}, 14),
	}
}
