package tui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"slices"
	"strings"
	"sync"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// fakeMarket is a market.API over fixed tables: Quote gives a request
// whose ID is the hash of its text, Table reads tables (which a test
// changes as offers "arrive", sending EventOffer on events), results are
// set by the test. It records calls in the same probe as the node's fake.
type fakeMarket struct {
	*probe
	mu       sync.Mutex
	tables   map[wire.Hash]*market.Table
	requests []market.RequestInfo
	results  map[wire.Hash]*market.Result
	serve    market.ServeStatus
	noServe  bool         // Serve and ServeStatus fail with ErrNotServing
	relay    *relayStatus // the relay role (fake_relay_test.go); nil: no serve identity
	taken    []wire.Hash
	tableN   int // Table calls
	events   chan market.Event
	privates []market.PrivateJob // Private calls (fake_private_test.go)
	// wait records a call and waits for the node fake's gate.
	wait func(ctx context.Context, call string) error
}

func newFakeMarket(p *probe, wait func(context.Context, string) error) *fakeMarket {
	return &fakeMarket{probe: p, wait: wait, tables: map[wire.Hash]*market.Table{}, results: map[wire.Hash]*market.Result{},
		events: make(chan market.Event, 16), serve: market.ServeStatus{Identity: testPub, Prices: market.Prices{PerFuel: 10, PerByte: 5, Min: wire.Unit / 100}}}
}

// requestID is the fake's ID of a request expression.
func requestID(expr string) wire.Hash { return wire.Sum([]byte("request"), []byte(expr)) }

func (f *fakeMarket) Quote(ctx context.Context, expr string, opt market.QuoteOptions) (*market.Quote, error) {
	if err := f.wait(ctx, "market.Quote"); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(expr, "(") {
		return nil, fmt.Errorf("request: at 1: expected ( to open a key or a transform, found %q", expr[:1])
	}
	id := requestID(expr)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tables[id]; !ok {
		f.tables[id] = &market.Table{Request: id}
	}
	return &market.Quote{Request: id, Expr: expr, Expires: testNow.Unix() + 300}, nil
}

func (f *fakeMarket) Table(ctx context.Context, request wire.Hash) (*market.Table, error) {
	if err := f.wait(ctx, "market.Table"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tableN++
	t, ok := f.tables[request]
	if !ok {
		return nil, fmt.Errorf("no such request %s", request.Short())
	}
	c := *t
	c.Rows = slices.Clone(t.Rows)
	return &c, nil
}

// setTable sets the table of expr's request (offers arrived).
func (f *fakeMarket) setTable(expr string, rows ...market.Row) {
	id := requestID(expr)
	f.mu.Lock()
	f.tables[id] = &market.Table{Request: id, Offers: len(rows), Rows: rows}
	f.mu.Unlock()
}

func (f *fakeMarket) Requests(ctx context.Context) ([]market.RequestInfo, error) {
	if err := f.wait(ctx, "market.Requests"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), nil
}

func (f *fakeMarket) Result(ctx context.Context, bounty wire.Hash) (*market.Result, error) {
	if err := f.wait(ctx, "market.Result"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.results[bounty]
	if !ok {
		return nil, market.ErrNoResult
	}
	return r, nil
}

func (f *fakeMarket) Serve(ctx context.Context, on bool) (*market.ServeStatus, error) {
	if err := f.wait(ctx, "market.Serve"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noServe {
		return nil, market.ErrNotServing
	}
	f.serve.On = on
	st := f.serve
	return &st, nil
}

func (f *fakeMarket) ServeStatus(ctx context.Context) (*market.ServeStatus, error) {
	if err := f.wait(ctx, "market.ServeStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noServe {
		return nil, market.ErrNotServing
	}
	st := f.serve
	return &st, nil
}

func (f *fakeMarket) Take(ctx context.Context, bounty wire.Hash) error {
	if err := f.wait(ctx, "market.Take"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.serve.On {
		return market.ErrNotServing
	}
	f.taken = append(f.taken, bounty)
	return nil
}

func (f *fakeMarket) Events(ctx context.Context) (<-chan market.Event, error) {
	if err := f.wait(ctx, "market.Events"); err != nil {
		return nil, err
	}
	return f.events, nil
}

// Bounties lists the fake node's bounties as the node does: newest first,
// by state and party.
func (f *fakeAPI) Bounties(ctx context.Context, flt bountyFilter) ([]bountyInfo, error) {
	if err := f.wait(ctx, "Bounties"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []bountyInfo
	for _, b := range f.bounties {
		if flt.State != "" && b.State != flt.State {
			continue
		}
		if flt.Party != "" && b.Requester != flt.Party && b.Worker != flt.Party {
			continue
		}
		out = append(out, b)
	}
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

// The market of the goldens.
const (
	bwExpr    = `("photo filters/black and white")("erik/photos/3j903")`
	thumbExpr = `("photo filters/thumbnail")("erik/photos/3j903")`
)

func bountyID(i int) wire.Hash { return wire.Sum([]byte("bounty"), []byte{byte(i)}) }

// marketRows are the rows of bwExpr's table once n offers came: the
// node's own, then others, and a row that needs relays.
func marketRows(n int) []market.Row {
	rows := []market.Row{
		{Reliability: 0.92, Hops: 0, LatencyMS: 1200, Price: 5 * wire.Unit / 100, Worker: testPub},
		{Reliability: 0.975, Hops: 0, LatencyMS: 850, Price: 8 * wire.Unit / 100, Worker: otherKey.PubKey()},
		{Reliability: 0.999, Hops: 1, LatencyMS: 2400, Price: 15 * wire.Unit / 100, Worker: otherKey.PubKey(), NeedsRelays: true},
	}
	return rows[:min(n, len(rows))]
}

// marketChain is richChain with a market: live requests, the wallet's
// bounties in every state (as requester and as worker) and open ones.
func marketChain(api *fakeAPI) {
	richChain(api)
	m := api.market
	m.serve.On, m.serve.Jobs, m.serve.Earned = true, 1, 3*wire.Unit/10
	m.requests = []market.RequestInfo{
		{Request: requestID(thumbExpr), Expr: thumbExpr, Offers: 2, Expires: testNow.Unix() + 200},
		{Request: requestID(`("json/field name")("public/config")`), Expr: `("json/field name")("public/config")`, Offers: 1, Expires: testNow.Unix() + 90},
	}
	h := api.status.Height
	api.bounties = []bountyInfo{
		{ID: bountyID(1), Requester: testAddr, Request: requestID(bwExpr), Amount: 5 * wire.Unit / 100, Deadline: h + 100, Worker: testAddr,
			Stake: wire.Unit / 100, State: bountyCommitted, Created: h - 20, Accepted: h - 18, Committed: h - 2, SettleAfter: h + 8, Envelope: wire.Sum([]byte("env"))},
		{ID: bountyID(2), Requester: otherAddr, Request: requestID(thumbExpr), Amount: 12 * wire.Unit / 100, Deadline: h + 60, Worker: testAddr,
			Stake: 2 * wire.Unit / 100, State: bountyAccepted, Created: h - 5, Accepted: h - 3},
		{ID: bountyID(3), Requester: testAddr, Request: requestID(bwExpr), Amount: 4 * wire.Unit / 100, Deadline: h + 30, State: bountyOpen, Created: h - 1},
		{ID: bountyID(4), Requester: testAddr, Request: requestID(thumbExpr), Amount: wire.Unit / 10, Deadline: h - 50, Worker: otherAddr,
			State: bountySettled, Created: h - 200, Committed: h - 160, Closed: h - 150},
		{ID: bountyID(5), Requester: otherAddr, Request: requestID(thumbExpr), Amount: 25 * wire.Unit / 100, Deadline: h + 45, State: bountyOpen, Created: h - 2},
		{ID: bountyID(6), Requester: otherAddr, Request: requestID(`("json/field name")("public/config")`), Amount: wire.Unit / 50, Deadline: h + 8, State: bountyOpen, Created: h - 9},
	}
	api.market.results[bountyID(1)] = &market.Result{Bounty: bountyID(1), Request: requestID(bwExpr), Envelope: wire.Sum([]byte("env")),
		Kind: "bytes", Value: grayPNG(), Fuel: 1_234_567}
}

// grayPNG is testPNG in grey: what the black-and-white transform returns.
func grayPNG() []byte {
	src, _ := png.Decode(bytes.NewReader(testPNG()))
	g := image.NewGray(src.Bounds())
	draw.Draw(g, g.Bounds(), src, image.Point{}, draw.Src)
	var b bytes.Buffer
	png.Encode(&b, g)
	return b.Bytes()
}
