package rpc

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/bitverse/bitverse/node"
)

type peerParams struct {
	Addr     string        `json:",omitempty"`
	ID       string        `json:",omitempty"`
	Duration time.Duration `json:",omitempty"`
}

type blobParams struct{ Manifest []byte }

// netRoutes serves node.NetAPI: net_info, peers, add_peer, ban_peer,
// unban_peer.
func (s *Server) netRoutes(mux *http.ServeMux) {
	n := s.net
	route(mux, "net_info", func(ctx context.Context, _ struct{}) (node.NetInfo, error) {
		if n == nil {
			return node.NetInfo{}, node.ErrNoNetwork
		}
		return n.NetInfo(ctx)
	})
	route(mux, "peers", func(ctx context.Context, _ struct{}) ([]node.PeerInfo, error) {
		if n == nil {
			return nil, node.ErrNoNetwork
		}
		return n.Peers(ctx)
	})
	route(mux, "add_peer", func(ctx context.Context, p peerParams) (bool, error) {
		if n == nil {
			return false, node.ErrNoNetwork
		}
		return true, n.AddPeer(ctx, p.Addr)
	})
	route(mux, "ban_peer", func(ctx context.Context, p peerParams) (bool, error) {
		if n == nil {
			return false, node.ErrNoNetwork
		}
		return true, n.BanPeer(ctx, p.ID, p.Duration)
	})
	route(mux, "unban_peer", func(ctx context.Context, p peerParams) (bool, error) {
		if n == nil {
			return false, node.ErrNoNetwork
		}
		return true, n.UnbanPeer(ctx, p.ID)
	})
}

// blobRoutes serves node.BlobAPI:
//
//	POST /v1/blob_put    raw bytes → BlobInfo
//	POST /v1/blob_fetch  {Manifest} → BlobInfo, once every chunk is held
//	POST /v1/blob_progress {Manifest} → BlobProgress (the fetch running now)
//	POST /v1/blob_read   {Manifest} → raw bytes (a failure after the first
//	                     byte aborts the connection, so a cut-short blob
//	                     never looks complete)
func (s *Server) blobRoutes(mux *http.ServeMux) {
	b := s.blobs
	mux.HandleFunc("POST /v1/blob_put", func(w http.ResponseWriter, r *http.Request) {
		if b == nil {
			fail(w, node.ErrNoNetwork)
			return
		}
		info, err := b.PutBlob(r.Context(), r.Body)
		if err != nil {
			fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
	})
	route(mux, "blob_fetch", func(ctx context.Context, p blobParams) (node.BlobInfo, error) {
		if b == nil {
			return node.BlobInfo{}, node.ErrNoNetwork
		}
		return b.FetchBlob(ctx, p.Manifest)
	})
	route(mux, "blob_progress", func(ctx context.Context, p blobParams) (node.BlobProgress, error) {
		if b == nil {
			return node.BlobProgress{}, node.ErrNoNetwork
		}
		return b.BlobProgress(ctx, p.Manifest)
	})
	mux.HandleFunc("POST /v1/blob_read", func(w http.ResponseWriter, r *http.Request) {
		if b == nil {
			fail(w, node.ErrNoNetwork)
			return
		}
		var p blobParams
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&p); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", 0, "malformed parameters: "+err.Error())
			return
		}
		lw := &lazyWriter{w: w}
		if _, err := b.ReadBlob(r.Context(), p.Manifest, lw); err != nil {
			if !lw.started {
				fail(w, err)
				return
			}
			panic(http.ErrAbortHandler)
		}
	})
}

func fail(w http.ResponseWriter, err error) {
	status, kind, code := classify(err)
	writeError(w, status, kind, code, err.Error())
}

// lazyWriter sends the 200 OK header with the first byte of a stream, so
// an error before it can still be answered as an error.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", "application/octet-stream")
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}
