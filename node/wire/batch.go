package wire

import (
	crand "crypto/rand"
	"crypto/sha256"
	"math/rand/v2"

	"github.com/btcsuite/btcd/btcec/v2"
)

// BatchItem is one signature for BatchVerify: Sig over Msg by Key.
type BatchItem struct {
	Key *Key
	Msg Hash
	Sig Signature
}

// BatchVerify checks the signatures of items together (BIP340 "Batch
// Verification"). It returns true only if every item's signature verifies;
// when it returns false, at least one does not (find which with Key.Verify).
//
// It accepts exactly what Key.Verify accepts item by item, with one
// difference that is the nature of batch verification: a set holding an
// invalid signature is accepted with probability at most about 2^-128 (the
// randomizers come from crypto/rand, unknown to whoever made the signatures).
// Like Key.Verify (and btcec's schnorr.ParseSignature), s is taken mod n and
// r must be below the field prime.
//
// The check, with a_1 = 1 and a_2..a_u random in [1, n-1]:
//
//	(Σ a_i s_i)·G = Σ a_i·R_i + Σ (a_i e_i)·P_i
//
// where R_i = lift_x(r_i) (even y) and e_i is the BIP340 challenge. The right
// side is one multi-scalar multiplication (Pippenger's bucket method) over the
// R_i and the distinct keys (the scalars of a key signing several items are
// summed), so its doublings are shared and each point costs about one mixed
// addition per window instead of a full scalar multiplication.
func BatchVerify(items []BatchItem) bool {
	var seed [32]byte
	crand.Read(seed[:]) // never fails (Go ≥ 1.24: it crashes the program instead)
	return batchVerify(items, rand.NewChaCha8(seed))
}

// randScalar returns a uniformly random scalar in [1, n-1] (a 256-bit value
// reduced mod n; the bias is below 2^-127, irrelevant for randomizers).
func randScalar(rng *rand.ChaCha8) btcec.ModNScalar {
	var b [32]byte
	var a btcec.ModNScalar
	for {
		rng.Read(b[:])
		a.SetBytes(&b)
		if !a.IsZero() {
			return a
		}
	}
}

// challenge returns e = int(tagged_hash("BIP0340/challenge", r ‖ P ‖ m)) mod n,
// exactly as Key.Verify computes it.
func challenge(r []byte, pk *PubKey, msg *Hash) btcec.ModNScalar {
	var pre [5 * 32]byte
	copy(pre[0:], challengeTag[:])
	copy(pre[32:], challengeTag[:])
	copy(pre[64:], r)
	copy(pre[96:], pk[:])
	copy(pre[128:], msg[:])
	commitment := sha256.Sum256(pre[:])
	var e btcec.ModNScalar
	e.SetBytes(&commitment)
	return e
}

func batchVerify(items []BatchItem, rng *rand.ChaCha8) bool {
	if len(items) == 0 {
		return true
	}
	pts := make([]btcec.JacobianPoint, 0, 2*len(items)) // affine (Z = 1)
	scalars := make([]btcec.ModNScalar, 0, 2*len(items))
	keyAt := make(map[PubKey]int, len(items)) // index in pts of each key
	var sSum btcec.ModNScalar
	for i := range items {
		it := &items[i]
		if it.Key == nil {
			return false
		}
		// r < p, R = lift_x(r) with even y (fails if r is not on the curve).
		var R btcec.JacobianPoint
		if overflow := R.X.SetByteSlice(it.Sig[:32]); overflow {
			return false
		}
		if !btcec.DecompressY(&R.X, false, &R.Y) {
			return false
		}
		R.Z.SetInt(1)
		// s mod n, as Key.Verify takes it.
		var s btcec.ModNScalar
		s.SetByteSlice(it.Sig[32:])
		e := challenge(it.Sig[:32], &it.Key.pk, &it.Msg)

		var a btcec.ModNScalar
		if i == 0 {
			a.SetInt(1)
		} else {
			a = randScalar(rng)
		}
		sSum.Add(s.Mul(&a))
		pts = append(pts, R)
		scalars = append(scalars, a)
		e.Mul(&a)
		if j, ok := keyAt[it.Key.pk]; ok {
			scalars[j].Add(&e)
		} else {
			keyAt[it.Key.pk] = len(pts)
			pts = append(pts, it.Key.p)
			scalars = append(scalars, e)
		}
	}
	// T = Σ scalars_j·pts_j − (Σ a_i s_i)·G must be the point at infinity.
	var T, sG btcec.JacobianPoint
	multiScalarMult(pts, scalars, &T)
	sSum.Negate()
	btcec.ScalarBaseMultNonConst(&sSum, &sG)
	btcec.AddNonConst(&T, &sG, &T)
	return isInfinity(&T)
}

func isInfinity(p *btcec.JacobianPoint) bool {
	return (p.X.IsZero() && p.Y.IsZero()) || p.Z.IsZero()
}

// Costs, in field multiplications, used to choose Pippenger's window.
const (
	costMixedAdd = 11 // Jacobian + affine: 7M + 4S
	costAdd      = 16 // Jacobian + Jacobian: 11M + 5S
	costDouble   = 7  // 3M + 4S
)

// pippengerWindow returns the window width (bits) minimizing the cost of a
// multi-scalar multiplication of n points by 256-bit scalars.
func pippengerWindow(n int) int {
	best, bestCost := 1, -1
	for c := 1; c <= 16; c++ {
		w := 256/c + 1 // windows: w·c ≥ 257, room for the signed digits' carry
		cost := w * (n*costMixedAdd + (1<<(c-1))*2*costAdd + c*costDouble)
		if bestCost < 0 || cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best
}

// signedDigits writes the signed base-2^c digits of k (d_j ∈ [−2^(c−1),
// 2^(c−1)], k = Σ d_j 2^(cj)) into out, w = len(out) digits with w·c ≥ 257.
func signedDigits(k *btcec.ModNScalar, c int, out []int32) {
	b := k.Bytes() // big-endian
	var limbs [5]uint64
	for i := 0; i < 4; i++ {
		for j := 0; j < 8; j++ {
			limbs[i] |= uint64(b[31-8*i-j]) << (8 * j)
		}
	}
	mask := uint64(1)<<c - 1
	half := int32(1) << (c - 1)
	var carry int32
	for j := range out {
		bit := j * c
		var v uint64
		if bit < 256 {
			li, off := bit/64, bit%64
			v = limbs[li] >> off
			if off+c > 64 {
				v |= limbs[li+1] << (64 - off)
			}
			v &= mask
		}
		d := int32(v) + carry
		carry = 0
		if d > half {
			d -= 1 << c
			carry = 1
		}
		out[j] = d
	}
	// With w·c ≥ 257 the top digit is at most 2^(c−1) − 1 + carry ≤ 2^(c−1),
	// so no carry is left over.
}

// multiScalarMult sets out = Σ k_i·P_i (Pippenger's bucket method with signed
// digits). The points must be affine (Z = 1) and normalized.
func multiScalarMult(pts []btcec.JacobianPoint, ks []btcec.ModNScalar, out *btcec.JacobianPoint) {
	n := len(pts)
	c := pippengerWindow(n)
	w := 256/c + 1
	digits := make([]int32, n*w)
	neg := make([]btcec.JacobianPoint, n)
	for i := range pts {
		signedDigits(&ks[i], c, digits[i*w:(i+1)*w])
		neg[i].Set(&pts[i])
		neg[i].Y.Negate(1).Normalize()
	}
	buckets := make([]btcec.JacobianPoint, 1<<(c-1))
	var acc btcec.JacobianPoint // infinity
	for j := w - 1; j >= 0; j-- {
		for t := 0; t < c; t++ {
			btcec.DoubleNonConst(&acc, &acc)
		}
		for b := range buckets {
			buckets[b] = btcec.JacobianPoint{}
		}
		for i := 0; i < n; i++ {
			d := digits[i*w+j]
			switch {
			case d > 0:
				btcec.AddNonConst(&buckets[d-1], &pts[i], &buckets[d-1])
			case d < 0:
				btcec.AddNonConst(&buckets[-d-1], &neg[i], &buckets[-d-1])
			}
		}
		// Σ (b+1)·bucket_b by running sums, from the top bucket down.
		var running, sum btcec.JacobianPoint
		for b := len(buckets) - 1; b >= 0; b-- {
			btcec.AddNonConst(&running, &buckets[b], &running)
			btcec.AddNonConst(&sum, &running, &sum)
		}
		btcec.AddNonConst(&acc, &sum, &acc)
	}
	out.Set(&acc)
}
