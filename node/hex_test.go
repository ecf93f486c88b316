package node

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzHexJSON: any bytes survive Hex's JSON round trip; any string either
// decodes to bytes that encode back to it (lower case) or is refused.
func FuzzHexJSON(f *testing.F) {
	for _, s := range []string{"", "00", "deadBEEF", "abc", "zz", "0x12"} {
		f.Add([]byte(s), s)
	}
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		enc, err := json.Marshal(Hex(b))
		if err != nil {
			t.Fatal(err)
		}
		var back Hex
		if err := json.Unmarshal(enc, &back); err != nil || !bytes.Equal(back, b) {
			t.Fatalf("round trip of %x: %x %v", b, back, err)
		}
		var h Hex
		if err := h.UnmarshalText([]byte(s)); err == nil {
			if again, _ := h.MarshalText(); !bytes.EqualFold(again, []byte(s)) {
				t.Fatalf("%q decoded to %x, which encodes to %q", s, h, again)
			}
		}
	})
}
