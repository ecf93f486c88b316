package main

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// fill sets every exported field reachable from v to a non-zero value, so
// that no field hides behind omitempty.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{1, 2, 3})
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkStyle walks decoded JSON: every key snake_case, no bytes as an
// array of numbers (a key, hash or signature must be a hex string).
func checkStyle(t *testing.T, what, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !snake.MatchString(k) {
				t.Errorf("%s: key %s.%s is not snake_case", what, path, k)
			}
			checkStyle(t, what, path+"."+k, e)
		}
	case []any:
		numbers := len(x) > 1
		for _, e := range x {
			if _, ok := e.(float64); !ok {
				numbers = false
			}
			checkStyle(t, what, path+"[]", e)
		}
		if numbers {
			t.Errorf("%s: %s is an array of numbers (bytes?), not hex", what, path)
		}
	}
}

// TestJSONStyle: every type a --json output prints has snake_case keys and
// hex for bytes.
func TestJSONStyle(t *testing.T) {
	outputs := map[string]any{
		"status":           &statusOut{},
		"tx":               &node.TxInfo{},
		"tx decode":        &decodedTx{},
		"block":            &node.BlockInfo{},
		"get":              &getOut{},
		"keys":             &[]string{},
		"keyspace show":    &node.KeyspaceInfo{},
		"keyspace list":    &[]node.KeyspaceInfo{},
		"credit":           &node.CreditInfo{},
		"tree":             &node.Tree{},
		"wallet list":      &[]accountOut{},
		"wallet balance":   &node.AccountInfo{},
		"wallet history":   &[]node.TxInfo{},
		"peers":            &[]node.PeerInfo{},
		"plan":             &plan.Plan{},
		"put --wait":       &node.TxInfo{},
		"blob (get --out)": &node.BlobInfo{},
		"relay":            &relayStatusOut{Record: &node.RelayInfo{}, Relaying: &relayingOut{Jobs: []market.RelayJob{{}}, Draws: []market.Draw{{}}}},
		"relay show":       &node.RelayInfo{},
		"mine":             &mineOut{Relaying: &relayingOut{Jobs: []market.RelayJob{{}}, Draws: []market.Draw{{}}}},
		"relay list":       &[]node.RelayInfo{},
		"bounty show":      &node.BountyInfo{Lineup: []node.SlotInfo{{}}, Jury: []node.SlotInfo{{}}},
	}
	for what, v := range outputs {
		fill(reflect.ValueOf(v))
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var dec any
		if err := json.Unmarshal(b, &dec); err != nil {
			t.Fatal(err)
		}
		checkStyle(t, what, "", dec)
	}
	// Bytes are hex, and read back.
	ti := node.TxInfo{Raw: []byte{0xde, 0xad}, Sig: []byte{0xbe, 0xef}}
	b, _ := json.Marshal(ti)
	if !strings.Contains(string(b), `"raw":"dead"`) || !strings.Contains(string(b), `"sig":"beef"`) {
		t.Fatalf("raw and sig not hex: %s", b)
	}
	var back node.TxInfo
	if err := json.Unmarshal(b, &back); err != nil || string(back.Raw) != "\xde\xad" {
		t.Fatalf("hex does not read back: %v %x", err, back.Raw)
	}
}

// TestTxDecode decodes a raw transaction without a node: its ID, sender,
// signature and signature hash in hex, and whether the signature verifies;
// a flipped signature bit is reported invalid; junk is refused with a
// sentence.
func TestTxDecode(t *testing.T) {
	t.Parallel() // its own data directories and processes
	p := consensus.Devnet()
	k, err := wire.NewPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	tx := wire.NewTx(wire.RootChain, wire.Put{Key: "public/decode", Value: []byte("v")}, 3, 0)
	p.SetMinFee(tx)
	tx.Sign(p.Net, k)
	raw := tx.Encode()
	dir := t.TempDir()
	decode := func(raw []byte) (map[string]any, int) {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, "tx", "decode", hex.EncodeToString(raw), "--json")
		if code != 0 {
			return nil, code
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %s %s", err, out, stderr)
		}
		checkStyle(t, "tx decode", "", m)
		return m, code
	}
	m, code := decode(raw)
	want := map[string]any{"id": tx.ID().String(), "type": "put", "from": wire.EncodeAddress(p.Net, k.PubKey()),
		"sig": hex.EncodeToString(tx.Sig[:]), "sig_hash": tx.SigHash(p.Net).String(), "raw": hex.EncodeToString(raw),
		"nonce": 3.0, "key": "public/decode", "verified": true}
	for f, v := range want {
		if code != 0 || m[f] != v {
			t.Errorf("tx decode: %s = %v, want %v (exit %d)", f, m[f], v, code)
		}
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)-1] ^= 1 // the signature ends the encoding
	if m, code := decode(bad); code != 0 || m["verified"] != false {
		t.Errorf("a flipped signature bit: exit %d, verified %v", code, m["verified"])
	}
	if _, stderr, code := cli(t, dir, nil, "tx", "decode", "zz"); code == 0 || !strings.Contains(stderr, "not hex") {
		t.Errorf("junk: exit %d, %q", code, stderr)
	}
	if _, stderr, code := cli(t, dir, nil, "tx", "decode", "0102"); code == 0 || !strings.Contains(stderr, "not a transaction") {
		t.Errorf("short: exit %d, %q", code, stderr)
	}
}

// TestWalletListJSON: wallet list --json prints snake_case keys and the
// public key in hex (it printed Go field names and 32 integers).
func TestWalletListJSON(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	out, stderr, code := cli(t, dir, nil, "wallet", "list", "--json")
	if code != 0 {
		t.Fatalf("wallet list: %s", stderr)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("wallet list --json: %v\n%s", err, out)
	}
	checkStyle(t, "wallet list", "", list)
	pk, _ := list[0]["public_key"].(string)
	if b, err := hex.DecodeString(pk); err != nil || len(b) != 32 || list[0]["address"] == nil || list[0]["name"] == nil {
		t.Fatalf("wallet list --json: %s", out)
	}
}
