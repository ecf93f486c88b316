package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// WithPoolDownloads serves pool_download from d.
func WithPoolDownloads(d pool.Downloader) Option { return func(s *Server) { s.poolDL = d } }

type poolDownloadParams struct {
	Pool, Redemption wire.Hash
}

// Headers and trailers of a pool_download answer.
const (
	headerPeer     = "Bitverse-Peer"     // trailer: the member's node that served the last block
	headerRefusals = "Bitverse-Refusals" // trailer: JSON []pool.RefusalInfo met
	headerError    = "Bitverse-Error"    // trailer: JSON error body when the download stopped midway
)

// poolDownloadError is a failed pool_download: the error body with the
// signed refusals met, for the redeemer to report.
type poolDownloadError struct {
	errorBody
	Refusals []pool.RefusalInfo `json:"refusals,omitempty"`
}

// poolDownloadRoutes serves
//
//	POST /v1/pool_download {Pool, Redemption} → the pool's data
//	(application/octet-stream, chunked: each block is sent as soon as the
//	node has checked it against the pool's segment root), trailers
//	Bitverse-Peer and Bitverse-Refusals, and Bitverse-Error if it stopped
//	midway; or, before any byte, an error of kind not_confirmed (409),
//	no_member (502) or refused (502, with "refusals": every member asked
//	refused in writing).
func (s *Server) poolDownloadRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/pool_download", func(w http.ResponseWriter, r *http.Request) {
		if s.poolDL == nil {
			fail(w, node.ErrNoNetwork)
			return
		}
		var p poolDownloadParams
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&p); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", 0, "malformed parameters: "+err.Error())
			return
		}
		sw := &startWriter{w: w}
		f, err := s.poolDL.Download(r.Context(), p.Pool, p.Redemption, sw)
		if err != nil {
			var fe *pool.FetchError
			status, kind := http.StatusInternalServerError, "internal"
			switch {
			case errors.Is(err, pool.ErrNotConfirmed):
				status, kind = http.StatusConflict, "not_confirmed"
			case errors.Is(err, pool.ErrAllRefused):
				status, kind = http.StatusBadGateway, "refused"
			case errors.Is(err, pool.ErrNoMember):
				status, kind = http.StatusBadGateway, "no_member"
			case !sw.started:
				fail(w, err)
				return
			}
			body := poolDownloadError{errorBody: errorBody{Error: err.Error(), Kind: kind}}
			if errors.As(err, &fe) {
				body.Refusals = refusalInfos(fe.Refusals)
			}
			if sw.started {
				raw, _ := json.Marshal(body)
				w.Header().Set(headerError, string(raw))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(body)
			return
		}
		sw.start()
		refusals, _ := json.Marshal(refusalInfos(f.Refusals))
		w.Header().Set(headerPeer, f.Peer.String())
		w.Header().Set(headerRefusals, string(refusals))
	})
}

// startWriter answers 200 and declares the trailers at the first byte of
// a download: until then a failure is an ordinary error answer.
type startWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startWriter) start() {
	if s.started {
		return
	}
	s.started = true
	s.w.Header().Set("Content-Type", "application/octet-stream")
	s.w.Header().Set("Trailer", headerPeer+", "+headerRefusals+", "+headerError)
	s.w.WriteHeader(http.StatusOK)
}

// Write sends p at once: the client shows progress as blocks arrive.
func (s *startWriter) Write(p []byte) (int, error) {
	s.start()
	n, err := s.w.Write(p)
	if f, ok := s.w.(http.Flusher); ok && err == nil {
		f.Flush()
	}
	return n, err
}

func refusalInfos(rs []pool.Refusal) []pool.RefusalInfo {
	out := make([]pool.RefusalInfo, len(rs))
	for i, r := range rs {
		out[i] = r.Info()
	}
	return out
}

// PoolDownload is what pool_download answered.
type PoolDownload struct {
	Size     int64              `json:"size"`
	Peer     string             `json:"peer,omitempty"` // the member's node that served the last block
	Refusals []pool.RefusalInfo `json:"refusals,omitempty"`
}

// PoolDownload asks the node to download pool's data under a confirmed
// redemption from the pool's members and copies it into w as it comes
// (each block checked by the node against the pool's segment root). On
// failure the error says why (pool.ErrNotConfirmed, pool.ErrNoMember,
// pool.ErrAllRefused under errors.Is; w may then hold a prefix of the
// data) and the PoolDownload, when not nil, carries the size written and
// the signed refusals met.
func (c *Client) PoolDownload(ctx context.Context, poolID, redemption wire.Hash, w io.Writer) (*PoolDownload, error) {
	body, err := json.Marshal(poolDownloadParams{Pool: poolID, Redemption: redemption})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/pool_download", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("pool_download: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w at %s (is the node running? %v)", ErrNoNode, c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var eb poolDownloadError
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(raw, &eb) != nil || eb.Error == "" {
			return nil, fmt.Errorf("node answered %s", resp.Status)
		}
		return &PoolDownload{Refusals: eb.Refusals}, poolDownloadErr(eb)
	}
	d := &PoolDownload{}
	n, err := io.Copy(w, resp.Body)
	d.Size = n
	if err != nil {
		if ctx.Err() != nil {
			return d, fmt.Errorf("pool download stopped after %d bytes: %w", n, ctx.Err())
		}
		return d, fmt.Errorf("pool download cut short after %d bytes: %w", n, err)
	}
	if raw := resp.Trailer.Get(headerError); raw != "" {
		var eb poolDownloadError
		if json.Unmarshal([]byte(raw), &eb) != nil || eb.Error == "" {
			return d, fmt.Errorf("pool download stopped after %d bytes with an unreadable error", n)
		}
		d.Refusals = eb.Refusals
		return d, poolDownloadErr(eb)
	}
	d.Peer = resp.Trailer.Get(headerPeer)
	if d.Peer == "" {
		return d, fmt.Errorf("pool download cut short after %d bytes: the node did not say it was complete", n)
	}
	if err := json.Unmarshal([]byte(resp.Trailer.Get(headerRefusals)), &d.Refusals); err != nil {
		return d, fmt.Errorf("pool_download: unreadable %s trailer: %w", headerRefusals, err)
	}
	return d, nil
}

// poolDownloadErr is the error a failed pool_download's body describes.
func poolDownloadErr(eb poolDownloadError) error {
	var base error
	switch eb.Kind {
	case "not_confirmed":
		base = pool.ErrNotConfirmed
	case "no_member":
		base = pool.ErrNoMember
	case "refused":
		base = pool.ErrAllRefused
	default:
		return decodeError(eb.errorBody)
	}
	return &RemoteError{Kind: eb.Kind, Msg: eb.Error, base: base}
}
