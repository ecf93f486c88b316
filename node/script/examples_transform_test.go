package script

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

// luma is the black-and-white example's formula, in Go.
func luma(r, g, b uint8) uint8 {
	return uint8((77*uint32(r) + 150*uint32(g) + 29*uint32(b) + 128) >> 8)
}

// photo is a generated w×h "photo": smooth gradients, a few hard edges
// and varying alpha, so that every channel matters.
func photo(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x ^ y) & 0xff), A: 255}
			if (x/100+y/100)%2 == 0 {
				c.R, c.B = c.B, 255-c.R
			}
			if y > h-50 {
				c.A = uint8(x % 256)
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func TestBlackAndWhiteExampleMatchesGoReference(t *testing.T) {
	side := 1000
	if raceEnabled {
		side = 300 // goja is ~10× slower under the race detector; the normal suite runs 1 MP
	}
	src := photo(side, side)
	res, err := testRunTransform(string(transformExample(t, "black-and-white.js")), encodePNG(t, src), testTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != KindBytes {
		t.Fatalf("kind %s", res.Kind)
	}
	out := decodePNG(t, res.Output)
	if out.Rect.Dx() != side || out.Rect.Dy() != side {
		t.Fatalf("size %v", out.Rect)
	}
	for i := 0; i < len(src.Pix); i += 4 {
		s, o := src.Pix[i:i+4], out.Pix[i:i+4]
		y := luma(s[0], s[1], s[2])
		if o[0] != o[1] || o[1] != o[2] || o[0] != y || o[3] != s[3] {
			t.Fatalf("pixel %d: got %v from %v, want R=G=B=%d alpha %d", i/4, o, s, y, s[3])
		}
	}
	t.Logf("%d×%d black and white: %d fuel", side, side, res.Fuel)
}

func TestThumbnailExampleFitsAndAverages(t *testing.T) {
	// Left half red, right half blue, 1000×600: the thumbnail is 256×154,
	// red on the left, blue on the right.
	src := image.NewNRGBA(image.Rect(0, 0, 1000, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 1000; x++ {
			c := color.NRGBA{R: 255, A: 255}
			if x >= 500 {
				c = color.NRGBA{B: 255, A: 255}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	res, err := testRunTransform(string(transformExample(t, "thumbnail.js")), encodePNG(t, src), testTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := decodePNG(t, res.Output)
	if out.Rect.Dx() != 256 || out.Rect.Dy() != 154 {
		t.Fatalf("thumbnail is %v, want 256×154", out.Rect.Size())
	}
	if c := out.NRGBAAt(10, 77); c != (color.NRGBA{R: 255, A: 255}) {
		t.Fatalf("left pixel %v", c)
	}
	if c := out.NRGBAAt(245, 77); c != (color.NRGBA{B: 255, A: 255}) {
		t.Fatalf("right pixel %v", c)
	}
	// A small image is not enlarged.
	res, err = testRunTransform(string(transformExample(t, "thumbnail.js")), encodePNG(t, photo(100, 40)), testTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if out := decodePNG(t, res.Output); out.Rect.Dx() != 100 || out.Rect.Dy() != 40 {
		t.Fatalf("small image became %v", out.Rect.Size())
	}
}

func TestJSONFieldExampleExtractsByPath(t *testing.T) {
	doc := []byte(`{"user": {"name": "Ada", "langs": ["en", "fr"]}, "items": [{"id": 7}, {"id": 9}]}`)
	src := string(transformExample(t, "json-field.js"))
	cases := map[string]string{
		"tools/json/field/user.name":    `"Ada"`,
		"tools/json/field/user.langs.1": `"fr"`,
		"tools/json/field/items.1.id":   `9`,
		"tools/json/field/user":         `{"name":"Ada","langs":["en","fr"]}`,
		"tools/json/field/user.age":     `null`,
		"tools/json/field/items.5":      `null`,
	}
	for key, want := range cases {
		res, err := testRunTransform(src, doc, TransformContext{Key: key}, 0)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if res.Kind != KindString || string(res.Output) != want {
			t.Fatalf("%s: got %s %s, want %s", key, res.Kind, res.Output, want)
		}
	}
	_, err := testRunTransform(src, []byte(`{"user": `), TransformContext{Key: "tools/json/field/user"}, 0)
	if te := transformFailure(t, err); te.Code != CodeThrew {
		t.Fatalf("bad JSON: %v", te)
	}
}

func TestMarkdownExampleGivesPlainText(t *testing.T) {
	md := "# Title\n\nSome *emphasis*, __strong__ and `code`,\na [link](https://example.com) and ![alt text](img.png).\n\n\n" +
		"> a quote\n> > nested\n\n- one\n* two\n1. three\n\n---\n\n```js\nlet x = 1 * 2;\n```\nescaped \\*star\\*\n"
	res, err := testRunTransform(string(transformExample(t, "markdown-to-text.js")), []byte(md), testTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"Title", "",
		"Some emphasis, strong and code,", "a link and alt text.", "",
		"a quote", "nested", "",
		"one", "two", "three", "",
		"let x = 1 * 2;", "escaped *star*", "",
	}, "\n")
	if res.Kind != KindString || string(res.Output) != want {
		t.Fatalf("got %s:\n%s\nwant:\n%s", res.Kind, res.Output, want)
	}
}
