package tui

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/charmbracelet/x/ansi"
	"image"
	"strings"
	"unicode/utf8"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
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
	return decodeBytes(raw)
}

// decodeResult decodes a market result as the data screen decodes a
// value: its kind says how the transform returned it.
func decodeResult(r *market.Result) preview {
	if r.Kind == "string" && utf8.Valid(r.Value) {
		return preview{kind: previewText, text: string(r.Value), size: len(r.Value)}
	}
	return decodeBytes(r.Value)
}

// decodeBytes decodes raw bytes for display: an image (if its header
// declares a size we draw), binary, JSON or text.
func decodeBytes(raw []byte) preview {
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

func (d *dataScreen) previewView(w, h int) string {
	st := d.s.st
	if d.getKey == "" {
		return st.Muted.Render(" Select a key and press enter to see its value.")
	}
	lines := []string{" " + st.Title.Render(view.Truncate(d.getKey, w-2))}
	switch {
	case d.getErr != nil:
		return strings.Join(append(lines, "", " "+st.Bad.Render(view.Truncate(sentence(d.getErr), w-2))), "\n")
	case d.got == nil:
		return strings.Join(append(lines, "", " "+st.Muted.Render("loading…")), "\n")
	}
	r := d.got
	label, size := d.prev.label(), d.prev.size
	if d.blob != nil && !d.blob.done {
		label, size = "blob", int(d.blob.m.Size)
	}
	lines = append(lines,
		" "+st.Muted.Render(view.Truncate(fmt.Sprintf("%s · %s · block #%s · %s", label, view.Bytes(size),
			view.Int(r.Height), view.Count(r.Confirmations, "confirmation", "confirmations")), w-2)),
		" "+st.Muted.Render(view.Truncate(chainLine(r.ValueRecord), w-2)),
		" "+st.Muted.Render("writer "+view.ShortAddr(r.Writer, max(12, w-10))),
	)
	lines = append(lines, d.poolLines(w)...)
	lines = append(lines, d.blobLines(w)...)
	lines = append(lines, "")
	if d.blob != nil && !d.blob.done {
		return strings.Join(lines, "\n") // the manifest is no content to show
	}
	room := max(1, h-len(lines))
	content := d.previewLines(w-1, room)
	d.pOffset = min(d.pOffset, max(0, len(content)-room))
	end := min(len(content), d.pOffset+room)
	for _, l := range content[d.pOffset:end] {
		lines = append(lines, " "+l)
	}
	return strings.Join(lines, "\n")
}

// previewLines lays the value out for width w (cached per size).
func (d *dataScreen) previewLines(w, h int) []string {
	if d.pLines != nil && d.pCacheW == w && d.pCacheH == h {
		return d.pLines
	}
	lines := layoutPreview(d.prev, w, h)
	d.pLines, d.pCacheW, d.pCacheH = lines, w, h
	return lines
}

// layoutPreview lays a decoded value out in lines of width w: an image
// drawn with half blocks in w×h cells, text wrapped, JSON and hex dumps
// cut at w.
func layoutPreview(p preview, w, h int) []string {
	var s string
	switch p.kind {
	case previewImage:
		s = view.HalfBlocks(p.img, w, h)
	case previewJSON, previewBinary:
		s = p.text
	default:
		s = ansi.Wrap(p.text, w, "")
	}
	lines := strings.Split(s, "\n")
	if p.kind != previewImage {
		for i, l := range lines {
			lines[i] = view.Truncate(l, w)
		}
	}
	return lines
}

// chainLine says which chain holds a value and how final it is on the root.
func chainLine(r node.ValueRecord) string {
	if r.Chain == "" || r.Chain == "/" {
		return "chain / (the root)"
	}
	id, err := wire.ParseChainID(r.Chain)
	depth := ""
	if err == nil {
		depth = fmt.Sprintf(" (depth %d)", id.Depth)
	}
	if r.RootConfirmations == 0 {
		return "chain " + r.Chain + depth + " · not yet checkpointed on the root"
	}
	return "chain " + r.Chain + depth + " · " + view.Count(r.RootConfirmations, "root confirmation", "root confirmations")
}

// poolLines lists the availability pools of the value being previewed.
func (d *dataScreen) poolLines(w int) []string {
	st := d.s.st
	switch {
	case d.poolsErr != nil:
		return []string{" " + st.Muted.Render(view.Truncate("pools: "+sentence(d.poolsErr), w-2))}
	case len(d.pools) == 0:
		return nil // most values: nothing to say
	}
	var out []string
	for _, p := range d.pools {
		out = append(out, " "+st.Value.Render(view.Truncate(poolLine(p), w-2)))
	}
	return out
}
