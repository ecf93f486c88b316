package wire

import (
	"fmt"
	"strings"
)

// Keyspace transaction types. A keyspace is the first segment of a
// key ("erik" in erik/photos/1) or, for a sub-keyspace, the first segments
// ("erik/blog"). Its owner attaches an access script that every write into
// it must pass.
const (
	TxKeyspaceBuy      TxType = 3 // buy a free keyspace, or create a sub-keyspace of one you own
	TxKeyspaceScript   TxType = 4 // replace the access script (if the current script allows)
	TxKeyspaceTransfer TxType = 5 // give the keyspace to another account
)

// Limits of keyspaces.
const (
	MaxKeyspaceName = 128
	MaxScriptSize   = 32 << 10
	// PublicKeyspace is open to everyone and has no script.
	PublicKeyspace = "public"
)

// KeyspaceBuy buys Name with Script attached. MaxPrice is the most the buyer
// agrees to pay; the price rule decides what is actually charged.
type KeyspaceBuy struct {
	Name     string
	Script   []byte
	MaxPrice uint64
}

// KeyspaceScript replaces Name's access script.
type KeyspaceScript struct {
	Name   string
	Script []byte
}

// KeyspaceTransfer gives Name to To.
type KeyspaceTransfer struct {
	Name string
	To   PubKey
}

// TxType implements Body.
func (KeyspaceBuy) TxType() TxType { return TxKeyspaceBuy }

// TxType implements Body.
func (KeyspaceScript) TxType() TxType { return TxKeyspaceScript }

// TxType implements Body.
func (KeyspaceTransfer) TxType() TxType { return TxKeyspaceTransfer }

func (b KeyspaceBuy) encode(w *Writer) {
	w.String(b.Name)
	w.VarBytes(b.Script)
	w.U64(b.MaxPrice)
}
func (b KeyspaceScript) encode(w *Writer) { w.String(b.Name); w.VarBytes(b.Script) }
func (b KeyspaceTransfer) encode(w *Writer) {
	w.String(b.Name)
	w.Fixed(b.To[:])
}

func decodeKeyspaceBody(t TxType, r *Reader) Body {
	switch t {
	case TxKeyspaceBuy:
		return KeyspaceBuy{Name: r.String(MaxKeyspaceName, "keyspace"), Script: r.VarBytes(MaxScriptSize, "script"), MaxPrice: r.U64()}
	case TxKeyspaceScript:
		return KeyspaceScript{Name: r.String(MaxKeyspaceName, "keyspace"), Script: r.VarBytes(MaxScriptSize, "script")}
	case TxKeyspaceTransfer:
		var b KeyspaceTransfer
		b.Name = r.String(MaxKeyspaceName, "keyspace")
		copy(b.To[:], r.Fixed(PubKeySize))
		return b
	}
	return nil
}

// ValidKeyspaceName checks a keyspace name: one or more key segments (so it
// follows ValidKey), at most 128 bytes, and not "public" or under it.
func ValidKeyspaceName(name string) error {
	if err := ValidKey(name); err != nil {
		return fmt.Errorf("keyspace name: %w", err)
	}
	if len(name) > MaxKeyspaceName {
		return fmt.Errorf("%w: keyspace name of %d bytes (max %d)", ErrMalformed, len(name), MaxKeyspaceName)
	}
	if name == PublicKeyspace || strings.HasPrefix(name, PublicKeyspace+"/") {
		return fmt.Errorf("%w: %q is the open keyspace; nobody can own it", ErrMalformed, name)
	}
	return nil
}

// KeyspaceOf returns the top-level keyspace of a key: its first segment.
func KeyspaceOf(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return key
}

// KeyspaceCandidates returns the keyspace names that could govern key, most
// specific first: "erik/blog/1" → ["erik/blog", "erik"]. The key itself is
// never its own keyspace.
func KeyspaceCandidates(key string) []string {
	var out []string
	for i := len(key) - 1; i > 0; i-- {
		if key[i] == '/' {
			out = append(out, key[:i])
		}
	}
	return out
}
