package tui

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/bitverse/bitverse/node"
)

// hugePNG is a PNG of under 100 bytes whose header declares w×h pixels.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		b.Write(n[:])
		b.WriteString(typ)
		b.Write(data)
		binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(append([]byte(typ), data...)))
		b.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 16))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

func TestPreviewRefusesAnImageDeclaring60000x60000(t *testing.T) {
	t.Parallel()
	raw := hugePNG(60000, 60000)
	p := decodePreview(node.ValueRecord{Value: base64.StdEncoding.EncodeToString(raw), Encoding: "base64", Size: len(raw)})
	if p.kind != previewTooLarge || p.img != nil {
		t.Fatalf("kind %d, image %v: want the image refused", p.kind, p.img != nil)
	}
	if got, want := p.label(), "PNG image, 60000×60000, not drawn"; got != want {
		t.Errorf("label %q, want %q", got, want)
	}

	// On the data screen: the value opens with the sentence, not a picture.
	h := newReadyHarness(t, 20, 120, 40)
	h.api.values["public/bomb.png"] = node.ValueRecord{Key: "public/bomb.png", Value: base64.StdEncoding.EncodeToString(raw),
		Encoding: "base64", Size: len(raw), Height: 20, Confirmations: 1, Writer: testAddr}
	h.press("5", "o")
	h.typeText("public/bomb.png")
	h.press("enter")
	h.mustSee("PNG image, 60000×60000, not drawn", "The image declares 60000×60000 pixels; only images up to")
}
