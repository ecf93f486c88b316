package tui

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strings"
	"unicode/utf8"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
)

type previewKind int

const (
	previewText previewKind = iota
	previewJSON
	previewImage
	previewBinary
	previewTooLarge // an image whose header declares more pixels than are drawn
)

// preview is a value decoded for display. Decoding (base64, JSON
// indentation, PNG/JPEG) happens in the command that fetched the value, so
// View only lays it out.
type preview struct {
	kind   previewKind
	text   string // text, indented JSON or a hex dump
	img    image.Image
	format string // "png", "jpeg"
	size   int
	// the size a refused image declares
	width, height int
}

func decodePreview(v node.ValueRecord) preview {
	raw := []byte(v.Value)
	if v.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(v.Value)
		if err != nil {
			return preview{kind: previewText, text: v.Value, size: v.Size}
		}
		raw = b
	}
	p := preview{size: len(raw)}
	img, format, err := view.DecodeImage(raw)
	if err == nil {
		p.kind, p.img, p.format = previewImage, img, format
		return p
	}
	var big *view.TooLargeError
	if errors.As(err, &big) {
		p.kind, p.format, p.width, p.height = previewTooLarge, format, big.Width, big.Height
		p.text = sentence(err) + " It is not decoded: its header alone could make the UI allocate gigabytes."
		return p
	}
	if !utf8.Valid(raw) {
		p.kind = previewBinary
		n := min(len(raw), 512)
		p.text = strings.TrimRight(hex.Dump(raw[:n]), "\n")
		if n < len(raw) {
			p.text += fmt.Sprintf("\n… %d more bytes", len(raw)-n)
		}
		return p
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
		var out bytes.Buffer
		if json.Indent(&out, trimmed, "", "  ") == nil {
			p.kind, p.text = previewJSON, out.String()
			return p
		}
	}
	p.kind, p.text = previewText, string(raw)
	return p
}

func (p preview) label() string {
	switch p.kind {
	case previewJSON:
		return "JSON"
	case previewImage:
		b := p.img.Bounds()
		return fmt.Sprintf("%s image, %d×%d", strings.ToUpper(p.format), b.Dx(), b.Dy())
	case previewTooLarge:
		return fmt.Sprintf("%s image, %d×%d, not drawn", strings.ToUpper(p.format), p.width, p.height)
	case previewBinary:
		return "binary"
	}
	return "text"
}
