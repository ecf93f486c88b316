//go:build long

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
)

// testPhoto is a 1000×1000 opaque image with smooth gradients and some
// noise: a stand-in for a photo, made here rather than committed.
func testPhoto(t *testing.T) []byte {
	t.Helper()
	const n = 1000
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	seed := uint32(1)
	for y := range n {
		for x := range n {
			seed = seed*1664525 + 1013904223
			noise := uint8(seed >> 28)
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x*255/n) + noise, G: uint8(y*255/n) ^ noise, B: uint8((x + y) * 255 / (2 * n)), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bwReference is the black-and-white filter in Go: every pixel's R, G
// and B become Y = (77·R + 150·G + 29·B + 128) >> 8; alpha is kept.
func bwReference(src image.Image) *image.NRGBA {
	b := src.Bounds()
	out := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
			v := uint8((77*uint32(c.R) + 150*uint32(c.G) + 29*uint32(c.B) + 128) >> 8)
			out.SetNRGBA(x, y, color.NRGBA{v, v, v, c.A})
		}
	}
	return out
}

func balanceOf(t *testing.T, cl *rpc.Client, addr string) uint64 {
	t.Helper()
	a, err := cl.Account(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

func feeOf(t *testing.T, cl *rpc.Client, id wire.Hash) uint64 {
	t.Helper()
	tx, err := cl.Tx(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tx.Fee
}

// TestLoneNodeRequestsBlackAndWhitePhoto is the lone-node acceptance: a
// 1000×1000 PNG as a blob at erik/photos/3j903 and the BW transform at
// "photo filters/black and white"; `bitverse request … --row 0 --out
// bw.png` with the node serving itself (its wallet's "worker" account)
// writes a PNG whose every pixel has R=G=B and equals the Go reference;
// the bounty settles, and balances move exactly as PROTOCOL §16 says:
// the requester pays amount plus its two fees, the worker gets the
// amount less its two fees, its stake back.
func TestLoneNodeRequestsBlackAndWhitePhoto(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	cliOK(t, dir, "wallet", "new-account", "worker")
	cliOK(t, dir, "wallet", "new-account", "miner")
	addr := func(acct string) string {
		var a struct{ Address string }
		json.Unmarshal([]byte(cliOK(t, dir, "--account", acct, "wallet", "address", "--json")), &a)
		return a.Address
	}
	requester, worker, miner := addr(""), addr("worker"), addr("miner")
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("correct horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	startNode(t, dir, "--mine", "--mine-to", miner, "--miner-workers", "1", "--serve", "--serve-account", "worker", "--passphrase-file", pass)
	cl, err := rpc.Dial(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 120*time.Second, "the miner's reward matures", func() error {
		if balanceOf(t, cl, miner) < 60*wire.Unit {
			return os.ErrNotExist
		}
		return nil
	})
	cliOK(t, dir, "--account", "miner", "wallet", "send", requester, "40", "--yes", "--wait")
	cliOK(t, dir, "--account", "miner", "wallet", "send", worker, "1", "--yes", "--wait")
	cliOK(t, dir, "keyspace", "buy", "erik", "--yes", "--wait")
	cliOK(t, dir, "keyspace", "buy", "photo filters", "--yes", "--wait")

	files := t.TempDir()
	photo := filepath.Join(files, "photo.png")
	if err := os.WriteFile(photo, testPhoto(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cliOK(t, dir, "put", "erik/photos/3j903", "--file", photo, "--wait")
	cliOK(t, dir, "put", "photo filters/black and white", "--file", "../../examples/transforms/black-and-white.js", "--wait")

	reqBefore, workBefore := balanceOf(t, cl, requester), balanceOf(t, cl, worker)
	outFile := filepath.Join(files, "bw.png")
	start := time.Now()
	out := cliOK(t, dir, "request", `("photo filters/black and white")("erik/photos/3j903")`, "--row", "0", "--out", outFile, "--yes", "--json")
	var res struct {
		Bounty   wire.Hash
		Amount   uint64
		Settle   wire.Hash
		State    string
		Timings  map[string]int64
		Envelope wire.Hash
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("request --json: %v\n%s", err, out)
	}
	t.Logf("request took %v: %v", time.Since(start).Round(time.Millisecond), res.Timings)

	// Every pixel grey, equal to the Go reference.
	got, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	bw, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("bw.png is not a PNG: %v", err)
	}
	src, _ := png.Decode(bytes.NewReader(testPhoto(t)))
	ref := bwReference(src)
	if bw.Bounds() != ref.Bounds() {
		t.Fatalf("bw.png is %v, the photo %v", bw.Bounds(), ref.Bounds())
	}
	for y := 0; y < 1000; y++ {
		for x := 0; x < 1000; x++ {
			c := color.NRGBAModel.Convert(bw.At(x, y)).(color.NRGBA)
			if c.R != c.G || c.G != c.B || c != ref.NRGBAAt(x, y) {
				t.Fatalf("pixel (%d,%d) is %v, the reference %v", x, y, c, ref.NRGBAAt(x, y))
			}
		}
	}

	// Settled, and the balances moved exactly.
	b, err := cl.Bounty(context.Background(), res.Bounty)
	if err != nil || b.State != market.StateSettled || b.Envelope != res.Envelope || b.Worker != worker {
		t.Fatalf("bounty %+v %v", b, err)
	}
	reqFees := feeOf(t, cl, res.Bounty) + feeOf(t, cl, res.Settle)
	var workFees uint64
	hist, err := cl.History(context.Background(), worker, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range hist {
		if tx.From == worker && (tx.Type == "accept" || tx.Type == "commit") {
			workFees += tx.Fee
		}
	}
	if workFees == 0 {
		t.Fatalf("no accept or commit from the worker in its history: %+v", hist)
	}
	if after := balanceOf(t, cl, requester); after != reqBefore-res.Amount-reqFees {
		t.Errorf("requester %d → %d, want −%d (amount) −%d (fees)", reqBefore, after, res.Amount, reqFees)
	}
	if after := balanceOf(t, cl, worker); after != workBefore+res.Amount-workFees {
		t.Errorf("worker %d → %d, want +%d (amount) −%d (fees), the stake returned", workBefore, after, res.Amount, workFees)
	}
}
