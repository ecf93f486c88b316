package script

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// bwLoopJS is the black-and-white example's per-pixel loop alone: the
// input is raw RGBA bytes (no PNG decode or encode), the output the same
// bytes turned grey.
const bwLoopJS = `function transform(input, ctx) {
  const px = new Uint32Array(input.buffer);
  const n = px.length;
  for (let i = 0; i < n; i++) {
    const v = px[i];
    const y = (77 * (v & 255) + 150 * ((v >>> 8) & 255) + 29 * ((v >>> 16) & 255) + 128) >>> 8;
    px[i] = (v & 0xff000000) | (y * 0x10101);
  }
  return input;
}`

// bwNative is the same loop in Go.
func bwNative(p []byte) {
	for i := 0; i+3 < len(p); i += 4 {
		y := byte((77*uint32(p[i]) + 150*uint32(p[i+1]) + 29*uint32(p[i+2]) + 128) >> 8)
		p[i], p[i+1], p[i+2] = y, y, y
	}
}

// nativePasses is how many times the native loop runs per measurement: a
// pass takes a few milliseconds, too short to time alone.
const nativePasses = 200

// BenchmarkTransformBlackAndWhite1MP compares, on a 1000×1000 image:
//
//	loop_ms        the per-pixel loop in the sandbox (in process, metered)
//	loop_cpu_ms    its CPU time: what it would take on an idle machine
//	native_ms      the same loop in Go (mean of nativePasses passes)
//	native_cpu_ms  its CPU time
//	sandbox/native their ratio, in CPU time where it can be read (Linux)
//	example_ms     the whole black-and-white example in process (PNG
//	               decode, loop, PNG encode)
//	pool_ms        the same in a worker process (input and output cross
//	               the pipes)
//	Mfuel          the example's fuel, in millions
//
// Run with make bench case=TransformBlackAndWhite pkg=./node/script/.
func BenchmarkTransformBlackAndWhite1MP(b *testing.B) {
	img := photo(1000, 1000)
	raw := append([]byte(nil), img.Pix...)
	png := encodePNG(b, img)
	example := string(transformExample(b, "black-and-white.js"))
	pool := testPool(b, "")
	// Warm up: compile both transforms, start the sandboxes.
	if _, err := RunTransform(bwLoopJS, raw[:64], testTC, 0); err != nil {
		b.Fatal(err)
	}
	var loop, loopCPU, native, nativeCPU, whole, inPool time.Duration
	var fuel uint64
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := threadCPUTimer()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var c0 time.Duration
		if cpu != nil {
			c0, _ = cpu()
		}
		if _, err := RunTransform(bwLoopJS, raw, testTC, 0); err != nil {
			b.Fatal(err)
		}
		loop += time.Since(start)
		if cpu != nil {
			c1, _ := cpu()
			loopCPU += c1 - c0
		}

		buf := append([]byte(nil), raw...)
		start = time.Now()
		if cpu != nil {
			c0, _ = cpu()
		}
		for k := 0; k < nativePasses; k++ {
			bwNative(buf)
		}
		native += time.Since(start) / nativePasses
		if cpu != nil {
			c1, _ := cpu()
			nativeCPU += (c1 - c0) / nativePasses
		}

		start = time.Now()
		res, err := RunTransform(example, png, testTC, 0)
		if err != nil {
			b.Fatal(err)
		}
		whole += time.Since(start)
		fuel = res.Fuel

		start = time.Now()
		if _, err := pool.Transform(context.Background(), example, png, testTC, 0); err != nil {
			b.Fatal(err)
		}
		inPool += time.Since(start)
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(loop), "loop_ms")
	if cpu != nil {
		b.ReportMetric(ms(loopCPU), "loop_cpu_ms")
	}
	b.ReportMetric(ms(native), "native_ms")
	if cpu != nil && nativeCPU > 0 {
		// CPU time: a loaded machine stretches both sides' wall time unevenly.
		b.ReportMetric(ms(nativeCPU), "native_cpu_ms")
		b.ReportMetric(float64(loopCPU)/float64(nativeCPU), "sandbox/native")
	} else {
		b.ReportMetric(float64(loop)/float64(native), "sandbox/native")
	}
	b.ReportMetric(ms(whole), "example_ms")
	b.ReportMetric(ms(inPool), "pool_ms")
	b.ReportMetric(float64(fuel)/1e6, "Mfuel")
}
