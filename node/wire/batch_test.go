package wire

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
)

// Batch verification is consensus: BatchVerify must accept a set exactly
// when Key.Verify accepts every item of it.

// curveN is the group order n, big-endian.
var curveN = [32]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41}

// sig (as bytes) of a valid item made from a seeded key.
type testSig struct {
	priv PrivKey
	pk   PubKey
	msg  Hash
	sig  Signature
}

func makeSigs(t testing.TB, rng *rand.Rand, n, keys int) []testSig {
	t.Helper()
	privs := make([]PrivKey, keys)
	for i := range privs {
		for {
			var seed [32]byte
			for j := range seed {
				seed[j] = byte(rng.Uint32())
			}
			k, err := PrivKeyFromBytes(seed[:])
			if err == nil {
				privs[i] = k
				break
			}
		}
	}
	out := make([]testSig, n)
	for i := range out {
		k := privs[rng.IntN(keys)]
		var msg Hash
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		out[i] = testSig{priv: k, pk: k.PubKey(), msg: msg, sig: k.Sign(msg)}
	}
	return out
}

// individually reports whether every (pk, msg, sig) verifies with
// Key.Verify (and Verify, which must agree), and builds the batch items;
// ok is false when a key does not lift (the batch cannot even be formed).
// The batches reuse signatures many times over: each distinct triple is
// verified one by one once (verdicts), which is most of these tests' time
// otherwise, tenfold under -race.
func individually(t testing.TB, sigs []testSig) (items []BatchItem, all, ok bool) {
	t.Helper()
	all, ok = true, true
	for _, s := range sigs {
		v := verdictOf(t, s)
		if !v.lifts {
			all, ok = false, false
			continue
		}
		all = all && v.valid
		items = append(items, BatchItem{Key: v.key, Msg: s.msg, Sig: s.sig})
	}
	return items, all, ok
}

type sigVerdict struct {
	key          *Key
	lifts, valid bool
}

var verdicts sync.Map // [128]byte (pk ‖ msg ‖ sig) → sigVerdict

func verdictOf(t testing.TB, s testSig) sigVerdict {
	t.Helper()
	var id [PubKeySize + HashSize + SigSize]byte
	copy(id[:], s.pk[:])
	copy(id[PubKeySize:], s.msg[:])
	copy(id[PubKeySize+HashSize:], s.sig[:])
	if v, ok := verdicts.Load(id); ok {
		return v.(sigVerdict)
	}
	var v sigVerdict
	k, err := ParseKey(s.pk)
	if err != nil {
		if Verify(s.pk, s.msg, s.sig) == nil {
			t.Fatalf("Verify accepts a key ParseKey refuses")
		}
	} else {
		v.key, v.lifts, v.valid = k, true, k.Verify(s.msg, s.sig) == nil
		if vv := Verify(s.pk, s.msg, s.sig) == nil; vv != v.valid {
			t.Fatalf("Verify %v, Key.Verify %v", vv, v.valid)
		}
	}
	verdicts.Store(id, v)
	return v
}

// checkBatch fails the test unless BatchVerify agrees with Key.Verify on
// sigs; it returns the batch's answer.
func checkBatch(t testing.TB, name string, sigs []testSig) bool {
	t.Helper()
	items, all, ok := individually(t, sigs)
	if !ok {
		return false
	}
	got := BatchVerify(items)
	if got != all {
		t.Fatalf("%s (%d items): BatchVerify %v, individual verification %v", name, len(items), got, all)
	}
	return got
}

func TestBatchVerifyVectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	valid := makeSigs(t, rng, 40, 7)
	var vecs []testSig
	for _, v := range bip340Vectors {
		var s testSig
		unhex(t, v.pk, s.pk[:])
		unhex(t, v.msg, s.msg[:])
		unhex(t, v.sig, s.sig[:])
		vecs = append(vecs, s)
		// Alone.
		if _, err := ParseKey(s.pk); err != nil {
			if v.ok {
				t.Fatalf("vector %s: key does not lift", v.pk)
			}
			continue
		}
		if got := checkBatch(t, "vector alone", []testSig{s}); got != v.ok {
			t.Fatalf("vector %s/%s: batch %v, BIP340 says %v", v.pk[:8], v.sig[:8], got, v.ok)
		}
		// At every position of a batch of valid signatures, first included.
		for _, pos := range []int{0, 1, 17, 39} {
			batch := append([]testSig(nil), valid...)
			batch = append(batch[:pos], append([]testSig{s}, batch[pos:]...)...)
			if got := checkBatch(t, "vector in batch", batch); got != v.ok {
				t.Fatalf("vector %s/%s at %d: batch %v, BIP340 says %v", v.pk[:8], v.sig[:8], pos, got, v.ok)
			}
		}
	}
	// All the valid vectors together, and with the valid signatures.
	var good []testSig
	for i, v := range bip340Vectors {
		if v.ok {
			good = append(good, vecs[i])
		}
	}
	if !checkBatch(t, "valid vectors", good) || !checkBatch(t, "valid vectors and sigs", append(good, valid...)) {
		t.Fatal("valid vectors refused")
	}
}

func TestBatchVerifyValidSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pool := makeSigs(t, rng, 300, 60)
	items, all, _ := individually(t, pool)
	if !all {
		t.Fatal("a fresh signature does not verify")
	}
	for n := 1; n <= 300; n++ {
		start := rng.IntN(len(items) - n + 1)
		if !raceSize(n) {
			continue
		}
		if !BatchVerify(items[start : start+n]) {
			t.Fatalf("a valid batch of %d refused", n)
		}
	}
	// Every item by its own key (no key shared), and all by one key.
	distinct := makeSigs(t, rng, 50, 50)
	one := makeSigs(t, rng, 50, 1)
	if !checkBatch(t, "distinct keys", distinct) || !checkBatch(t, "one key", one) {
		t.Fatal("valid batch refused")
	}
	if !BatchVerify(nil) {
		t.Fatal("the empty batch refused")
	}
}

// raceSize reports whether TestBatchVerifyValidSizes tries batches of n
// items: always in the normal suite; under -race the small sizes, those
// where Pippenger's window changes (n items make up to 2n points) and a
// sample of the rest.
func raceSize(n int) bool {
	if !raceEnabled || n <= 24 || n%13 == 0 || n == 300 {
		return true
	}
	return pippengerWindow(n) != pippengerWindow(n-1) || pippengerWindow(2*n) != pippengerWindow(2*n-2)
}

// raceReps is n in the normal suite and 1 under -race.
func raceReps(n int) int {
	if raceEnabled {
		return 1
	}
	return n
}

// tamperings are single-signature changes; each returns the changed item.
var tamperings = []struct {
	name string
	f    func(rng *rand.Rand, s testSig) testSig
}{
	{"flip bit of s", func(rng *rand.Rand, s testSig) testSig {
		s.sig[32+rng.IntN(32)] ^= 1 << rng.IntN(8)
		return s
	}},
	{"flip bit of r", func(rng *rand.Rand, s testSig) testSig {
		s.sig[rng.IntN(32)] ^= 1 << rng.IntN(8)
		return s
	}},
	{"flip bit of message", func(rng *rand.Rand, s testSig) testSig {
		s.msg[rng.IntN(32)] ^= 1 << rng.IntN(8)
		return s
	}},
	{"flip bit of key", func(rng *rand.Rand, s testSig) testSig {
		s.pk[rng.IntN(32)] ^= 1 << rng.IntN(8)
		return s
	}},
	{"s = all ones (≥ n)", func(rng *rand.Rand, s testSig) testSig {
		for j := 32; j < 64; j++ {
			s.sig[j] = 0xff
		}
		return s
	}},
	{"s + 1 + n", func(rng *rand.Rand, s testSig) testSig { // ≥ n and wrong mod n, when no wrap
		s = addN(s)
		s.sig[63]++
		return s
	}},
	{"r = all ones (≥ p)", func(rng *rand.Rand, s testSig) testSig {
		for j := 0; j < 32; j++ {
			s.sig[j] = 0xff
		}
		return s
	}},
	{"r = p", func(rng *rand.Rand, s testSig) testSig {
		copy(s.sig[:32], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f})
		return s
	}},
	{"r not on the curve", func(rng *rand.Rand, s testSig) testSig {
		for {
			var x btcec.FieldVal
			x.SetByteSlice(s.sig[:32])
			var y btcec.FieldVal
			if !btcec.DecompressY(&x, false, &y) {
				return s
			}
			s.sig[31]++
		}
	}},
	{"r = 0", func(rng *rand.Rand, s testSig) testSig {
		clear(s.sig[:32])
		return s
	}},
	{"negated s", func(rng *rand.Rand, s testSig) testSig {
		var v btcec.ModNScalar
		v.SetByteSlice(s.sig[32:])
		v.Negate()
		b := v.Bytes()
		copy(s.sig[32:], b[:])
		return s
	}},
	{"zero s", func(rng *rand.Rand, s testSig) testSig {
		clear(s.sig[32:])
		return s
	}},
	{"signed by another key", func(rng *rand.Rand, s testSig) testSig {
		var seed [32]byte
		seed[5] = byte(rng.Uint32()) | 1
		k, _ := PrivKeyFromBytes(seed[:])
		s.sig = k.Sign(s.msg)
		return s
	}},
}

// addN returns s with n added to its s (mod 2^256).
func addN(s testSig) testSig {
	var carry uint16
	for j := 31; j >= 0; j-- {
		v := uint16(s.sig[32+j]) + uint16(curveN[j]) + carry
		s.sig[32+j], carry = byte(v), v>>8
	}
	return s
}

func TestBatchVerifyTampering(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range []int{1, 2, 3, 16, 40, 129} {
		sigs := makeSigs(t, rng, size, max(1, size/4))
		for _, tm := range tamperings {
			for rep := 0; rep < raceReps(3); rep++ {
				pos := rng.IntN(size)
				batch := append([]testSig(nil), sigs...)
				batch[pos] = tm.f(rng, batch[pos])
				if checkBatch(t, tm.name, batch) {
					// Only possible when the change is a no-op for the verifier.
					t.Fatalf("%s at %d of %d: batch accepted", tm.name, pos, size)
				}
			}
		}
		if size < 2 {
			continue
		}
		i, j := rng.IntN(size), rng.IntN(size-1)
		if j >= i {
			j++
		}
		// Swapped signatures between two items.
		batch := append([]testSig(nil), sigs...)
		batch[i].sig, batch[j].sig = batch[j].sig, batch[i].sig
		if checkBatch(t, "swapped signatures", batch) {
			t.Fatal("swapped signatures accepted")
		}
		// The same R reused: item j gets item i's r.
		batch = append([]testSig(nil), sigs...)
		copy(batch[j].sig[:32], batch[i].sig[:32])
		if checkBatch(t, "R reused", batch) {
			t.Fatal("reused R accepted")
		}
		// One signature twice (a valid set: duplicates are fine).
		batch = append([]testSig(nil), sigs...)
		batch[j] = batch[i]
		if !checkBatch(t, "duplicate", batch) {
			t.Fatal("duplicate refused")
		}
		// Two errors that cancel without randomizers: s_i + 1, s_j − 1
		// (same key, so that also e·P terms could not differ).
		batch = append([]testSig(nil), sigs...)
		batch[j].priv, batch[j].pk = batch[i].priv, batch[i].pk
		batch[j].sig = batch[j].priv.Sign(batch[j].msg)
		var one, si, sj btcec.ModNScalar
		one.SetInt(1)
		si.SetByteSlice(batch[i].sig[32:])
		sj.SetByteSlice(batch[j].sig[32:])
		si.Add(&one)
		one.Negate()
		sj.Add(&one)
		bi, bj := si.Bytes(), sj.Bytes()
		copy(batch[i].sig[32:], bi[:])
		copy(batch[j].sig[32:], bj[:])
		if checkBatch(t, "cancelling errors", batch) {
			t.Fatal("cancelling errors accepted")
		}
	}
}

// Key.Verify takes s mod n (btcec's ParseSignature does not reject s ≥ n),
// and so does the batch: a signature with s replaced by s + n would be
// accepted by both, and refusing it in batches only would split the chain on
// the batch threshold. Such a signature needs a valid s below 2^256 − n
// (≈ 2^128.3), which no one can produce, so here s + n wraps mod 2^256 and
// both refuse; the point is that they agree, with s ≥ n at every position.
func TestBatchVerifySPlusN(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sigs := makeSigs(t, rng, 200, 20)
	for i := range sigs {
		if raceEnabled && i > 24 && i%8 != 0 {
			continue // under -race every position of a short batch, then a sample
		}
		batch := append([]testSig(nil), sigs[max(0, i-20):i+1]...)
		batch[len(batch)-1] = addN(batch[len(batch)-1])
		checkBatch(t, "s+n", batch)
	}
}

// A seeded property test: random mixes of valid and tampered items, batch
// against individual verification.
func TestBatchVerifyMatchesIndividual(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pool := makeSigs(t, rng, 400, 30)
	rounds := 300
	if testing.Short() || raceEnabled {
		rounds = 50
	}
	for r := 0; r < rounds; r++ {
		n := 1 + rng.IntN(60)
		batch := make([]testSig, n)
		for i := range batch {
			batch[i] = pool[rng.IntN(len(pool))]
		}
		// No change, one, or a few.
		for c := rng.IntN(4) - 1; c > 0; c-- {
			i := rng.IntN(n)
			batch[i] = tamperings[rng.IntN(len(tamperings))].f(rng, batch[i])
		}
		if rng.IntN(5) == 0 {
			i := rng.IntN(n)
			batch[i] = addN(batch[i])
		}
		checkBatch(t, "random mix", batch)
	}
}

// multiScalarMult against the sum of single scalar multiplications,
// including edge scalars.
func TestMultiScalarMult(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	edge := func(i int) btcec.ModNScalar {
		var k btcec.ModNScalar
		switch i % 7 {
		case 0:
		case 1:
			k.SetInt(1)
		case 2:
			k.SetInt(1)
			k.Negate() // n − 1
		case 3:
			var b [32]byte
			b[0] = 0x80
			k.SetBytes(&b)
		case 4:
			k.SetInt(uint32(rng.Uint32()))
		default:
			var b [32]byte
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			k.SetBytes(&b)
		}
		return k
	}
	for _, n := range []int{1, 2, 3, 5, 17, 64, 300, 1100} {
		pts := make([]btcec.JacobianPoint, n)
		ks := make([]btcec.ModNScalar, n)
		var want btcec.JacobianPoint
		for i := range pts {
			var seed btcec.ModNScalar
			seed.SetInt(uint32(rng.Uint32()) | 1)
			btcec.ScalarBaseMultNonConst(&seed, &pts[i])
			pts[i].ToAffine()
			if i > 0 && i%5 == 0 {
				pts[i] = pts[i-1] // repeated points
			}
			ks[i] = edge(rng.IntN(100))
			var kp btcec.JacobianPoint
			btcec.ScalarMultNonConst(&ks[i], &pts[i], &kp)
			btcec.AddNonConst(&want, &kp, &want)
		}
		var got btcec.JacobianPoint
		multiScalarMult(pts, ks, &got)
		if isInfinity(&want) != isInfinity(&got) || (!isInfinity(&want) && !want.EquivalentNonConst(&got)) {
			t.Fatalf("n = %d: multiScalarMult differs from the sum of products", n)
		}
	}
	// P and −P with equal scalars: the point at infinity.
	var p, q btcec.JacobianPoint
	var k btcec.ModNScalar
	k.SetInt(12345)
	btcec.ScalarBaseMultNonConst(&k, &p)
	p.ToAffine()
	q.Set(&p)
	q.Y.Negate(1).Normalize()
	var got btcec.JacobianPoint
	multiScalarMult([]btcec.JacobianPoint{p, q}, []btcec.ModNScalar{k, k}, &got)
	if !isInfinity(&got) {
		t.Fatal("k·P + k·(−P) is not the point at infinity")
	}
}

func TestSignedDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for c := 1; c <= 16; c++ {
		for r := 0; r < 50; r++ {
			var b [32]byte
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			if r == 0 {
				b = curveN
				b[31]-- // n − 1
			}
			var k btcec.ModNScalar
			k.SetBytes(&b)
			w := 256/c + 1
			d := make([]int32, w)
			signedDigits(&k, c, d)
			// Σ d_j 2^(cj) mod n must be k.
			var sum, pow, two btcec.ModNScalar
			pow.SetInt(1)
			two.SetInt(1 << c)
			for _, dj := range d {
				if dj > 1<<(c-1) || dj < -(1<<(c-1)) {
					t.Fatalf("c = %d: digit %d out of range", c, dj)
				}
				var v btcec.ModNScalar
				if dj >= 0 {
					v.SetInt(uint32(dj))
				} else {
					v.SetInt(uint32(-dj))
					v.Negate()
				}
				sum.Add(v.Mul(&pow))
				pow.Mul(&two)
			}
			if !sum.Equals(&k) {
				t.Fatalf("c = %d: digits do not add up to k", c)
			}
		}
	}
}

func FuzzBatchVerify(f *testing.F) {
	rng := rand.New(rand.NewPCG(17, 18))
	pool := makeSigs(f, rng, 24, 5)
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), uint8(8))
	f.Add(uint8(3), uint8(33), uint8(1), uint8(0), uint8(24))
	f.Add(uint8(5), uint8(70), uint8(128), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, pos, at, xor, kind, size uint8) {
		n := 1 + int(size)%len(pool)
		batch := append([]testSig(nil), pool[:n]...)
		i := int(pos) % n
		switch kind % 4 {
		case 0: // a byte of the signature
			batch[i].sig[int(at)%SigSize] ^= xor
		case 1: // a byte of the message
			batch[i].msg[int(at)%32] ^= xor
		case 2: // a byte of the key
			batch[i].pk[int(at)%32] ^= xor
		case 3: // s + n, then a byte
			batch[i] = addN(batch[i])
			batch[i].sig[int(at)%SigSize] ^= xor
		}
		checkBatch(t, "fuzz", batch)
	})
}

func BenchmarkBatchVerify(b *testing.B) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{16, 64, 500} {
		sigs := makeSigs(b, rng, n, max(1, n/2))
		items, _, _ := individually(b, sigs)
		b.Run("batch/"+itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !BatchVerify(items) {
					b.Fatal("refused")
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "sigs/s")
		})
		b.Run("single/"+itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for _, it := range items {
					if it.Key.Verify(it.Msg, it.Sig) != nil {
						b.Fatal("refused")
					}
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
