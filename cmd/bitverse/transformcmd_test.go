package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTransformTestRunsExampleAndPrintsFuel runs the black-and-white
// example through `bitverse transform test` on a generated PNG, in a
// worker, and checks the printed fuel and the written file.
func TestTransformTestRunsExampleAndPrintsFuel(t *testing.T) {
	dir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(6 * x), G: uint8(8 * y), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	in, outPNG := filepath.Join(dir, "photo.png"), filepath.Join(dir, "bw.png")
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	example := filepath.Join("..", "..", "examples", "transforms", "black-and-white.js")
	stdout, stderr, code := cli(t, dir, nil, "transform", "test", example, "--input", in, "--out", outPNG, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		OK    bool   `json:"ok"`
		Kind  string `json:"kind"`
		Bytes int    `json:"bytes"`
		Fuel  uint64 `json:"fuel"`
		MS    *int64 `json:"ms"`
		Out   string `json:"out"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if !res.OK || res.Kind != "bytes" || res.Fuel < 40*30 || res.MS == nil || res.Out != outPNG {
		t.Fatalf("result %+v", res)
	}
	written, err := os.ReadFile(outPNG)
	if err != nil || len(written) != res.Bytes {
		t.Fatalf("out file: %v, %d bytes", err, len(written))
	}
	bw, err := png.Decode(bytes.NewReader(written))
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ := bw.At(7, 5).RGBA()
	if r != g || g != bl {
		t.Fatalf("pixel not grey: %d %d %d", r, g, bl)
	}

	// Human output names fuel and time; a text result is printed.
	js := filepath.Join(dir, "count.js")
	os.WriteFile(js, []byte(`function transform(input, ctx) { return "n=" + input.length + " key=" + ctx.key; }`), 0o600)
	stdout, stderr, code = cli(t, dir, nil, "transform", "test", js, "--input", in, "--in-process")
	if code != 0 || !strings.Contains(stdout, "fuel") || !strings.Contains(stdout, "time") ||
		!strings.Contains(stdout, fmt.Sprintf("n=%d key=count", b.Len())) {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
}

func TestTransformTestFailureExitsOneWithReason(t *testing.T) {
	dir := t.TempDir()
	js, in := filepath.Join(dir, "bad.js"), filepath.Join(dir, "in")
	os.WriteFile(js, []byte(`function transform(input, ctx) { throw new Error("cannot read this"); }`), 0o600)
	os.WriteFile(in, []byte("x"), 0o600)
	stdout, _, code := cli(t, dir, nil, "transform", "test", js, "--input", in)
	if code != 1 || !strings.Contains(stdout, "failed: cannot read this") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	os.WriteFile(js, []byte(`function nope() {}`), 0o600)
	_, stderr, code := cli(t, dir, nil, "transform", "test", js, "--input", in)
	if code == 0 || !strings.Contains(stderr, "function transform(input, ctx)") || strings.Contains(stderr, "goroutine") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
