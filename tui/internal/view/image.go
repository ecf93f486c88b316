package view

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	// Decoders for the formats the data screen previews.
	_ "image/jpeg"
	_ "image/png"
)

// HalfBlocks renders img into at most width×height terminal cells, two
// pixels per cell (upper half block, foreground = top pixel, background =
// bottom pixel), keeping the aspect ratio. Colors are 24-bit escape codes;
// the terminal program downsamples them when it must.
func HalfBlocks(img image.Image, width, height int) string {
	b := img.Bounds()
	iw, ih := b.Dx(), b.Dy()
	if iw == 0 || ih == 0 || width <= 0 || height <= 0 {
		return ""
	}
	// Target size in pixels: width columns, 2*height rows.
	tw, th := width, 2*height
	scale := min(float64(tw)/float64(iw), float64(th)/float64(ih))
	if scale > 1 {
		scale = min(scale, 8) // don't blow tiny images up into a wall of blocks
	}
	ow, oh := max(1, int(float64(iw)*scale)), max(1, int(float64(ih)*scale))
	if oh%2 == 1 {
		oh++
	}
	at := func(x, y int) color.RGBA {
		if y >= oh {
			return color.RGBA{}
		}
		sx := b.Min.X + min(iw-1, int(float64(x)/scale))
		sy := b.Min.Y + min(ih-1, int(float64(y)/scale))
		r, g, bl, a := img.At(sx, sy).RGBA()
		// Blend over black so transparency shows as the dark background.
		return color.RGBA{uint8(r * a / 0xffff >> 8), uint8(g * a / 0xffff >> 8), uint8(bl * a / 0xffff >> 8), 0xff}
	}
	var sb strings.Builder
	for y := 0; y < oh; y += 2 {
		for x := 0; x < ow; x++ {
			t, u := at(x, y), at(x, y+1)
			fmt.Fprintf(&sb, "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm▀", t.R, t.G, t.B, u.R, u.G, u.B)
		}
		sb.WriteString("\x1b[0m")
		if y+2 < oh {
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// DecodeImage decodes a PNG or JPEG and returns the image and its format
// name, or ok=false if data is neither.
func DecodeImage(data []byte) (img image.Image, format string, ok bool) {
	img, format, err := image.Decode(strings.NewReader(string(data)))
	if err != nil {
		return nil, "", false
	}
	return img, format, true
}
