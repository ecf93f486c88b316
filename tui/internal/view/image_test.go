package view

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"
)

// pngDeclaring returns a small, well-formed PNG whose header declares a
// w×h RGBA image; its pixel data is a few compressed bytes (far too short
// for the declared size).
func pngDeclaring(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		b.Write(n[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.BigEndian.PutUint32(n[:], crc.Sum32())
		b.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 64))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

func TestDecodeImageRefusesHugeDeclaredSizeWithoutAllocating(t *testing.T) {
	data := pngDeclaring(60000, 60000)
	if len(data) > 200 {
		t.Fatalf("the hostile PNG is %d bytes; it should be tiny", len(data))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	img, format, err := DecodeImage(data)
	runtime.ReadMemStats(&after)
	if img != nil || !errors.Is(err, ErrImageTooLarge) {
		t.Fatalf("a PNG declaring 60000×60000: got image %v, err %v; want ErrImageTooLarge", img != nil, err)
	}
	if format != "png" {
		t.Errorf("format %q, want png (the refusal still names what it is)", format)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("refusing the image allocated %d bytes; want under 1 MiB", got)
	}
	var big *TooLargeError
	if !errors.As(err, &big) || big.Width != 60000 || big.Height != 60000 {
		t.Fatalf("the error does not carry the declared size: %#v", err)
	}
	if msg := err.Error(); msg != "the image declares 60000×60000 pixels; only images up to 4,194,304 pixels are drawn" {
		t.Errorf("sentence: %q", msg)
	}
}

func TestDecodeImageBudget(t *testing.T) {
	enc := func(w, h int, jpg bool) []byte {
		img := image.NewGray(image.Rect(0, 0, w, h))
		img.Set(0, 0, color.Gray{200})
		var b bytes.Buffer
		if jpg {
			jpeg.Encode(&b, img, nil)
		} else {
			png.Encode(&b, img)
		}
		return b.Bytes()
	}
	cases := []struct {
		data    []byte
		format  string
		tooBig  bool
		invalid bool
	}{
		{enc(2, 2, false), "png", false, false},
		{enc(16, 8, true), "jpeg", false, false},
		{enc(2048, 2048, false), "png", false, false},  // exactly the budget
		{pngDeclaring(2049, 2048), "png", true, false}, // one column over
		{pngDeclaring(1<<22+1, 1), "png", true, false}, // a line over
		{pngDeclaring(1<<31-1, 1<<31-1), "", false, true},
		{[]byte("hello, world"), "", false, true},
		{nil, "", false, true},
		{enc(4, 4, false)[:40], "png", false, true}, // header fine, data cut
	}
	for i, c := range cases {
		img, format, err := DecodeImage(c.data)
		switch {
		case c.tooBig:
			if !errors.Is(err, ErrImageTooLarge) || img != nil || format != c.format {
				t.Errorf("case %d: got %v %q %v, want refused as too large", i, img != nil, format, err)
			}
		case c.invalid:
			if err == nil || errors.Is(err, ErrImageTooLarge) || img != nil {
				t.Errorf("case %d: got %v %v, want an invalid image", i, img != nil, err)
			}
		default:
			if err != nil || img == nil || format != c.format {
				t.Errorf("case %d: got %v %q %v, want a %s image", i, img != nil, format, err, c.format)
			}
		}
	}
}

// FuzzDecodeImage: the decoder never panics, never returns an image over
// the budget, and refuses an image only with one of its two errors.
func FuzzDecodeImage(f *testing.F) {
	f.Add(pngDeclaring(60000, 60000))
	f.Add(pngDeclaring(3, 3))
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 5)))
	f.Add(b.Bytes())
	b.Reset()
	jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 9, 4)), nil)
	f.Add(b.Bytes())
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := DecodeImage(data)
		if err != nil {
			if img != nil {
				t.Fatal("an image with an error")
			}
			return
		}
		r := img.Bounds()
		if r.Dx() <= 0 || r.Dy() <= 0 || int64(r.Dx())*int64(r.Dy()) > MaxImagePixels {
			t.Fatalf("decoded a %d×%d image", r.Dx(), r.Dy())
		}
	})
}
