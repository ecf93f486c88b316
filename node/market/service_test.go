package market_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// readChain is the part of Chain a quote needs, read from a real node:
// values, height, blocks; no bounties, empty records.
type readChain struct{ n *harness.Node }

func (c readChain) Height(ctx context.Context) (uint64, error) {
	st, err := c.n.Status(ctx)
	return st.Height, err
}
func (c readChain) Bounty(context.Context, wire.Hash) (*market.Bounty, error) {
	return nil, node.ErrNotFound
}
func (c readChain) Bounties(context.Context, wire.PubKey) ([]market.Bounty, error) { return nil, nil }
func (c readChain) Record(context.Context, wire.PubKey) (market.Record, error) {
	return market.Record{}, nil
}
func (c readChain) Value(ctx context.Context, key string) ([]byte, error) {
	r, err := c.n.Get(ctx, key, false, false)
	if err != nil {
		return nil, err
	}
	if r.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(r.Value)
	}
	return []byte(r.Value), nil
}
func (c readChain) Accept(context.Context, wire.PrivKey, wire.Hash, uint32) error {
	return errors.New("read only")
}
func (c readChain) Commit(context.Context, wire.PrivKey, wire.Hash, wire.Hash, wire.Hash) error {
	return errors.New("read only")
}
func (c readChain) Settle(context.Context, wire.PrivKey, wire.Hash) error {
	return errors.New("read only")
}
func (c readChain) Countersign(context.Context, wire.PrivKey, wire.Hash, uint8, wire.Hash, wire.Hash) error {
	return errors.New("read only")
}
func (c readChain) RelayMiss(context.Context, wire.PrivKey, wire.Hash, uint8) error {
	return errors.New("read only")
}
func (c readChain) Dispute(context.Context, wire.PrivKey, wire.Hash) error {
	return errors.New("read only")
}
func (c readChain) Relayed(context.Context, wire.PubKey) ([]market.Bounty, error)   { return nil, nil }
func (c readChain) Drawn(context.Context) ([]market.Bounty, error)                  { return nil, nil }
func (c readChain) Relays(context.Context) ([]market.RelayRecord, error)            { return nil, nil }
func (c readChain) Relay(context.Context, wire.PubKey) (*market.RelayRecord, error) { return nil, nil }
func (c readChain) Terms() market.RelayTerms                                        { return market.RelayTerms{} }
func (c readChain) Blocks(ctx context.Context) (<-chan uint64, error) {
	return make(chan uint64), nil
}

func noTransform(context.Context, string, []byte, string, wire.Hash, uint64) ([]byte, string, uint64, error) {
	return nil, "", 0, errors.New("no transforms here")
}

func startService(t *testing.T, n *harness.Node, cfg market.Config) *market.Service {
	t.Helper()
	dir := filepath.Join(t.TempDir(), n.Name)
	os.MkdirAll(dir, 0o700)
	s, err := market.New(cfg, market.Deps{Net: wire.Devnet, DataDir: dir, Chain: readChain{n},
		Transform: noTransform, Host: n.Host})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// TestQuoteGetsAnOfferFromAnotherNode: a request quoted on one node is
// gossiped; a serving node evaluates it (a fetch), signs an offer and
// sends it to the requester, whose table then has the worker's row 0 at
// the worker's price for the value's size.
func TestQuoteGetsAnOfferFromAnotherNode(t *testing.T) {
	h := harness.New(t)
	req, work := h.NewNode("requester"), h.NewNode("worker")
	work.Mine(int(h.Params().CoinbaseMaturity) + 1)
	if _, err := work.Put("public/hello", "hello, market"); err != nil {
		t.Fatal(err)
	}
	work.Mine(1)
	h.Connect(req, work)
	h.WaitForTip(20*time.Second, req, work)

	wk := harness.KeyFor("worker-serve")
	prices := market.Prices{PerFuel: 1, PerByte: 1000, Min: 7}
	startService(t, work, market.Config{Serve: true, Key: &wk, Prices: prices})
	rs := startService(t, req, market.Config{})
	ctx := context.Background()
	events, err := rs.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var q *market.Quote
	// The gossip mesh forms in a heartbeat or two: quote until the
	// worker's offer arrives (quoting again is the same request).
	testutil.Eventually(t, 30*time.Second, "an offer reaches the requester", func() error {
		if q, err = rs.Quote(ctx, `("public/hello")`, market.QuoteOptions{TTL: 3}); err != nil {
			return err
		}
		tb, err := rs.Table(ctx, q.Request)
		if err != nil {
			return err
		}
		if tb.Offers == 0 {
			return fmt.Errorf("no offer yet")
		}
		return nil
	})
	tb, _ := rs.Table(ctx, q.Request)
	row := tb.Rows[0]
	if row.Worker != wk.PubKey() || row.Hops != 0 || row.Reliability != 0.5 {
		t.Fatalf("row 0 %+v", row)
	}
	// 13 bytes of value at 1000 per 1000 bytes, no fuel: 13 ≥ Min 7.
	if row.Price != 13 {
		t.Fatalf("price %d, want 13", row.Price)
	}
	select {
	case e := <-events:
		if e.Kind != market.EventOffer || e.Request != q.Request {
			t.Fatalf("event %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no offer event")
	}
	reqs, err := rs.Requests(ctx)
	if err != nil || len(reqs) != 1 || !reqs[0].Mine || reqs[0].Offers != 1 || reqs[0].Expr != `(public/hello)` {
		t.Fatalf("requests %+v %v", reqs, err)
	}
}

// poolTransform runs transforms in the node's script workers.
func poolTransform(n *harness.Node) market.TransformFunc {
	return func(ctx context.Context, src string, input []byte, key string, request wire.Hash, fuel uint64) ([]byte, string, uint64, error) {
		res, err := n.Daemon.Scripts().Transform(ctx, src, input, script.TransformContext{Key: key, Request: request}, fuel)
		return res.Output, res.Kind, res.Fuel, err
	}
}

// blobReader reads blobs from the node's blob store.
func blobReader(n *harness.Node) market.BlobReader {
	return func(ctx context.Context, manifest []byte, max int64) ([]byte, error) {
		var buf bytes.Buffer
		if _, err := n.Daemon.NetAPI().ReadBlob(ctx, manifest, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}

// testPNG is a w×h opaque gradient.
func testPNG(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOwnOfferRunsTheTransformOnABlob: a node serving itself quotes the
// BW transform on a photo stored as a blob (the value at the key is the
// blob's manifest): its worker reads the blob, runs the transform in the
// script workers, and offers at its price for the fuel burnt and the
// result's size.
func TestOwnOfferRunsTheTransformOnABlob(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("solo")
	n.Mine(int(h.Params().CoinbaseMaturity) + 1)
	ctx := context.Background()
	photo := testPNG(t, 300, 300)
	bi, err := n.Daemon.NetAPI().PutBlob(ctx, bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	bw, err := os.ReadFile("../../examples/transforms/black-and-white.js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Put("public/photo", string(bi.Manifest)); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Put("public/bw", string(bw)); err != nil {
		t.Fatal(err)
	}
	n.Mine(1)

	k := harness.KeyFor("solo-serve")
	prices := market.Prices{PerFuel: 10, PerByte: 1, Min: 1}
	dir := filepath.Join(t.TempDir(), "m")
	os.MkdirAll(dir, 0o700)
	s, err := market.New(market.Config{Serve: true, Key: &k, Prices: prices}, market.Deps{Net: wire.Devnet, DataDir: dir,
		Chain: readChain{n}, Transform: poolTransform(n), Blobs: blobReader(n), Host: n.Host})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	q, err := s.Quote(ctx, `(public/bw)(public/photo)`, market.QuoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tb *market.Table
	testutil.Eventually(t, 60*time.Second, "the own offer", func() error {
		if tb, err = s.Table(ctx, q.Request); err != nil {
			return err
		}
		if tb.Offers == 0 {
			return errors.New("no offer yet")
		}
		return nil
	})
	row := tb.Rows[0]
	if row.Worker != k.PubKey() || row.Price < 10*1_000_000/1000 {
		t.Fatalf("row 0 %+v: a 300×300 per-pixel loop burns millions of fuel", row)
	}
	t.Logf("offer: price %d, latency %d ms", row.Price, row.LatencyMS)
}
