package view

import (
	"bytes"
	"errors"
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

// MaxImagePixels is the most pixels an image may declare to be decoded
// for preview: 2048×2048, at most 32 MiB even at 16 bits per channel. A
// value of a few bytes can declare 60000×60000 pixels, and the decoders
// allocate what the header declares before reading any pixel.
const MaxImagePixels = 1 << 22

// ErrImageTooLarge says an image declares more than MaxImagePixels.
var ErrImageTooLarge = errors.New("image too large")

// TooLargeError is an image refused for the size its header declares.
type TooLargeError struct{ Width, Height int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the image declares %d×%d pixels; only images up to %s pixels are drawn",
		e.Width, e.Height, Int(MaxImagePixels))
}

// Is makes errors.Is(err, ErrImageTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrImageTooLarge }

// DecodeImage decodes a PNG or JPEG and returns the image and its format
// name. It reads the header first (image.DecodeConfig) and refuses an
// image that declares more than MaxImagePixels with a *TooLargeError
// (format is set), without decoding it; data that is not an image of a
// known format is an error too.
func DecodeImage(data []byte) (img image.Image, format string, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, format, fmt.Errorf("the %s image is empty (%d×%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, format, &TooLargeError{Width: cfg.Width, Height: cfg.Height}
	}
	img, format, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		// The header read twice must say the same; a decoder that
		// disagrees with itself is not trusted.
		return nil, "", fmt.Errorf("the %s image is %d×%d but declares %d×%d", format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return img, format, nil
}
