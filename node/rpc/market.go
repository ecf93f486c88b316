package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// ErrNoMarket means the node runs no market service.
var ErrNoMarket = errors.New("this node runs no market service")

type marketHolder struct{ api market.API }

// SetMarket serves the market API (market_* methods) from m; the market
// service starts after the local API, so it is attached afterwards. Nil
// detaches it.
func (s *Server) SetMarket(m market.API) {
	if m == nil {
		s.market.Store(nil)
		return
	}
	s.market.Store(&marketHolder{m})
}

func (s *Server) marketAPI() (market.API, error) {
	h := s.market.Load()
	if h == nil {
		return nil, ErrNoMarket
	}
	return h.api, nil
}

type quoteParams struct {
	Expr string
	TTL  int
}

// marketRoutes serves market.API:
//
//	market_quote {Expr, TTL} → Quote
//	market_table {Request} → Table
//	market_requests → []RequestInfo
//	market_result {Bounty} → Result (kind no_result until it arrives)
//	market_serve {On} → ServeStatus; market_serve_status → ServeStatus
//	market_take {Bounty} → true
//	market_private PrivateOptions → PrivateJob (the paying key, like tumbler_join's)
//	market_private_jobs → []PrivateJob
//	GET /v1/market_events → a stream of Event, one JSON object a line
func (s *Server) marketRoutes(mux *http.ServeMux) {
	route(mux, "market_quote", func(ctx context.Context, p quoteParams) (*market.Quote, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Quote(ctx, p.Expr, market.QuoteOptions{TTL: p.TTL})
	})
	route(mux, "market_table", func(ctx context.Context, p struct{ Request wire.Hash }) (*market.Table, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Table(ctx, p.Request)
	})
	route(mux, "market_requests", func(ctx context.Context, _ struct{}) ([]market.RequestInfo, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Requests(ctx)
	})
	route(mux, "market_result", func(ctx context.Context, p struct{ Bounty wire.Hash }) (*market.Result, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Result(ctx, p.Bounty)
	})
	route(mux, "market_serve", func(ctx context.Context, p struct{ On bool }) (*market.ServeStatus, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Serve(ctx, p.On)
	})
	route(mux, "market_serve_status", func(ctx context.Context, _ struct{}) (*market.ServeStatus, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.ServeStatus(ctx)
	})
	route(mux, "market_take", func(ctx context.Context, p struct{ Bounty wire.Hash }) (bool, error) {
		m, err := s.marketAPI()
		if err != nil {
			return false, err
		}
		return true, m.Take(ctx, p.Bounty)
	})
	route(mux, "market_relay", func(ctx context.Context, p struct{ On bool }) (*market.RelayStatus, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Relay(ctx, p.On)
	})
	route(mux, "market_relay_status", func(ctx context.Context, _ struct{}) (*market.RelayStatus, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.RelayStatus(ctx)
	})
	route(mux, "market_relay_jobs", func(ctx context.Context, _ struct{}) ([]market.RelayJob, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.RelayJobs(ctx)
	})
	route(mux, "market_draws", func(ctx context.Context, _ struct{}) ([]market.Draw, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Draws(ctx)
	})
	route(mux, "market_private", func(ctx context.Context, p market.PrivateOptions) (*market.PrivateJob, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.Private(ctx, p)
	})
	route(mux, "market_private_jobs", func(ctx context.Context, _ struct{}) ([]market.PrivateJob, error) {
		m, err := s.marketAPI()
		if err != nil {
			return nil, err
		}
		return m.PrivateJobs(ctx)
	})
	mux.HandleFunc("GET /v1/market_events", func(w http.ResponseWriter, r *http.Request) {
		m, err := s.marketAPI()
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "no_market", 0, err.Error())
			return
		}
		ch, err := m.Events(r.Context())
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", 0, err.Error())
			return
		}
		streamEvents(w, r, ch)
	})
}

// streamEvents writes events as lines of JSON until the request or the
// channel ends.
func streamEvents[E any](w http.ResponseWriter, r *http.Request, ch <-chan E) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	if flusher != nil {
		flusher.Flush()
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			if err := enc.Encode(e); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
}

// MarketClient implements market.API over the local API.
type MarketClient struct{ c *Client }

var _ market.API = MarketClient{}

// Market returns the market API of the node the client talks to.
func (c *Client) Market() MarketClient { return MarketClient{c} }

// Quote implements market.API.
func (m MarketClient) Quote(ctx context.Context, expr string, opt market.QuoteOptions) (*market.Quote, error) {
	var q market.Quote
	return &q, m.c.call(ctx, "market_quote", quoteParams{Expr: expr, TTL: opt.TTL}, &q)
}

// Table implements market.API.
func (m MarketClient) Table(ctx context.Context, request wire.Hash) (*market.Table, error) {
	var t market.Table
	return &t, m.c.call(ctx, "market_table", struct{ Request wire.Hash }{request}, &t)
}

// Requests implements market.API.
func (m MarketClient) Requests(ctx context.Context) ([]market.RequestInfo, error) {
	var out []market.RequestInfo
	return out, m.c.call(ctx, "market_requests", struct{}{}, &out)
}

// Result implements market.API.
func (m MarketClient) Result(ctx context.Context, bounty wire.Hash) (*market.Result, error) {
	var r market.Result
	if err := m.c.call(ctx, "market_result", struct{ Bounty wire.Hash }{bounty}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Serve implements market.API.
func (m MarketClient) Serve(ctx context.Context, on bool) (*market.ServeStatus, error) {
	var st market.ServeStatus
	return &st, m.c.call(ctx, "market_serve", struct{ On bool }{on}, &st)
}

// ServeStatus implements market.API.
func (m MarketClient) ServeStatus(ctx context.Context) (*market.ServeStatus, error) {
	var st market.ServeStatus
	return &st, m.c.call(ctx, "market_serve_status", struct{}{}, &st)
}

// Take implements market.API.
func (m MarketClient) Take(ctx context.Context, bounty wire.Hash) error {
	return m.c.call(ctx, "market_take", struct{ Bounty wire.Hash }{bounty}, nil)
}

// Relay implements market.API.
func (m MarketClient) Relay(ctx context.Context, on bool) (*market.RelayStatus, error) {
	var st market.RelayStatus
	return &st, m.c.call(ctx, "market_relay", struct{ On bool }{on}, &st)
}

// RelayStatus implements market.API.
func (m MarketClient) RelayStatus(ctx context.Context) (*market.RelayStatus, error) {
	var st market.RelayStatus
	return &st, m.c.call(ctx, "market_relay_status", struct{}{}, &st)
}

// RelayJobs implements market.API.
func (m MarketClient) RelayJobs(ctx context.Context) ([]market.RelayJob, error) {
	var out []market.RelayJob
	return out, m.c.call(ctx, "market_relay_jobs", struct{}{}, &out)
}

// Draws implements market.API.
func (m MarketClient) Draws(ctx context.Context) ([]market.Draw, error) {
	var out []market.Draw
	return out, m.c.call(ctx, "market_draws", struct{}{}, &out)
}

// Private implements market.API.
func (m MarketClient) Private(ctx context.Context, o market.PrivateOptions) (*market.PrivateJob, error) {
	var j market.PrivateJob
	if err := m.c.call(ctx, "market_private", o, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// PrivateJobs implements market.API.
func (m MarketClient) PrivateJobs(ctx context.Context) ([]market.PrivateJob, error) {
	var out []market.PrivateJob
	return out, m.c.call(ctx, "market_private_jobs", struct{}{}, &out)
}

// Events implements market.API.
func (m MarketClient) Events(ctx context.Context) (<-chan market.Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.c.base+"/v1/market_events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+m.c.token)
	resp, err := m.c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrNoNode, m.c.base, err)
	}
	if err := responseError(resp); err != nil {
		return nil, fmt.Errorf("market events: %w", err)
	}
	ch := make(chan market.Event, 256)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var e market.Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			select {
			case ch <- e:
			default:
			}
		}
	}()
	return ch, nil
}
