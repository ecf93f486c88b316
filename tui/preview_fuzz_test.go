package tui

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecodeBytes: any value read from a chain previews without a panic,
// the preview records the value's size, and a text or JSON preview is
// valid UTF-8 (a hostile value must never reach the terminal as raw
// bytes).
func FuzzDecodeBytes(f *testing.F) {
	f.Add([]byte("hello"))
	f.Add([]byte(`{"a":[1,2]}`))
	f.Add([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0})
	f.Add([]byte{0x00, 0xff, 0xfe})
	f.Fuzz(func(t *testing.T, raw []byte) {
		p := decodeBytes(raw)
		if p.size != len(raw) {
			t.Fatalf("size %d, want %d", p.size, len(raw))
		}
		if (p.kind == previewText || p.kind == previewJSON) && !utf8.ValidString(p.text) {
			t.Fatalf("a %v preview holds invalid UTF-8", p.kind)
		}
		_ = p.label()
	})
}
