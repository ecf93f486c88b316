package wire

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// samplePoolTxs returns pool and token transactions of every type, with
// edge values (maximal segment and branch, empty evidence, a top-up).
func samplePoolTxs(t testing.TB) []*Tx {
	alice, carol := testKey(t, 1), testKey(t, 3)
	sign := func(k PrivKey, body Body, nonce uint64) *Tx {
		tx := NewTx(RootChain, body, nonce, 100)
		tx.Sign(Devnet, k)
		return tx
	}
	pool := testHash(40)
	branch := make([]Hash, MaxSegmentBranch)
	for i := range branch {
		branch[i] = testHash(byte(60 + i))
	}
	return []*Tx{
		sign(alice, PoolFund{Kind: PoolBlob, Chain: RootChain, Key: "public/film", Hash: testHash(41), Size: 20 << 20,
			SegmentRoot: testHash(42), Replicas: 3, Tier: 2, Amount: 100 * Unit, TokenRate: 100}, 0),
		sign(alice, PoolFund{Kind: PoolKey, Chain: ChainID{Depth: 2, Bits: 3}, Key: "erik/notes", Hash: testHash(43), Size: 1,
			SegmentRoot: testHash(44), Replicas: 1, Tier: 1, Amount: 1}, 1),
		sign(alice, PoolFund{Kind: PoolPrefix, Key: "erik/", Size: ^uint64(0), Replicas: 0xff, Tier: 0xff, Amount: ^uint64(0), TokenRate: ^uint32(0)}, 2),
		sign(alice, PoolFund{Kind: PoolTopUp, Pool: pool, Amount: 5 * Unit}, 3),
		sign(carol, PoolJoin{Pool: pool, Stake: 2 * Unit}, 0),
		sign(carol, PoolLeave{Pool: pool}, 1),
		sign(carol, PoolAnswer{Pool: pool, Epoch: 7, Index: 3, Segment: bytes.Repeat([]byte{9}, SegmentSize), Branch: branch}, 2),
		sign(carol, PoolAnswer{Pool: pool, Epoch: ^uint64(0), Index: ^uint32(0), Segment: []byte{1}}, 3),
		sign(alice, TokenBuy{Pool: pool, Count: 100}, 4),
		sign(alice, TokenRedeem{Pool: pool, Epoch: 7}, 5),
		sign(alice, PoolReport{Pool: pool, Redemption: testHash(45), Member: carol.PubKey(), Evidence: make([]byte, SigSize)}, 6),
		sign(alice, PoolReport{Pool: pool, Redemption: testHash(45), Member: carol.PubKey()}, 7),
		sign(alice, PoolSilence{Pool: pool, Redemption: testHash(45), Member: carol.PubKey()}, 8),
		sign(carol, PoolServe{Pool: pool, Redemption: testHash(45), Index: 3, Segment: bytes.Repeat([]byte{9}, SegmentSize), Branch: branch}, 4),
		sign(carol, PoolServe{Pool: pool, Redemption: testHash(46), Index: ^uint32(0), Segment: []byte{1}}, 5),
	}
}

// Every pool body round-trips through a signed transaction, and one byte
// less or more is malformed.
func TestPoolBodiesRoundTrip(t *testing.T) {
	one := []byte{1}
	seen := map[TxType]bool{}
	for _, tx := range samplePoolTxs(t) {
		got, err := DecodeTx(tx.Encode())
		if err != nil {
			t.Fatalf("%s: %v", tx.Type, err)
		}
		if !bytes.Equal(got.Encode(), tx.Encode()) || got.ID() != tx.ID() {
			t.Fatalf("%s does not round-trip: %+v", tx.Type, got.Body)
		}
		if err := got.VerifySig(Devnet); err != nil {
			t.Fatalf("%s signature: %v", tx.Type, err)
		}
		if !tx.Type.IsPool() || tx.Type.IsMarket() {
			t.Errorf("%s: IsPool %v IsMarket %v", tx.Type, tx.Type.IsPool(), tx.Type.IsMarket())
		}
		seen[tx.Type] = true
		w := NewWriter(0)
		tx.Body.encode(w)
		body := w.Bytes()
		for _, bad := range [][]byte{body[:len(body)-1], append(append([]byte(nil), body...), 0), nil} {
			got, err := DecodeTx(txBytes(uint8(tx.Type), RootChain, one, one, bad))
			if !errors.Is(err, ErrMalformed) || got != nil {
				t.Errorf("%s body of %d bytes: got %v, %v; want ErrMalformed", tx.Type, len(bad), got, err)
			}
		}
	}
	for typ := TxPoolFund; typ <= TxPoolServe; typ++ {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
	if TxType(28).IsPool() || TxType(18).IsPool() {
		t.Error("a type outside 19–27 is counted as a pool type")
	}
}

// The fixed bodies have their declared sizes, and an answer at the limits
// is MaxPoolAnswerBodySize bytes and fits a transaction.
func TestPoolBodySizes(t *testing.T) {
	sizes := map[TxType]int{TxPoolJoin: PoolJoinBodySize, TxPoolLeave: PoolLeaveBodySize,
		TxTokenBuy: TokenBuyBodySize, TxTokenRedeem: TokenRedeemBodySize, TxPoolSilence: PoolSilenceBodySize}
	for _, tx := range samplePoolTxs(t) {
		w := NewWriter(0)
		tx.Body.encode(w)
		n := len(w.Bytes())
		switch {
		case sizes[tx.Type] != 0 && n != sizes[tx.Type]:
			t.Errorf("%s body is %d bytes, want %d", tx.Type, n, sizes[tx.Type])
		case tx.Type == TxPoolFund && tx.Body.(PoolFund).Kind == PoolTopUp && n != PoolTopUpBodySize:
			t.Errorf("top-up body is %d bytes, want %d", n, PoolTopUpBodySize)
		case tx.Type == TxPoolAnswer && len(tx.Body.(PoolAnswer).Branch) == MaxSegmentBranch && n != MaxPoolAnswerBodySize:
			t.Errorf("largest answer body is %d bytes, want %d", n, MaxPoolAnswerBodySize)
		case tx.Type == TxPoolServe && len(tx.Body.(PoolServe).Branch) == MaxSegmentBranch && n != MaxPoolServeBodySize:
			t.Errorf("largest serve body is %d bytes, want %d", n, MaxPoolServeBodySize)
		}
		if len(tx.Encode()) > MaxTxSize {
			t.Errorf("%s is %d bytes, above MaxTxSize", tx.Type, len(tx.Encode()))
		}
	}
}

// The fields land where PROTOCOL §23 says.
func TestPoolBodyLayout(t *testing.T) {
	h1, h2 := testHash(1), testHash(2)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		body Body
		want []byte
	}{
		{PoolFund{Kind: PoolBlob, Chain: ChainID{Depth: 1, Bits: 1}, Key: "a/b", Hash: h1, Size: 0x0102, SegmentRoot: h2,
			Replicas: 3, Tier: 2, Amount: 0x0a0b, TokenRate: 0x0c0d},
			cat([]byte{1, 1, 0, 0, 0, 1, 3, 'a', '/', 'b'}, h1[:], []byte{0, 0, 0, 0, 0, 0, 1, 2}, h2[:],
				[]byte{3, 2, 0, 0, 0, 0, 0, 0, 0x0a, 0x0b, 0, 0, 0x0c, 0x0d})},
		{PoolFund{Kind: PoolTopUp, Pool: h1, Amount: 7}, cat([]byte{3}, h1[:], []byte{0, 0, 0, 0, 0, 0, 0, 7})},
		{PoolJoin{Pool: h1, Stake: 9}, cat(h1[:], []byte{0, 0, 0, 0, 0, 0, 0, 9})},
		{PoolLeave{Pool: h1}, h1[:]},
		{PoolAnswer{Pool: h1, Epoch: 5, Index: 6, Segment: []byte{0xaa, 0xbb}, Branch: []Hash{h2}},
			cat(h1[:], []byte{0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 6, 2, 0xaa, 0xbb, 1}, h2[:])},
		{TokenBuy{Pool: h1, Count: 0x0102}, cat(h1[:], []byte{0, 0, 1, 2})},
		{TokenRedeem{Pool: h1, Epoch: 4}, cat(h1[:], []byte{0, 0, 0, 0, 0, 0, 0, 4})},
		{PoolReport{Pool: h1, Redemption: h2, Member: PubKey(h1), Evidence: []byte{7}}, cat(h1[:], h2[:], h1[:], []byte{1, 7})},
		{PoolSilence{Pool: h1, Redemption: h2, Member: PubKey(h1)}, cat(h1[:], h2[:], h1[:])},
		{PoolServe{Pool: h1, Redemption: h2, Index: 6, Segment: []byte{0xaa}, Branch: []Hash{h1}},
			cat(h1[:], h2[:], []byte{0, 0, 0, 6, 1, 0xaa, 1}, h1[:])},
	}
	for _, tc := range tests {
		w := NewWriter(0)
		tc.body.encode(w)
		if !bytes.Equal(w.Bytes(), tc.want) {
			t.Errorf("%s body\n got % x\nwant % x", tc.body.TxType(), w.Bytes(), tc.want)
		}
	}
}

// A pool-fund's kind byte above 3 is malformed, and so are a segment above
// 1 KiB, a branch above MaxSegmentBranch and evidence above its bound.
func TestPoolBodyBounds(t *testing.T) {
	one := []byte{1}
	h := testHash(1)
	enc := func(b Body) []byte { w := NewWriter(0); b.encode(w); return w.Bytes() }
	bad := map[string]struct {
		typ  TxType
		body []byte
	}{
		"kind 4":          {TxPoolFund, cat1([]byte{4}, h[:], make([]byte, 8))},
		"segment 1025":    {TxPoolAnswer, enc(PoolAnswer{Pool: h, Segment: make([]byte, SegmentSize+1)})},
		"branch 25":       {TxPoolAnswer, enc(PoolAnswer{Pool: h, Segment: one, Branch: make([]Hash, MaxSegmentBranch+1)})},
		"evidence 257":    {TxPoolReport, enc(PoolReport{Pool: h, Evidence: make([]byte, MaxReportEvidence+1)})},
		"serve 1025":      {TxPoolServe, enc(PoolServe{Pool: h, Segment: make([]byte, SegmentSize+1)})},
		"serve branch 25": {TxPoolServe, enc(PoolServe{Pool: h, Segment: one, Branch: make([]Hash, MaxSegmentBranch+1)})},
		"key 513":         {TxPoolFund, enc(PoolFund{Kind: PoolKey, Key: string(make([]byte, MaxKeySize+1))})},
		"chain stray bit": {TxPoolFund, enc(PoolFund{Kind: PoolKey, Chain: ChainID{Bits: 1}})},
	}
	for name, tc := range bad {
		got, err := DecodeTx(txBytes(uint8(tc.typ), RootChain, one, one, tc.body))
		if !errors.Is(err, ErrMalformed) || got != nil {
			t.Errorf("%s: got %v, %v; want ErrMalformed", name, got, err)
		}
	}
}

func cat1(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// FuzzDecodePoolBody feeds arbitrary bodies under each pool type: a body
// either fails as malformed or is the canonical encoding of what it decoded.
func FuzzDecodePoolBody(f *testing.F) {
	for _, tx := range samplePoolTxs(f) {
		w := NewWriter(0)
		tx.Body.encode(w)
		f.Add(uint8(tx.Type), w.Bytes())
	}
	f.Add(uint8(TxPoolFund), []byte{4})
	f.Add(uint8(TxPoolAnswer), []byte{})
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		tt := TxPoolFund + TxType(typ%9)
		b, err := decodeBody(tt, body)
		if err != nil {
			if b != nil {
				t.Fatal("error with a body")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if b.TxType() != tt {
			t.Fatalf("decoded %T under %s", b, tt)
		}
		w := NewWriter(0)
		b.encode(w)
		if !bytes.Equal(w.Bytes(), body) {
			t.Fatalf("non-canonical %s body: % x re-encodes to % x", tt, body, w.Bytes())
		}
	})
}

// The segment root is MerkleRoot over the segments' hashes, and every
// segment verifies with its branch, for sizes around the powers of two.
func TestSegmentTreeBranchesVerify(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 1023, 1024, 1025, 2048, 3 * 1024, 5*1024 + 7, 64 << 10, 100*1024 + 1} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		var leaves []Hash
		for i := 0; i < size; i += SegmentSize {
			leaves = append(leaves, Sum(data[i:min(i+SegmentSize, size)]))
		}
		root := SegmentRoot(data)
		if root != MerkleRoot(leaves) {
			t.Fatalf("size %d: segment root is not MerkleRoot of the segment hashes", size)
		}
		tree := NewSegmentTree(data)
		n := uint32(SegmentCount(uint64(size)))
		for i := uint32(0); i < n; i++ {
			br, err := tree.Branch(i)
			if err != nil {
				t.Fatal(err)
			}
			if len(br) != SegmentBranchLen(uint64(size), i) {
				t.Fatalf("size %d segment %d: branch of %d, want %d", size, i, len(br), SegmentBranchLen(uint64(size), i))
			}
			if !VerifySegment(root, uint64(size), i, Segment(data, i), br) {
				t.Fatalf("size %d: segment %d does not verify", size, i)
			}
		}
		if _, err := tree.Branch(n); err == nil {
			t.Fatalf("size %d: a branch past the end", size)
		}
	}
	if SegmentRoot(nil) != ZeroHash {
		t.Error("the root of no data is not zero")
	}
}

// A segment does not verify at another index, with another size, with a
// flipped byte, a shortened or lengthened segment, or a wrong branch.
func TestVerifySegmentRefusesForgeries(t *testing.T) {
	data := make([]byte, 5*SegmentSize+100)
	for i := range data {
		data[i] = byte(i*7 + i/SegmentSize*13)
	}
	size := uint64(len(data))
	root := SegmentRoot(data)
	br, _ := SegmentBranch(data, 2)
	seg := Segment(data, 2)
	if !VerifySegment(root, size, 2, seg, br) {
		t.Fatal("the honest segment does not verify")
	}
	flipped := append([]byte(nil), seg...)
	flipped[10] ^= 1
	badBranch := append([]Hash(nil), br...)
	badBranch[0][0] ^= 1
	last, _ := SegmentBranch(data, 5)
	cases := map[string]bool{
		"other index":     VerifySegment(root, size, 3, seg, br),
		"other size":      VerifySegment(root, size+4*SegmentSize, 2, seg, br),
		"flipped byte":    VerifySegment(root, size, 2, flipped, br),
		"short segment":   VerifySegment(root, size, 2, seg[:SegmentSize-1], br),
		"wrong branch":    VerifySegment(root, size, 2, seg, badBranch),
		"short branch":    VerifySegment(root, size, 2, seg, br[:len(br)-1]),
		"long branch":     VerifySegment(root, size, 2, seg, append(br, br[0])),
		"past the end":    VerifySegment(root, size, 6, Segment(data, 5), last),
		"zero size":       VerifySegment(root, 0, 0, nil, nil),
		"above max size":  VerifySegment(root, MaxPoolSize+1, 0, seg, br),
		"last full-size":  VerifySegment(root, size, 5, seg, last),
		"last padded":     VerifySegment(root, size, 5, append(Segment(data, 5), 0), last),
		"other root":      VerifySegment(testHash(3), size, 2, seg, br),
		"huge index":      VerifySegment(root, size, ^uint32(0), seg, br),
		"nil branch safe": VerifySegment(root, size, 2, seg, nil),
	}
	for name, ok := range cases {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
	if !VerifySegment(root, size, 5, Segment(data, 5), last) {
		t.Error("the short last segment does not verify")
	}
}

// A refusal hash depends on the network, the pool and the redemption.
func TestRefusalHashBindsNetworkPoolAndRedemption(t *testing.T) {
	a := RefusalHash(Devnet, testHash(1), testHash(2))
	for _, b := range []Hash{RefusalHash(Mainnet, testHash(1), testHash(2)), RefusalHash(Devnet, testHash(3), testHash(2)),
		RefusalHash(Devnet, testHash(1), testHash(3))} {
		if a == b {
			t.Fatal("refusal hash collides")
		}
	}
}
