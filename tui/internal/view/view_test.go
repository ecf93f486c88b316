package view

import (
	"image"
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func TestFormat(t *testing.T) {
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) int64 { return now.Add(-d).UnixMilli() }
	cases := []struct{ got, want string }{
		{Int(0), "0"},
		{Int(999), "999"},
		{Int(1000), "1,000"},
		{Int(1234567), "1,234,567"},
		{Int(-1234), "-1,234"},
		{Count(1, "tx", "txs"), "1 tx"},
		{Count(0, "tx", "txs"), "0 txs"},
		{Count(uint64(1204), "confirmation", "confirmations"), "1,204 confirmations"},
		{Amount(0), "0 BVS"},
		{Amount(150_000_000), "1.5 BVS"},
		{Amount(123_456_789_000_000), "1,234,567.89 BVS"},
		{Amount(1), "0.00000001 BVS"},
		{Age(now, 0), "–"},
		{Age(now, ago(500*time.Millisecond)), "now"},
		{Ago(now, ago(500*time.Millisecond)), "just now"},
		{Ago(now, ago(4*time.Second)), "4s ago"},
		{Age(now, ago(200*time.Second)), "3m 20s"},
		{Age(now, ago(2*time.Hour+5*time.Minute)), "2h 5m"},
		{Age(now, ago(76*time.Hour)), "3d 4h"},
		{Age(now, now.Add(time.Minute).UnixMilli()), "now"},
		{SI(0), "0"},
		{SI(999), "999"},
		{SI(4_194_304), "4.19 M"},
		{SI(12_345), "12.3 k"},
		{SI(123_456), "123 k"},
		{HashRate(1_234_567), "1.23 MH/s"},
		{HashRate(12), "12 H/s"},
		{Bytes(412), "412 B"},
		{Bytes(1234), "1.23 kB"},
		{Short("abcdef", 3), "abc…"},
		{Short("abc", 3), "abc"},
		{ShortAddr("bvd1qqqqqqqqqqqqqqqqqqqqqqzz", 12), "bvd1qqqq…qzz"},
		{PadLeft("ab", 4), "  ab"},
		{PadRight("ab", 4), "ab  "},
		{PadRight("abcdef", 4), "abc…"},
		{Lines("a\nb\nc", 5, 2), "a\nb"},
		{Lines("a", 5, 3), "a\n\n"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	cases := []struct {
		values []float64
		width  int
		want   string
	}{
		{nil, 4, "    "},
		{[]float64{0, 0}, 3, " ▁▁"},
		{[]float64{1, 2, 4, 8}, 4, "▁▂▄█"},
		{[]float64{8, 1, 2, 4, 8}, 3, "▂▄█"}, // only the newest fit
		{[]float64{5}, 0, ""},
	}
	for i, c := range cases {
		if got := Sparkline(c.values, c.width); got != c.want {
			t.Errorf("case %d: got %q, want %q", i, got, c.want)
		}
	}
}

func TestHalfBlocks(t *testing.T) {
	// A 2×2 image: red over blue on the left, green over white on the right.
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	img.Set(0, 1, color.RGBA{0, 0, 255, 255})
	img.Set(1, 0, color.RGBA{0, 255, 0, 255})
	img.Set(1, 1, color.RGBA{255, 255, 255, 255})
	got := HalfBlocks(img, 2, 1)
	want := "\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m▀\x1b[38;2;0;255;0m\x1b[48;2;255;255;255m▀\x1b[0m"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Scaled to fit, aspect kept: 100×50 pixels in 20×20 cells is 20×10 pixels → 5 rows.
	big := image.NewRGBA(image.Rect(0, 0, 100, 50))
	out := ansi.Strip(HalfBlocks(big, 20, 20))
	lines := strings.Split(out, "\n")
	if len(lines) != 5 || ansi.StringWidth(lines[0]) != 20 {
		t.Fatalf("100×50 in 20×20: %d lines of %d cells, want 5 of 20", len(lines), ansi.StringWidth(lines[0]))
	}
	if HalfBlocks(big, 0, 5) != "" {
		t.Fatal("zero width drew something")
	}
}

func TestQR(t *testing.T) {
	const addr = "bvd1nzwqkakt2cuhrlwfhme3asrvx4s0xfyadm57tkpu2a39t9hqtahss84q4z"
	q, err := QR(addr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(q, "\n")
	// Version 3 (29 modules) in alphanumeric mode, a 1-module quiet zone:
	// 31 columns, 16 rows of two modules.
	if len(lines) != 16 || ansi.StringWidth(lines[0]) != 31 {
		t.Fatalf("QR of an address: %d rows of %d cells, want 16 of 31", len(lines), ansi.StringWidth(lines[0]))
	}
	// The quiet zone is light: the first row's top half and both side columns.
	for i, l := range lines {
		r := []rune(l)
		if i < len(lines)-1 && (r[0] != '█' || r[len(r)-1] != '█') {
			t.Fatalf("row %d: quiet zone missing: %q", i, l)
		}
	}
}
