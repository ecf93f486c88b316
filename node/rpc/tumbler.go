package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

type tumblerHolder struct{ api tumbler.API }

// SetTumbler serves the tumbler API (tumbler_* methods) from t; the
// tumbler starts after the local API, so it is attached afterwards. Nil
// detaches it.
func (s *Server) SetTumbler(t tumbler.API) {
	if t == nil {
		s.tumbler.Store(nil)
		return
	}
	s.tumbler.Store(&tumblerHolder{t})
}

func (s *Server) tumblerAPI() (tumbler.API, error) {
	h := s.tumbler.Load()
	if h == nil {
		return nil, tumbler.ErrNoTumbler
	}
	return h.api, nil
}

type roundParams struct{ Round wire.Hash }

// tumblerRoutes serves tumbler.API:
//
//	tumbler_rounds → []RoundInfo
//	tumbler_coordinate CoordinateConfig → RoundInfo
//	tumbler_join JoinRequest → Registration (the request carries the
//	  paying account's key: the local API is loopback and authenticated)
//	tumbler_registrations, tumbler_history → []Registration
//	tumbler_review {Round} → Review; tumbler_cosign {Round} → true
//	GET /v1/tumbler_events → a stream of Event, one JSON object a line
func (s *Server) tumblerRoutes(mux *http.ServeMux) {
	withT := func(f func(tumbler.API) error) error {
		t, err := s.tumblerAPI()
		if err != nil {
			return err
		}
		return f(t)
	}
	route(mux, "tumbler_rounds", func(ctx context.Context, _ struct{}) (out []tumbler.RoundInfo, err error) {
		err = withT(func(t tumbler.API) error { out, err = t.Rounds(ctx); return err })
		return out, err
	})
	route(mux, "tumbler_coordinate", func(ctx context.Context, c tumbler.CoordinateConfig) (out tumbler.RoundInfo, err error) {
		err = withT(func(t tumbler.API) error { out, err = t.Coordinate(ctx, c); return err })
		return out, err
	})
	route(mux, "tumbler_join", func(ctx context.Context, j tumbler.JoinRequest) (out tumbler.Registration, err error) {
		err = withT(func(t tumbler.API) error { out, err = t.Join(ctx, j); return err })
		return out, err
	})
	route(mux, "tumbler_registrations", func(ctx context.Context, _ struct{}) (out []tumbler.Registration, err error) {
		err = withT(func(t tumbler.API) error { out, err = t.Registrations(ctx); return err })
		return out, err
	})
	route(mux, "tumbler_history", func(ctx context.Context, _ struct{}) (out []tumbler.Registration, err error) {
		err = withT(func(t tumbler.API) error { out, err = t.History(ctx); return err })
		return out, err
	})
	route(mux, "tumbler_review", func(ctx context.Context, p roundParams) (out *tumbler.Review, err error) {
		err = withT(func(t tumbler.API) error { out, err = t.Review(ctx, p.Round); return err })
		return out, err
	})
	route(mux, "tumbler_cosign", func(ctx context.Context, p roundParams) (bool, error) {
		return true, withT(func(t tumbler.API) error { return t.CoSign(ctx, p.Round) })
	})
	mux.HandleFunc("GET /v1/tumbler_events", func(w http.ResponseWriter, r *http.Request) {
		t, err := s.tumblerAPI()
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "no_tumbler", 0, err.Error())
			return
		}
		var ch <-chan tumbler.Event
		if sub, ok := t.(interface {
			Subscribe(context.Context) <-chan tumbler.Event
		}); ok {
			ch = sub.Subscribe(r.Context())
		} else {
			ch = t.Events()
		}
		streamEvents(w, r, ch)
	})
}

// tumblerErrors are the tumbler's sentinels by the kind the local API
// reports them under.
var tumblerErrors = []struct {
	kind   string
	status int
	err    error
}{
	{"no_tumbler", http.StatusServiceUnavailable, tumbler.ErrNoTumbler},
	{"tumbler_no_round", http.StatusNotFound, tumbler.ErrNoRound},
	{"tumbler_no_open_round", http.StatusNotFound, tumbler.ErrNoOpenRound},
	{"tumbler_no_batch", http.StatusNotFound, tumbler.ErrNoBatch},
	{"tumbler_not_in", http.StatusNotFound, tumbler.ErrNotIn},
	{"tumbler_banned", http.StatusConflict, tumbler.ErrBanned},
	{"tumbler_check_failed", http.StatusConflict, tumbler.ErrCheckFailed},
	{"tumbler_already_signed", http.StatusConflict, tumbler.ErrAlreadySigned},
}

func classifyTumbler(err error) (int, string, bool) {
	for _, e := range tumblerErrors {
		if errors.Is(err, e.err) {
			return e.status, e.kind, true
		}
	}
	return 0, "", false
}

func tumblerBase(kind string) error {
	for _, e := range tumblerErrors {
		if e.kind == kind {
			return e.err
		}
	}
	return nil
}

// TumblerClient implements tumbler.API over the local API.
type TumblerClient struct{ c *Client }

var _ tumbler.API = TumblerClient{}

// Tumbler returns the tumbler API of the node the client talks to.
func (c *Client) Tumbler() TumblerClient { return TumblerClient{c} }

// Rounds implements tumbler.API.
func (t TumblerClient) Rounds(ctx context.Context) ([]tumbler.RoundInfo, error) {
	var out []tumbler.RoundInfo
	return out, t.c.call(ctx, "tumbler_rounds", struct{}{}, &out)
}

// Coordinate implements tumbler.API.
func (t TumblerClient) Coordinate(ctx context.Context, c tumbler.CoordinateConfig) (tumbler.RoundInfo, error) {
	var out tumbler.RoundInfo
	return out, t.c.call(ctx, "tumbler_coordinate", c, &out)
}

// Join implements tumbler.API.
func (t TumblerClient) Join(ctx context.Context, j tumbler.JoinRequest) (tumbler.Registration, error) {
	var out tumbler.Registration
	return out, t.c.call(ctx, "tumbler_join", j, &out)
}

// Registrations implements tumbler.API.
func (t TumblerClient) Registrations(ctx context.Context) ([]tumbler.Registration, error) {
	var out []tumbler.Registration
	return out, t.c.call(ctx, "tumbler_registrations", struct{}{}, &out)
}

// History implements tumbler.API.
func (t TumblerClient) History(ctx context.Context) ([]tumbler.Registration, error) {
	var out []tumbler.Registration
	return out, t.c.call(ctx, "tumbler_history", struct{}{}, &out)
}

// Review implements tumbler.API.
func (t TumblerClient) Review(ctx context.Context, round wire.Hash) (*tumbler.Review, error) {
	var out tumbler.Review
	if err := t.c.call(ctx, "tumbler_review", roundParams{round}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CoSign implements tumbler.API.
func (t TumblerClient) CoSign(ctx context.Context, round wire.Hash) error {
	return t.c.call(ctx, "tumbler_cosign", roundParams{round}, nil)
}

// Events implements tumbler.API: the stream lasts as long as the
// connection (the channel closes when it ends).
func (t TumblerClient) Events() <-chan tumbler.Event {
	ch := make(chan tumbler.Event, 64)
	req, err := http.NewRequest(http.MethodGet, t.c.base+"/v1/tumbler_events", nil)
	if err != nil {
		close(ch)
		return ch
	}
	req.Header.Set("Authorization", "Bearer "+t.c.token)
	go func() {
		defer close(ch)
		resp, err := t.c.http.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		if responseError(resp) != nil {
			return
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var e tumbler.Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			select {
			case ch <- e:
			default:
			}
		}
	}()
	return ch
}
