package script

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"

	"github.com/dop251/goja"
)

// What a transform's ctx holds besides key and request: host helpers for
// media and text. Each charges fuel for the work it does before doing it,
// takes plain values (buffers, typed arrays, numbers, strings, objects of
// the image shape) and returns fresh plain values. JSON is the sandbox's
// metered JSON global.
//
//	ctx.image.decode(bytes)            PNG or JPEG → {width, height, pixels}
//	ctx.image.encodePNG(img)           {width, height, pixels} → PNG bytes
//	ctx.image.resize(img, w, h)        box-filter resize → new image
//	ctx.image.crop(img, x, y, w, h)    the rectangle → new image
//	ctx.text.decode(bytes)             UTF-8 → string (bad bytes → U+FFFD)
//	ctx.text.encode(string)            string → UTF-8 bytes
//
// An image is {width, height, pixels}: pixels is a Uint8Array of
// width·height·4 bytes, RGBA, not premultiplied, rows top to bottom. A
// decode first reads the header and refuses more than MaxTransformPixels.

// Host fuel prices: a unit of fuel stands for ~30-150 ns (doc.go, Fuel).
const (
	fuelPerPixelDecode = 1  // PNG/JPEG decoding and conversion to RGBA
	fuelPerPixelEncode = 2  // PNG filtering and compression
	fuelPerPixelResize = 1  // per source pixel read and per output pixel
	ratePixelCopy      = 16 // pixels copied per unit (crop)
)

// transformHost is built once per sandbox, the first time it runs a
// transform: the frozen ctx.image and ctx.text namespaces and the makers.
type transformHost struct {
	image, text *goja.Object
	makeCtx     goja.Callable
	makeImage   goja.Callable
	errorCtor   goja.Constructor
}

const transformMakersJS = `(function () {
	'use strict';
	return [
		(key, request, image, text) => Object.freeze({ key, request, image, text }),
		(width, height, pixels) => ({ width, height, pixels }),
	];
})()`

func (sb *sandbox) host() (*transformHost, error) {
	if sb.th != nil {
		return sb.th, nil
	}
	vm := sb.vm
	makers, err := vm.RunString(transformMakersJS)
	if err != nil {
		return nil, err
	}
	errCtor, ok := goja.AssertConstructor(vm.Get("Error"))
	if !ok {
		return nil, fmt.Errorf("internal: Error is not a constructor")
	}
	th := &transformHost{
		makeCtx:   sb.callable(makers.(*goja.Object).Get("0"), "makeTransformCtx"),
		makeImage: sb.callable(makers.(*goja.Object).Get("1"), "makeImage"),
		errorCtor: errCtor,
	}
	ns := func(fns map[string]func(goja.FunctionCall) goja.Value, lengths map[string]int) *goja.Object {
		o := vm.NewObject()
		for name, f := range fns {
			fn := sb.newFunc(name, lengths[name], f)
			sb.freeze(fn)
			_ = o.Set(name, fn)
		}
		sb.freeze(o)
		return o
	}
	th.image = ns(map[string]func(goja.FunctionCall) goja.Value{
		"decode": sb.imageDecode, "encodePNG": sb.imageEncodePNG, "resize": sb.imageResize, "crop": sb.imageCrop,
	}, map[string]int{"decode": 1, "encodePNG": 1, "resize": 3, "crop": 5})
	th.text = ns(map[string]func(goja.FunctionCall) goja.Value{
		"decode": sb.textDecode, "encode": sb.textEncode,
	}, map[string]int{"decode": 1, "encode": 1})
	sb.th = th
	return th, nil
}

func (sb *sandbox) transformContext(tc TransformContext) (goja.Value, error) {
	th, err := sb.host()
	if err != nil {
		return nil, err
	}
	return th.makeCtx(goja.Undefined(), sb.str(decodeUTF8([]byte(tc.Key))), sb.str(tc.Request.String()), th.image, th.text)
}

// throw raises a catchable Error in the transform.
func (sb *sandbox) throw(format string, args ...any) {
	o, err := sb.th.errorCtor(nil, sb.str(fmt.Sprintf(format, args...)))
	if err != nil {
		panic(sb.vm.NewTypeError(fmt.Sprintf(format, args...)))
	}
	panic(o)
}

func (sb *sandbox) typeError(format string, args ...any) {
	panic(sb.vm.NewTypeError(fmt.Sprintf(format, args...)))
}

// bytesArg is the bytes of a buffer or typed array argument (not a copy).
func (sb *sandbox) bytesArg(v goja.Value, fn string) []byte {
	b, ok := sb.rawBytes(v)
	if !ok {
		sb.typeError("%s takes a Uint8Array or an ArrayBuffer, not %s", fn, sb.typeName(v))
	}
	return b
}

// intArg is an integer argument in [lo, hi].
func (sb *sandbox) intArg(v goja.Value, fn, what string, lo, hi int64) int {
	if !goja.IsNumber(v) {
		sb.typeError("%s: %s must be a number, not %s", fn, what, sb.typeName(v))
	}
	f := v.ToFloat()
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		sb.throw("%s: %s must be a whole number from %d to %d, not %v", fn, what, lo, hi, v)
	}
	return int(f)
}

// newBytes is a fresh Uint8Array over b (b must not be shared).
func (sb *sandbox) newBytes(b []byte) goja.Value {
	v, err := sb.h.uint8Array(nil, sb.vm.ToValue(sb.vm.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return v
}

// rgba is an image as the host helpers see it.
type rgba struct {
	w, h int
	pix  []byte // w*h*4, not a copy when read from the script
}

func (sb *sandbox) newImage(img rgba) goja.Value {
	v, err := sb.th.makeImage(goja.Undefined(), sb.vm.ToValue(img.w), sb.vm.ToValue(img.h), sb.newBytes(img.pix))
	if err != nil {
		panic(err)
	}
	return v
}

// imageArg reads an {width, height, pixels} object.
func (sb *sandbox) imageArg(v goja.Value, fn string) rgba {
	o, ok := v.(*goja.Object)
	if !ok {
		sb.typeError("%s takes an image {width, height, pixels}, not %s", fn, sb.typeName(v))
	}
	w := sb.intArg(o.Get("width"), fn, "width", 1, MaxTransformPixels)
	h := sb.intArg(o.Get("height"), fn, "height", 1, MaxTransformPixels)
	if int64(w)*int64(h) > MaxTransformPixels {
		sb.throw("%s: a %d×%d image is over the limit of %d pixels", fn, w, h, MaxTransformPixels)
	}
	pix, ok := sb.rawBytes(o.Get("pixels"))
	if !ok {
		sb.typeError("%s: pixels must be a Uint8Array", fn)
	}
	if len(pix) != w*h*4 {
		sb.throw("%s: pixels has %d bytes; a %d×%d RGBA image has %d", fn, len(pix), w, h, w*h*4)
	}
	return rgba{w: w, h: h, pix: pix}
}

func (sb *sandbox) imageDecode(call goja.FunctionCall) goja.Value {
	const fn = "ctx.image.decode"
	b := sb.bytesArg(call.Argument(0), fn)
	sb.m.chargeUnits(int64(len(b)), rateBuffer)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || (format != "png" && format != "jpeg") {
		sb.throw("%s: the bytes are not a PNG or JPEG image", fn)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 || px > MaxTransformPixels {
		sb.throw("%s: the image is %d×%d; transforms decode at most %d pixels", fn, cfg.Width, cfg.Height, MaxTransformPixels)
	}
	sb.m.charge(uint64(px) * fuelPerPixelDecode)
	var img image.Image
	if format == "png" {
		img, err = png.Decode(bytes.NewReader(b))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(b))
	}
	if err != nil {
		sb.throw("%s: the %s image is damaged: %v", fn, format, err)
	}
	return sb.newImage(toRGBA(img))
}

// toRGBA converts a decoded image to non-premultiplied 8-bit RGBA with
// integer arithmetic only, the same on every machine.
func toRGBA(img image.Image) rgba {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := rgba{w: w, h: h, pix: make([]byte, w*h*4)}
	switch src := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			i := src.PixOffset(b.Min.X, b.Min.Y+y)
			copy(out.pix[y*w*4:(y+1)*w*4], src.Pix[i:i+w*4])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			o := y * w * 4
			for x := 0; x < w; x++ {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				out.pix[o], out.pix[o+1], out.pix[o+2], out.pix[o+3] = r, g, bl, 0xff
				o += 4
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			i := src.PixOffset(b.Min.X, b.Min.Y+y)
			o := y * w * 4
			for _, v := range src.Pix[i : i+w] {
				out.pix[o], out.pix[o+1], out.pix[o+2], out.pix[o+3] = v, v, v, 0xff
				o += 4
			}
		}
	default:
		dst := &image.NRGBA{Pix: out.pix, Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	}
	return out
}

func (sb *sandbox) imageEncodePNG(call goja.FunctionCall) goja.Value {
	const fn = "ctx.image.encodePNG"
	img := sb.imageArg(call.Argument(0), fn)
	sb.m.charge(uint64(img.w*img.h)*fuelPerPixelEncode + fuelPerBuiltin)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	src := &image.NRGBA{Pix: img.pix, Stride: img.w * 4, Rect: image.Rect(0, 0, img.w, img.h)}
	if err := enc.Encode(&buf, src); err != nil {
		sb.throw("%s: %v", fn, err)
	}
	if buf.Len() > MaxTransformBuffer {
		sb.m.halt(CodeLimit, "%s made %d bytes; buffers are limited to %d", fn, buf.Len(), MaxTransformBuffer)
	}
	return sb.newBytes(buf.Bytes())
}

func (sb *sandbox) imageResize(call goja.FunctionCall) goja.Value {
	const fn = "ctx.image.resize"
	src := sb.imageArg(call.Argument(0), fn)
	w := sb.intArg(call.Argument(1), fn, "width", 1, MaxTransformPixels)
	h := sb.intArg(call.Argument(2), fn, "height", 1, MaxTransformPixels)
	if int64(w)*int64(h) > MaxTransformPixels {
		sb.throw("%s: a %d×%d image is over the limit of %d pixels", fn, w, h, MaxTransformPixels)
	}
	sb.m.charge(uint64(src.w*src.h+w*h)*fuelPerPixelResize + fuelPerBuiltin)
	return sb.newImage(resizeBox(src, w, h))
}

// resizeBox resizes with a box filter: each output pixel is the rounded
// mean of the source pixels its area covers (at least one), each channel
// on its own. Integer arithmetic only.
func resizeBox(src rgba, w, h int) rgba {
	out := rgba{w: w, h: h, pix: make([]byte, w*h*4)}
	xs := spans(src.w, w)
	ys := spans(src.h, h)
	o := 0
	for oy := 0; oy < h; oy++ {
		y0, y1 := ys[oy][0], ys[oy][1]
		for ox := 0; ox < w; ox++ {
			x0, x1 := xs[ox][0], xs[ox][1]
			var sum [4]uint64
			for y := y0; y < y1; y++ {
				row := src.pix[(y*src.w+x0)*4 : (y*src.w+x1)*4]
				for i := 0; i < len(row); i += 4 {
					sum[0] += uint64(row[i])
					sum[1] += uint64(row[i+1])
					sum[2] += uint64(row[i+2])
					sum[3] += uint64(row[i+3])
				}
			}
			n := uint64((y1 - y0) * (x1 - x0))
			for c := 0; c < 4; c++ {
				out.pix[o+c] = byte((sum[c] + n/2) / n)
			}
			o += 4
		}
	}
	return out
}

// spans maps each of n output positions to the source range [a, b) it
// covers in a source of size m: a = i·m/n, b = max(a+1, (i+1)·m/n).
func spans(m, n int) [][2]int {
	out := make([][2]int, n)
	for i := range out {
		a := int(int64(i) * int64(m) / int64(n))
		b := int(int64(i+1) * int64(m) / int64(n))
		if b <= a {
			b = a + 1
		}
		out[i] = [2]int{a, b}
	}
	return out
}

func (sb *sandbox) imageCrop(call goja.FunctionCall) goja.Value {
	const fn = "ctx.image.crop"
	src := sb.imageArg(call.Argument(0), fn)
	x := sb.intArg(call.Argument(1), fn, "x", 0, int64(src.w-1))
	y := sb.intArg(call.Argument(2), fn, "y", 0, int64(src.h-1))
	w := sb.intArg(call.Argument(3), fn, "width", 1, int64(src.w-x))
	h := sb.intArg(call.Argument(4), fn, "height", 1, int64(src.h-y))
	sb.m.chargeUnits(int64(w*h), ratePixelCopy)
	out := rgba{w: w, h: h, pix: make([]byte, w*h*4)}
	for r := 0; r < h; r++ {
		i := ((y+r)*src.w + x) * 4
		copy(out.pix[r*w*4:(r+1)*w*4], src.pix[i:i+w*4])
	}
	return sb.newImage(out)
}

func (sb *sandbox) textDecode(call goja.FunctionCall) goja.Value {
	const fn = "ctx.text.decode"
	b := sb.bytesArg(call.Argument(0), fn)
	// A UTF-16 unit needs at least one byte: a string can only be longer
	// than the cap when the bytes are.
	sb.m.checkStringLen(int64(len(b)), fn)
	sb.m.chargeUnits(int64(len(b)), rateParse)
	return sb.str(decodeUTF8(b))
}

func (sb *sandbox) textEncode(call goja.FunctionCall) goja.Value {
	const fn = "ctx.text.encode"
	s, ok := call.Argument(0).(goja.String)
	if !ok {
		sb.typeError("%s takes a string, not %s", fn, sb.typeName(call.Argument(0)))
	}
	sb.m.chargeUnits(int64(s.Length()), rateParse)
	return sb.newBytes([]byte(s.String()))
}
