package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// WithPoolDownloads serves pool_download from d.
func WithPoolDownloads(d pool.Downloader) Option { return func(s *Server) { s.poolDL = d } }

type poolDownloadParams struct {
	Pool, Redemption wire.Hash
}

// Headers of a pool_download answer.
const (
	headerPeer     = "Bitverse-Peer"     // the member's node that served
	headerRefusals = "Bitverse-Refusals" // JSON []pool.RefusalInfo met before
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
//	(application/octet-stream, Content-Length, at most pool.MaxDownload
//	bytes), headers Bitverse-Peer and Bitverse-Refusals; or an error of
//	kind not_confirmed (409), no_member (502) or refused (502, with
//	"refusals": every member asked refused in writing).
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
		f, err := s.poolDL.Download(r.Context(), p.Pool, p.Redemption)
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
			default:
				fail(w, err)
				return
			}
			body := poolDownloadError{errorBody: errorBody{Error: err.Error(), Kind: kind}}
			if errors.As(err, &fe) {
				body.Refusals = refusalInfos(fe.Refusals)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(body)
			return
		}
		refusals, _ := json.Marshal(refusalInfos(f.Refusals))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
		w.Header().Set(headerPeer, f.Peer.String())
		w.Header().Set(headerRefusals, string(refusals))
		w.WriteHeader(http.StatusOK)
		w.Write(f.Data)
	})
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
	Peer     string             `json:"peer,omitempty"` // the member's node that served it
	Refusals []pool.RefusalInfo `json:"refusals,omitempty"`
}

// PoolDownload asks the node to download pool's data under a confirmed
// redemption from the pool's members and copies it into w. On failure the
// error says why (pool.ErrNotConfirmed, pool.ErrNoMember,
// pool.ErrAllRefused under errors.Is) and the PoolDownload, when not nil,
// carries the signed refusals met.
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
		var base error
		switch eb.Kind {
		case "not_confirmed":
			base = pool.ErrNotConfirmed
		case "no_member":
			base = pool.ErrNoMember
		case "refused":
			base = pool.ErrAllRefused
		default:
			return nil, decodeError(eb.errorBody)
		}
		return &PoolDownload{Refusals: eb.Refusals}, &RemoteError{Kind: eb.Kind, Msg: eb.Error, base: base}
	}
	d := &PoolDownload{Peer: resp.Header.Get(headerPeer)}
	if err := json.Unmarshal([]byte(resp.Header.Get(headerRefusals)), &d.Refusals); err != nil {
		return nil, fmt.Errorf("pool_download: unreadable %s header: %w", headerRefusals, err)
	}
	n, err := io.Copy(w, resp.Body)
	d.Size = n
	if err != nil {
		return d, fmt.Errorf("pool download cut short after %d bytes: %w", n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return d, fmt.Errorf("pool download cut short: %d of %d bytes", n, resp.ContentLength)
	}
	return d, nil
}
