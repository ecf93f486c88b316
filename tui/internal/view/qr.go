package view

import (
	"strings"

	"rsc.io/qr"
)

// QR renders text as a QR code with half blocks (two modules per cell) and
// a one-module quiet zone: light modules are blocks, dark ones blanks. Draw
// it with a light foreground on a dark background (styles.QR) so it scans on
// any terminal theme. Bech32 addresses are encoded
// upper-case, which QR stores in its compact alphanumeric mode (the
// checksum is case-insensitive, so the scanned text is the same address).
func QR(text string) (string, error) {
	c, err := qr.Encode(strings.ToUpper(text), qr.L)
	if err != nil {
		return "", err
	}
	const quiet = 1
	n := c.Size + 2*quiet
	// light reports a light module; outside the quiet zone is the
	// terminal's background.
	light := func(x, y int) bool { return y < n && !c.Black(x-quiet, y-quiet) }
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		for x := 0; x < n; x++ {
			switch top, bot := light(x, y), light(x, y+1); {
			case top && bot:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bot:
				b.WriteRune('▄')
			default:
				b.WriteRune(' ')
			}
		}
		if y+2 < n {
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
