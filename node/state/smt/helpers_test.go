package smt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/bitverse/bitverse/node/wire"
)

// env runs work against a store: a MemStore, or a bucket of a bbolt file
// with one transaction per call.
type env interface {
	update(fn func(s NodeStore) error) error
	view(fn func(s NodeStore) error) error
}

type memEnv struct{ s NodeStore }

func (e memEnv) update(fn func(NodeStore) error) error { return fn(e.s) }
func (e memEnv) view(fn func(NodeStore) error) error   { return fn(e.s) }

type boltEnv struct {
	db     *bbolt.DB
	bucket []byte
}

func (e boltEnv) update(fn func(NodeStore) error) error {
	return e.db.Update(func(tx *bbolt.Tx) error {
		s, err := NewBoltStore(tx, e.bucket)
		if err != nil {
			return err
		}
		return fn(s)
	})
}

func (e boltEnv) view(fn func(NodeStore) error) error {
	return e.db.View(func(tx *bbolt.Tx) error {
		s, err := NewBoltStore(tx, e.bucket)
		if err != nil {
			return err
		}
		return fn(s)
	})
}

// openBolt opens a bbolt file in a temporary directory, closed at cleanup.
func openBolt(t testing.TB) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "smt.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// envs returns one env of each store kind.
func envs(t testing.TB) []struct {
	name string
	e    env
} {
	return []struct {
		name string
		e    env
	}{
		{"mem", memEnv{NewMemStore()}},
		{"bolt", boltEnv{openBolt(t), []byte("tree")}},
	}
}

// h returns a hash whose last bytes are b (for readable test vectors).
func h(b ...byte) wire.Hash {
	var x wire.Hash
	copy(x[wire.HashSize-len(b):], b)
	return x
}

// hb returns a hash whose first bytes are b.
func hb(b ...byte) wire.Hash {
	var x wire.Hash
	copy(x[:], b)
	return x
}

func randHash(r *rand.Rand) wire.Hash {
	var x wire.Hash
	for i := 0; i < wire.HashSize; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			x[i+j] = byte(v >> (8 * j))
		}
	}
	return x
}

// flipBit returns x with bit i (MSB first) flipped.
func flipBit(x wire.Hash, i int) wire.Hash {
	x[i>>3] ^= 0x80 >> uint(i&7)
	return x
}

// modelUpdates returns the model as a batch in a random order.
func modelUpdates(m map[wire.Hash]wire.Hash, r *rand.Rand) []Update {
	ups := make([]Update, 0, len(m))
	for k, v := range m {
		ups = append(ups, Update{k, v})
	}
	slices.SortFunc(ups, func(a, b Update) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	r.Shuffle(len(ups), func(i, j int) { ups[i], ups[j] = ups[j], ups[i] })
	return ups
}

// applyModel applies ups to m in order.
func applyModel(m map[wire.Hash]wire.Hash, ups []Update) {
	for _, u := range ups {
		if u.Value.IsZero() {
			delete(m, u.Key)
		} else {
			m[u.Key] = u.Value
		}
	}
}

// checkTree runs Check under root and returns the tree's leaves in order.
func checkTree(s NodeStore, root wire.Hash) ([]Update, error) {
	n, err := Check(s, root)
	if err != nil {
		return nil, err
	}
	var leaves []Update
	err = Walk(s, root, func(k, v wire.Hash) error {
		leaves = append(leaves, Update{k, v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n != len(leaves) {
		return nil, fmt.Errorf("Check counts %d leaves, Walk %d", n, len(leaves))
	}
	return leaves, nil
}

// sortedModel returns the model as updates sorted by key.
func sortedModel(m map[wire.Hash]wire.Hash) []Update {
	out := make([]Update, 0, len(m))
	for k, v := range m {
		out = append(out, Update{k, v})
	}
	slices.SortFunc(out, func(a, b Update) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	return out
}

// bs returns h as a byte slice.
func bs(h wire.Hash) []byte { return h[:] }
