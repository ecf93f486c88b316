package rpc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// Files in the data directory.
const (
	CookieFile = "rpc.cookie"
	AddrFile   = "rpc.addr"
)

// maxBody bounds a request (a transaction with a 64 KiB value, hex-free JSON base64).
const maxBody = 1 << 20

// Server serves an API over HTTP.
type Server struct {
	api   node.API
	net   node.NetAPI  // nil: no network
	blobs node.BlobAPI // nil: no blob store
	// market is the market service, attached once it started (SetMarket).
	market atomic.Pointer[marketHolder]
	// tumbler is the tumbler service, attached once it started (SetTumbler).
	tumbler atomic.Pointer[tumblerHolder]
	poolDL  pool.Downloader // nil: no pool_download
	token   string
	srv     *http.Server
	ln      net.Listener
}

// Option adds an optional part of the API to a Server.
type Option func(*Server)

// WithNet serves the network methods (peers, bans) from n.
func WithNet(n node.NetAPI) Option { return func(s *Server) { s.net = n } }

// WithBlobs serves the blob methods from b.
func WithBlobs(b node.BlobAPI) Option { return func(s *Server) { s.blobs = b } }

// Listen binds addr (host:port; port 0 picks one), writes the cookie and
// address files into datadir, and returns a server ready to Serve. Without
// WithNet or WithBlobs, those methods fail with node.ErrNoNetwork.
func Listen(addr, datadir string, api node.API, opts ...Option) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("rpc address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("rpc address %q: the local API only listens on loopback", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("rpc listen on %s: %w", addr, err)
	}
	var tok [32]byte
	rand.Read(tok[:])
	s := &Server{api: api, token: hex.EncodeToString(tok[:]), ln: ln}
	for _, o := range opts {
		o(s)
	}
	if err := writeFileAtomic(filepath.Join(datadir, CookieFile), []byte(s.token)); err != nil {
		ln.Close()
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(datadir, AddrFile), []byte(ln.Addr().String())); err != nil {
		ln.Close()
		return nil, err
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Close.
func (s *Server) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Handler returns the HTTP handler (exported for tests).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	api := s.api
	route(mux, "status", func(ctx context.Context, _ struct{}) (node.Status, error) { return api.Status(ctx) })
	route(mux, "account", func(ctx context.Context, p struct{ Address string }) (node.AccountInfo, error) {
		return api.Account(ctx, p.Address)
	})
	route(mux, "submit_tx", func(ctx context.Context, p struct{ Raw []byte }) (wire.Hash, error) {
		return api.SubmitTx(ctx, p.Raw)
	})
	route(mux, "get", func(ctx context.Context, p getParams) (*node.GetResult, error) {
		depth := -1
		if p.Depth != nil {
			depth = *p.Depth
		}
		return api.GetOn(ctx, p.Key, depth, p.Proof, p.History)
	})
	route(mux, "credit", func(ctx context.Context, p struct{ Address, Chain string }) (*node.CreditInfo, error) {
		return api.Credit(ctx, p.Address, p.Chain)
	})
	route(mux, "keys", func(ctx context.Context, p keysParams) ([]string, error) {
		return api.Keys(ctx, p.Prefix, p.After, p.Limit)
	})
	route(mux, "block", func(ctx context.Context, p struct{ Ref string }) (*node.BlockInfo, error) {
		return api.Block(ctx, p.Ref)
	})
	route(mux, "blocks", func(ctx context.Context, p blocksParams) ([]node.BlockInfo, error) {
		return api.Blocks(ctx, p.Top, p.Count)
	})
	route(mux, "block_on", func(ctx context.Context, p struct{ Chain, Ref string }) (*node.BlockInfo, error) {
		return api.BlockOn(ctx, p.Chain, p.Ref)
	})
	route(mux, "blocks_on", func(ctx context.Context, p chainBlocksParams) ([]node.BlockInfo, error) {
		return api.BlocksOn(ctx, p.Chain, p.Top, p.Count)
	})
	route(mux, "tx", func(ctx context.Context, p struct{ ID wire.Hash }) (*node.TxInfo, error) {
		return api.Tx(ctx, p.ID)
	})
	route(mux, "history", func(ctx context.Context, p historyParams) ([]node.TxInfo, error) {
		return api.History(ctx, p.Address, p.Limit)
	})
	route(mux, "set_mining", func(ctx context.Context, p miningParams) (bool, error) {
		return p.On, api.SetMining(ctx, p.On, p.To)
	})
	route(mux, "tree", func(ctx context.Context, _ struct{}) (node.Tree, error) { return api.Tree(ctx) })
	mux.HandleFunc("GET /v1/events", s.events)
	s.netRoutes(mux)
	s.blobRoutes(mux)
	s.marketRoutes(mux)
	s.tumblerRoutes(mux)
	keyspaceRoutes(mux, api)
	bountyRoutes(mux, api)
	relayRoutes(mux, api)
	poolRoutes(mux, api)
	previewRoutes(mux, api)
	blocktreeRoutes(mux, api)
	exploreRoutes(mux, api)
	s.poolDownloadRoutes(mux)
	return s.auth(mux)
}

type getParams struct {
	Key            string
	Depth          *int // nil: any depth
	Proof, History bool
}
type keysParams struct {
	Prefix, After string
	Limit         int
}
type blocksParams struct {
	Top   uint64
	Count int
}
type chainBlocksParams struct {
	Chain string
	Top   uint64
	Count int
}
type historyParams struct {
	Address string
	Limit   int
}
type miningParams struct {
	On bool
	To string
}

func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the bearer scheme: a bare token is refused too, so that
		// there is one way to present the cookie.
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
			writeError(w, http.StatusUnauthorized, "unauthorized", 0, "missing or wrong RPC cookie: the CLI reads it from the node's data directory (--datadir)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func route[P, R any](mux *http.ServeMux, name string, fn func(context.Context, P) (R, error)) {
	mux.HandleFunc("POST /v1/"+name, func(w http.ResponseWriter, r *http.Request) {
		var p P
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeError(w, http.StatusBadRequest, "bad_request", 0, "request body unreadable or larger than 1 MiB")
			return
		}
		if len(body) > 0 {
			if err := json.Unmarshal(body, &p); err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", 0, "malformed parameters: "+err.Error())
				return
			}
		}
		res, err := fn(r.Context(), p)
		if err != nil {
			status, kind, code := classify(err)
			writeError(w, status, kind, code, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(res)
	})
}

func classify(err error) (int, string, int) {
	if status, kind, ok := classifyTumbler(err); ok {
		return status, kind, 0
	}
	switch {
	case errors.Is(err, node.ErrNotFound):
		return http.StatusNotFound, "not_found", 0
	case consensus.CodeOf(err) != 0:
		return http.StatusUnprocessableEntity, "rejected", int(consensus.CodeOf(err))
	case errors.Is(err, mempool.ErrKnown), errors.Is(err, mempool.ErrPoolFull), errors.Is(err, mempool.ErrNonceGap),
		errors.Is(err, mempool.ErrReplacementFee), errors.Is(err, mempool.ErrBadTx), errors.Is(err, mempool.ErrBountyClaimed):
		return http.StatusUnprocessableEntity, "rejected", 0
	case errors.Is(err, node.ErrBadRequest), errors.Is(err, node.ErrNoMineTo), errors.Is(err, wire.ErrMalformed):
		return http.StatusBadRequest, "bad_request", 0
	case errors.Is(err, node.ErrNoNetwork):
		return http.StatusServiceUnavailable, "no_network", 0
	case errors.Is(err, node.ErrNotStored):
		return http.StatusNotFound, "not_stored", 0
	case errors.Is(err, market.ErrNoResult):
		return http.StatusNotFound, "no_result", 0
	case errors.Is(err, market.ErrNotServing):
		return http.StatusConflict, "not_serving", 0
	case errors.Is(err, ErrNoMarket):
		return http.StatusServiceUnavailable, "no_market", 0
	case errors.Is(err, market.ErrNoIdentity):
		return http.StatusConflict, "no_identity", 0
	}
	return http.StatusInternalServerError, "internal", 0
}

type errorBody struct {
	Error string `json:"error"`
	Kind  string `json:"kind"`
	Code  int    `json:"code,omitempty"`
}

func writeError(w http.ResponseWriter, status int, kind string, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Error: msg, Kind: kind, Code: code})
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ch, err := s.api.Events(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", 0, err.Error())
		return
	}
	streamEvents(w, r, ch)
}
