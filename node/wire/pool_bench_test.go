package wire

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPoolAnswerVerify is the cost of one challenge answer for a 20 MiB
// blob (20,480 segments, branches of 15 hashes): the time VerifySegment
// takes per answer, and the answer's size (body and whole transaction),
// with the largest possible answer (a 16 GiB blob, 24 hashes) for scale.
func BenchmarkPoolAnswerVerify(b *testing.B) {
	data := make([]byte, 20<<20)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tree := NewSegmentTree(data)
	root, size := tree.Root(), uint64(len(data))
	n := uint32(SegmentCount(size))
	type ans struct {
		i   uint32
		seg []byte
		br  []Hash
	}
	answers := make([]ans, 256)
	for k := range answers {
		i := uint32(rng.Uint32N(n - 1)) // not the last: every branch has 15 hashes
		br, _ := tree.Branch(i)
		answers[k] = ans{i, Segment(data, i), br}
	}
	key := testKey(b, 1)
	a := answers[0]
	tx := NewTx(RootChain, PoolAnswer{Pool: testHash(1), Epoch: 1 << 20, Index: a.i, Segment: a.seg, Branch: a.br}, 1<<20, 20_000)
	tx.Sign(Devnet, key)
	w := NewWriter(0)
	tx.Body.encode(w)
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		a := answers[k%len(answers)]
		if !VerifySegment(root, size, a.i, a.seg, a.br) {
			b.Fatal("an honest answer does not verify")
		}
	}
	b.ReportMetric(float64(len(a.br)), "branch_hashes")
	b.ReportMetric(float64(len(w.Bytes())), "answer_body_bytes")
	b.ReportMetric(float64(tx.Size()), "answer_tx_bytes")
	b.ReportMetric(float64(MaxPoolAnswerBodySize), "max_answer_body_bytes")
}
