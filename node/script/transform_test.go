package script

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

func transformExample(t testing.TB, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "transforms", name))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	return src
}

var testTC = TransformContext{Key: "tools/t", Request: wire.Sum([]byte("request"))}

func runT(t *testing.T, src string, input []byte, fuel uint64) (TransformResult, error) {
	t.Helper()
	return testRunTransform(src, input, testTC, fuel)
}

// testRunTransform is RunTransform with the tests' guard (longer under
// the race detector).
func testRunTransform(src string, input []byte, tc TransformContext, fuel uint64) (TransformResult, error) {
	return runTransformInProcess(context.Background(), transformSandboxes, src, input, tc, fuel, testGuard())
}

func mustRunT(t *testing.T, src string, input []byte) TransformResult {
	t.Helper()
	res, err := runT(t, src, input, 0)
	if err != nil {
		t.Fatalf("RunTransform: %v", err)
	}
	return res
}

func transformFailure(t *testing.T, err error) *TransformError {
	t.Helper()
	var te *TransformError
	if !errors.As(err, &te) || !errors.Is(err, ErrTransform) {
		t.Fatalf("want a *TransformError, got %v", err)
	}
	return te
}

func TestTransformReturnKinds(t *testing.T) {
	cases := []struct {
		src, kind, out string
	}{
		{`function transform(input, ctx) { return input; }`, KindBytes, "abc"},
		{`function transform(input, ctx) { return input.buffer; }`, KindBytes, "abc"},
		{`function transform(input, ctx) { return ctx.text.decode(input) + "é"; }`, KindString, "abcé"},
		{`function transform(input, ctx) { return {n: input.length, s: "x"}; }`, KindJSON, `{"n":3,"s":"x"}`},
		{`function transform(input, ctx) { return [1, null, true]; }`, KindJSON, `[1,null,true]`},
		{`function transform(input, ctx) { return 42; }`, KindJSON, `42`},
		{`function transform(input, ctx) { return null; }`, KindJSON, `null`},
		{`function transform(input, ctx) { return ctx.key + " " + ctx.request; }`, KindString, "tools/t " + testTC.Request.String()},
		// Property updates go through the metering helpers every factory is given.
		{`function transform(input, ctx) { var o = {n: 1, s: "a"}; o.n++; o["n"] += 2; o.s += "b"; return o; }`, KindJSON, `{"n":4,"s":"ab"}`},
	}
	for i, c := range cases {
		res := mustRunT(t, c.src, []byte("abc"))
		if res.Kind != c.kind || string(res.Output) != c.out || res.Fuel == 0 {
			t.Fatalf("case %d: got %s %q fuel %d, want %s %q", i, res.Kind, res.Output, res.Fuel, c.kind, c.out)
		}
	}
}

func TestTransformFailuresAreSentences(t *testing.T) {
	cases := []struct {
		src  string
		code Code
		want string
	}{
		{`function transform(input, ctx) { }`, CodeReturned, "returned undefined"},
		{`function transform(input, ctx) { return () => 1; }`, CodeReturned, "returned a function"},
		{`async function transform(input, ctx) { return 1; }`, CodeReturned, "returned a promise"},
		{`function transform(input, ctx) { throw new Error("no luck"); }`, CodeThrew, "no luck"},
		{`function transform(input, ctx) { for (;;) {} }`, CodeOutOfFuel, "out of fuel"},
		{`function transform(input, ctx) { return ctx.image.decode(input); }`, CodeThrew, "not a PNG or JPEG"},
		{`function transform(input, ctx) { return ctx.image.crop({width: 2, height: 2, pixels: new Uint8Array(16)}, 0, 0, 3, 1); }`, CodeThrew, "width must be a whole number from 1 to 2"},
		{`function transform(input, ctx) { return ctx.image.encodePNG({width: 2, height: 2, pixels: new Uint8Array(15)}); }`, CodeThrew, "pixels has 15 bytes"},
		{`function transform(input, ctx) { return ctx.text.encode(5); }`, CodeThrew, "takes a string"},
		{`function transform(input, ctx) { ctx.key = "x"; return 1; }`, CodeThrew, "read only"},
		{`function transform(input, ctx) { ctx.image.decode = null; return 1; }`, CodeThrew, "read only"},
		{`function transform(input, ctx) { return new Uint8Array(MAX + 1); } const MAX = 64 << 20;`, CodeLimit, "limit of 67108864 bytes"},
	}
	for i, c := range cases {
		_, err := runT(t, c.src, []byte("abc"), 2_000_000)
		te := transformFailure(t, err)
		if te.Code != c.code || !strings.Contains(te.Reason, c.want) {
			t.Fatalf("case %d: got %v %q, want %v containing %q", i, te.Code, te.Reason, c.code, c.want)
		}
	}
}

func TestCompileTransformNeedsTransformFunction(t *testing.T) {
	_, err := CompileTransform([]byte(`function validate(w, c) { return true; }`))
	if !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), "function transform(input, ctx)") {
		t.Fatalf("CompileTransform = %v", err)
	}
	both := []byte(`function validate(w, c) { return true; } function transform(i, c) { return 1; }`)
	a, err := Compile(both)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := CompileTransform(both)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() == tr.Hash() || a.source == tr.source {
		t.Fatal("one source compiled as access script and as transform gave one program")
	}
}

func TestAccessScriptsKeepTheOneMiBBufferCap(t *testing.T) {
	p, err := Compile([]byte(`function validate(w, c) { new Uint8Array(2 << 20); return true; }`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewInProcess().Validate(context.Background(), p, Write{Key: "k"}, Context{}, nil)
	if err != nil || v.Code != CodeLimit {
		t.Fatalf("verdict %+v, %v: want CodeLimit", v, err)
	}
	res := mustRunT(t, `function transform(input, ctx) { return new Uint8Array(2 << 20).length; }`, nil)
	if string(res.Output) != "2097152" {
		t.Fatalf("transform got %q", res.Output)
	}
}

// testImage is a w×h image whose every pixel differs from its neighbours,
// alpha included.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 7), G: uint8(y * 13), B: uint8(x*y + 5), A: uint8(255 - (x+y)%64)})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decodePNG(t testing.TB, b []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	n, ok := img.(*image.NRGBA)
	if !ok {
		n = image.NewNRGBA(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				n.Set(x, y, img.At(x, y))
			}
		}
	}
	return n
}

func TestTransformImageDecodeEncodeRoundTrip(t *testing.T) {
	img := testImage(37, 23)
	res := mustRunT(t, `function transform(input, ctx) {
		const img = ctx.image.decode(input);
		if (img.width !== 37 || img.height !== 23 || img.pixels.length !== 37 * 23 * 4) throw "shape";
		return ctx.image.encodePNG(img);
	}`, encodePNG(t, img))
	got := decodePNG(t, res.Output)
	if !bytes.Equal(got.Pix, img.Pix) {
		t.Fatal("decode → encode changed the pixels")
	}
	// The pixels the script sees are the RGBA bytes of the image.
	res = mustRunT(t, `function transform(input, ctx) { return ctx.image.decode(input).pixels; }`, encodePNG(t, img))
	if !bytes.Equal(res.Output, img.Pix) {
		t.Fatal("pixels differ from the image's RGBA bytes")
	}
}

func TestTransformImageCropAndResize(t *testing.T) {
	img := testImage(10, 8)
	res := mustRunT(t, `function transform(input, ctx) {
		return ctx.image.crop(ctx.image.decode(input), 3, 2, 4, 5).pixels;
	}`, encodePNG(t, img))
	want := img.SubImage(image.Rect(3, 2, 7, 7)).(*image.NRGBA)
	for y := 0; y < 5; y++ {
		if !bytes.Equal(res.Output[y*16:(y+1)*16], want.Pix[want.PixOffset(3, 2+y):want.PixOffset(3, 2+y)+16]) {
			t.Fatalf("crop row %d differs", y)
		}
	}
	// Halving a 4×2 image averages 2×2 blocks, rounding half up.
	src := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	vals := []uint8{0, 1, 10, 20, 2, 3, 30, 41}
	for i, v := range vals {
		src.SetNRGBA(i%4, i/4, color.NRGBA{R: v, G: v, B: v, A: 255})
	}
	res = mustRunT(t, `function transform(input, ctx) {
		return ctx.image.resize(ctx.image.decode(input), 2, 1).pixels;
	}`, encodePNG(t, src))
	if want := []byte{2, 2, 2, 255, 25, 25, 25, 255}; !bytes.Equal(res.Output, want) {
		t.Fatalf("resize = %v, want %v", res.Output, want)
	}
}

// pngHeaderClaiming rewrites the size in a PNG's header (fixing its CRC)
// without adding pixel data: a lie only the header check catches cheaply.
func pngHeaderClaiming(t *testing.T, w, h uint32) []byte {
	b := encodePNG(t, testImage(1, 1))
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestTransformImageDecodeChecksPixelBudgetFirst(t *testing.T) {
	_, err := runT(t, `function transform(input, ctx) { return ctx.image.decode(input).width; }`, pngHeaderClaiming(t, 5000, 5000), 0)
	te := transformFailure(t, err)
	if te.Code != CodeThrew || !strings.Contains(te.Reason, "5000×5000") || !strings.Contains(te.Reason, "at most 16777216 pixels") {
		t.Fatalf("got %v %q", te.Code, te.Reason)
	}
	if te.Fuel > 1000 {
		t.Fatalf("refusing the header cost %d fuel: the pixels were charged or decoded", te.Fuel)
	}
	// A transform can catch it and answer something else.
	res := mustRunT(t, `function transform(input, ctx) {
		try { ctx.image.decode(input); } catch (e) { return "too big"; }
	}`, pngHeaderClaiming(t, 5000, 5000))
	if string(res.Output) != "too big" {
		t.Fatalf("got %q", res.Output)
	}
}

func TestTransformHostHelpersChargeByWork(t *testing.T) {
	src := `function transform(input, ctx) { ctx.image.decode(input); return 1; }`
	small := mustRunT(t, src, encodePNG(t, testImage(10, 10)))
	big := mustRunT(t, src, encodePNG(t, testImage(300, 300)))
	if big.Fuel-small.Fuel < 300*300-100 {
		t.Fatalf("decoding 90,000 more pixels cost %d more fuel", big.Fuel-small.Fuel)
	}
	// Out of fuel before the work, not after.
	_, err := runT(t, `function transform(input, ctx) { return ctx.image.decode(input).width; }`, encodePNG(t, testImage(300, 300)), 50_000)
	if te := transformFailure(t, err); te.Code != CodeOutOfFuel || te.Fuel != 50_000 {
		t.Fatalf("got %v fuel %d", te.Code, te.Fuel)
	}
	text := mustRunT(t, `function transform(input, ctx) { return ctx.text.encode(ctx.text.decode(input)); }`, bytes.Repeat([]byte("é"), 50_000))
	if text.Fuel < 100_000/rateParse {
		t.Fatalf("100 KB of text decoded and encoded for %d fuel", text.Fuel)
	}
}

func TestTransformTextHelpers(t *testing.T) {
	res := mustRunT(t, `function transform(input, ctx) {
		const s = ctx.text.decode(input);
		return {s, n: s.length, back: Array.from(ctx.text.encode(s))};
	}`, []byte("h\xffé"))
	if string(res.Output) != `{"s":"h�é","n":3,"back":[104,239,191,189,195,169]}` {
		t.Fatalf("got %s", res.Output)
	}
}

func TestTransformInputBounds(t *testing.T) {
	_, err := runT(t, `function transform(input, ctx) { return 1; }`, make([]byte, MaxTransformInput+1), 0)
	if te := transformFailure(t, err); te.Code != CodeInvalidWrite {
		t.Fatalf("got %v", te)
	}
	if _, err := runT(t, `function transform(input, ctx) { return 1; }`, nil, MaxTransformFuel+1); err == nil || errors.Is(err, ErrTransform) {
		t.Fatalf("a budget over the maximum gave %v", err)
	}
}

// The same transform on the same input gives the same bytes and fuel every
// time: in this process and in workers, with Math.random seeded from the
// request.
func TestTransformDeterministicInProcessAndInWorkers(t *testing.T) {
	src := string(transformExample(t, "black-and-white.js"))
	src2 := `function transform(input, ctx) {
		const img = ctx.image.decode(input);
		let s = 0;
		for (let i = 0; i < 100; i++) s += Math.random();
		return {r: s, t: ctx.image.encodePNG(ctx.image.resize(img, 17, 9)).length, m: JSON.stringify(img.width)};
	}`
	input := encodePNG(t, testImage(120, 90))
	pool := testPool(t, "")
	for _, s := range []string{src, src2} {
		first, err := RunTransform(s, input, testTC, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			again, err := RunTransform(s, input, testTC, 0)
			if err != nil || !bytes.Equal(again.Output, first.Output) || again.Fuel != first.Fuel || again.Kind != first.Kind {
				t.Fatalf("in-process run %d differs: %v fuel %d vs %d", i, err, again.Fuel, first.Fuel)
			}
			inWorker, err := pool.Transform(context.Background(), s, input, testTC, 0)
			if err != nil || !bytes.Equal(inWorker.Output, first.Output) || inWorker.Fuel != first.Fuel || inWorker.Kind != first.Kind {
				t.Fatalf("worker run %d differs: %v fuel %d vs %d", i, err, inWorker.Fuel, first.Fuel)
			}
		}
	}
}

func TestPoolTransformReportsFailuresAndStaysUsable(t *testing.T) {
	pool := testPool(t, "")
	ctx := context.Background()
	_, err := pool.Transform(ctx, `function transform(input, ctx) { throw "nope"; }`, nil, testTC, 0)
	if te := transformFailure(t, err); te.Code != CodeThrew || te.Reason != "nope" {
		t.Fatalf("got %v", te)
	}
	_, err = pool.Transform(ctx, `function transform(input, ctx) { for (;;) {} }`, nil, testTC, 100_000)
	if te := transformFailure(t, err); te.Code != CodeOutOfFuel || te.Fuel != 100_000 {
		t.Fatalf("got %v", te)
	}
	if _, err := pool.Transform(ctx, `function nope() {}`, nil, testTC, 0); !errors.Is(err, ErrCompile) {
		t.Fatalf("got %v", err)
	}
	// A large input and output cross the pipes whole (over the 4 MiB
	// frames of validations).
	big := bytes.Repeat([]byte{7}, 6<<20)
	res, err := pool.Transform(ctx, `function transform(input, ctx) { return input; }`, big, testTC, 0)
	if err != nil || !bytes.Equal(res.Output, big) {
		t.Fatalf("6 MiB echo: %v, %d bytes", err, len(res.Output))
	}
	// Access scripts still run on the same workers.
	p, err := Compile([]byte(`function validate(w, c) { return true; }`))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pool.Validate(ctx, p, Write{Key: "k"}, Context{}, nil); err != nil || !v.Allowed {
		t.Fatalf("validate after transforms: %+v %v", v, err)
	}
}

// FuzzTransformImageDecode: whatever bytes a requester stores, decoding
// them in a transform ends in an image or a catchable error, never a
// crash, and never more pixels than the budget.
func FuzzTransformImageDecode(f *testing.F) {
	f.Add(encodePNG(f, testImage(3, 2)))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xdb"))
	src := `function transform(input, ctx) {
		try { const img = ctx.image.decode(input); return [img.width, img.height, img.pixels.length]; }
		catch (e) { return String(e); }
	}`
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := testRunTransform(src, b, testTC, 50_000_000)
		if err != nil {
			var te *TransformError
			if errors.As(err, &te) && te.Code == CodeOutOfFuel {
				return
			}
			t.Fatalf("decode of %d bytes: %v", len(b), err)
		}
		if res.Kind == KindJSON {
			var dims [3]int
			if _, err := fmt.Sscanf(string(res.Output), "[%d,%d,%d]", &dims[0], &dims[1], &dims[2]); err != nil ||
				dims[0]*dims[1] > MaxTransformPixels || dims[2] != dims[0]*dims[1]*4 {
				t.Fatalf("decoded %s", res.Output)
			}
		}
	})
}

func TestPoolTransformEndsWithItsContext(t *testing.T) {
	pool := testPool(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := pool.Transform(ctx, `function transform(input, ctx) { for (;;) {} }`, nil, testTC, MaxTransformFuel)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	// The killed worker is replaced: the pool still answers.
	res, err := pool.Transform(context.Background(), `function transform(input, ctx) { return 1; }`, nil, testTC, 0)
	if err != nil || string(res.Output) != "1" {
		t.Fatalf("after a cancelled transform: %v %q", err, res.Output)
	}
}

// Every image kind the decoders return (RGBA, grey, paletted, 16-bit,
// JPEG's YCbCr) reaches the script as the RGBA Go's colour model gives.
func TestTransformImageDecodeMatchesGoColourModel(t *testing.T) {
	const w, h = 19, 11
	gray := image.NewGray(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 128}, color.NRGBA{0, 0, 0, 0}})
	deep := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			gray.SetGray(x, y, color.Gray{Y: uint8(x*13 + y)})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
			deep.SetNRGBA64(x, y, color.NRGBA64{R: uint16(x * 3000), G: uint16(y * 5000), B: 0x1234, A: uint16(0xffff - x*100)})
		}
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, testImage(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"gray": encodePNG(t, gray), "paletted": encodePNG(t, pal), "16-bit": encodePNG(t, deep), "jpeg": jb.Bytes()}
	for name, in := range inputs {
		ref, _, err := image.Decode(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		res := mustRunT(t, `function transform(input, ctx) { return ctx.image.decode(input).pixels; }`, in)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(ref.At(x, y)).(color.NRGBA)
				i := (y*w + x) * 4
				if got := res.Output[i : i+4]; !bytes.Equal(got, []byte{c.R, c.G, c.B, c.A}) {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", name, x, y, got, c)
				}
			}
		}
	}
}
