// Package view holds the pure drawing helpers of the terminal UI: number and
// time formatting, sparklines, half-block images and QR codes, and width-safe
// padding. Nothing here does I/O or knows a screen.
package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/charmbracelet/x/ansi"
)

// Amount formats base units as BVS: "1.5 BVS".
func Amount(v uint64) string { return Int(v/wire.Unit) + fracPart(v) + " BVS" }

func fracPart(v uint64) string {
	s := wire.FormatAmount(v)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[i:]
	}
	return ""
}

// Int formats n with thousands separators: 1234567 → "1,234,567".
func Int[T ~int | ~int64 | ~uint64 | ~uint32 | ~int32](n T) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-int64(n))
	}
	s := strconv.FormatUint(u, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 && !(neg && b.Len() == 1) {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Count formats n with the singular or plural noun: "1 tx", "1,204 txs".
func Count[T ~int | ~int64 | ~uint64](n T, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Int(n) + " " + many
}

// Age formats how long ago t (unix ms) was, relative to now: "4s", "3m 20s",
// "2h 5m", "3d 4h". A time in the future shows as "now".
func Age(now time.Time, ms int64) string {
	if ms == 0 {
		return "–"
	}
	return Duration(now.Sub(time.UnixMilli(ms)))
}

// Ago is Age with "ago": "4s ago", or "just now".
func Ago(now time.Time, ms int64) string {
	a := Age(now, ms)
	switch a {
	case "–":
		return a
	case "now":
		return "just now"
	}
	return a + " ago"
}

// Duration formats d in at most two units.
func Duration(d time.Duration) string {
	if d < time.Second {
		return "now"
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		if s%60 == 0 {
			return fmt.Sprintf("%dm", s/60)
		}
		return fmt.Sprintf("%dm %ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh %dm", s/3600, s%3600/60)
	default:
		return fmt.Sprintf("%dd %dh", s/86400, s%86400/3600)
	}
}

// SI formats v with an SI prefix and three significant digits: 4194304 →
// "4.19 M".
func SI(v float64) string {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	units := []string{"", "k", "M", "G", "T", "P", "E"}
	i := 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	var s string
	switch {
	case i == 0 && v == math.Trunc(v):
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 99.95:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 9.995:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	if units[i] == "" {
		return s
	}
	return s + " " + units[i]
}

// HashRate formats hashes per second: "1.23 MH/s".
func HashRate(v float64) string {
	s := SI(v)
	if strings.HasSuffix(s, " k") || strings.HasSuffix(s, " M") || strings.HasSuffix(s, " G") ||
		strings.HasSuffix(s, " T") || strings.HasSuffix(s, " P") || strings.HasSuffix(s, " E") {
		return s + "H/s"
	}
	return s + " H/s"
}

// Bytes formats a size: 1234 → "1.2 kB".
func Bytes(n int) string {
	if n < 1000 {
		return strconv.Itoa(n) + " B"
	}
	return SI(float64(n)) + "B"
}

// Short abbreviates a long identifier to its first n characters and "…".
func Short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ShortAddr keeps an address's prefix and tail: "bvd1qq…x7k2".
func ShortAddr(s string, width int) string {
	if len(s) <= width || width < 9 {
		return Truncate(s, width)
	}
	tail := (width - 1) / 3
	return s[:width-1-tail] + "…" + s[len(s)-tail:]
}

// Truncate cuts s (which may hold ANSI styles) to width cells, ending in
// "…" when something was cut.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// PadRight pads s with spaces to width cells (truncating if longer).
func PadRight(s string, width int) string {
	s = Truncate(s, width)
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// PadLeft right-aligns s in width cells (truncating if longer).
func PadLeft(s string, width int) string {
	s = Truncate(s, width)
	if w := ansi.StringWidth(s); w < width {
		return strings.Repeat(" ", width-w) + s
	}
	return s
}

// Lines makes s exactly h lines of at most w cells: long lines are
// truncated, missing lines are blank, extra lines dropped.
func Lines(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	ls := strings.Split(s, "\n")
	if len(ls) > h {
		ls = ls[:h]
	}
	for i, l := range ls {
		ls[i] = Truncate(l, w)
	}
	for len(ls) < h {
		ls = append(ls, "")
	}
	return strings.Join(ls, "\n")
}
