package rpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// ErrNoNode means no node answers for the data directory.
var ErrNoNode = errors.New("no node is running")

// ErrUnauthorized means the node refused the client's cookie: it is
// missing, or from another node or an earlier run of this one.
var ErrUnauthorized = errors.New("the node refused the RPC cookie")

// Client talks to a node's local API. It implements node.API.
type Client struct {
	base  string
	token string
	http  *http.Client
}

var _ node.API = (*Client)(nil)

// Dial returns a client for the node whose data directory is datadir. If
// addr is empty, the address is read from the data directory.
func Dial(datadir, addr string) (*Client, error) {
	tok, err := os.ReadFile(filepath.Join(datadir, CookieFile))
	if err != nil {
		return nil, fmt.Errorf("%w for %s (no RPC cookie: start one with `bitverse node` or `bitverse`)", ErrNoNode, datadir)
	}
	if addr == "" {
		a, err := os.ReadFile(filepath.Join(datadir, AddrFile))
		if err != nil {
			return nil, fmt.Errorf("%w for %s (no %s)", ErrNoNode, datadir, AddrFile)
		}
		addr = strings.TrimSpace(string(a))
	}
	return &Client{base: "http://" + addr, token: strings.TrimSpace(string(tok)),
		http: &http.Client{Timeout: 0}}, nil
}

func (c *Client) call(ctx context.Context, method string, params, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
	}
	resp, err := c.post(ctx, method, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(data, result)
}

// post sends a request and returns the response if the node answered 200
// OK; any other answer becomes the error the node sent.
func (c *Client) post(ctx context.Context, method, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/"+method, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", method, ctx.Err())
		}
		return nil, fmt.Errorf("%w at %s (is the node running? %v)", ErrNoNode, c.base, err)
	}
	if err := responseError(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// responseError is nil for 200 OK; otherwise it closes the body and
// returns the error the node sent.
func responseError(resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var eb errorBody
	if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
		return fmt.Errorf("node answered %s", resp.Status)
	}
	return decodeError(eb)
}

// RemoteError is an error sent back by the node.
type RemoteError struct {
	Kind string
	Msg  string
	base error
}

func (e *RemoteError) Error() string { return e.Msg }
func (e *RemoteError) Unwrap() error { return e.base }

func decodeError(eb errorBody) error {
	if eb.Code != 0 {
		return &consensus.RuleError{Code: consensus.ErrorCode(eb.Code), Description: eb.Error}
	}
	var base error
	switch eb.Kind {
	case "not_found":
		base = node.ErrNotFound
	case "bad_request":
		base = node.ErrBadRequest
	case "no_network":
		base = node.ErrNoNetwork
	case "not_stored":
		base = node.ErrNotStored
	case "unauthorized":
		base = ErrUnauthorized
	case "no_result":
		base = market.ErrNoResult
	case "not_serving":
		base = market.ErrNotServing
	case "no_market":
		base = ErrNoMarket
	case "no_identity":
		base = market.ErrNoIdentity
	default:
		base = tumblerBase(eb.Kind)
	}
	return &RemoteError{Kind: eb.Kind, Msg: eb.Error, base: base}
}

// Status implements node.API.
func (c *Client) Status(ctx context.Context) (node.Status, error) {
	var s node.Status
	return s, c.call(ctx, "status", struct{}{}, &s)
}

// Tree implements node.API.
func (c *Client) Tree(ctx context.Context) (node.Tree, error) {
	var t node.Tree
	return t, c.call(ctx, "tree", struct{}{}, &t)
}

// Account implements node.API.
func (c *Client) Account(ctx context.Context, addr string) (node.AccountInfo, error) {
	var a node.AccountInfo
	return a, c.call(ctx, "account", struct{ Address string }{addr}, &a)
}

// SubmitTx implements node.API.
func (c *Client) SubmitTx(ctx context.Context, raw []byte) (wire.Hash, error) {
	var id wire.Hash
	return id, c.call(ctx, "submit_tx", struct{ Raw []byte }{raw}, &id)
}

// Get implements node.API.
func (c *Client) Get(ctx context.Context, key string, proof, history bool) (*node.GetResult, error) {
	var r node.GetResult
	return &r, c.call(ctx, "get", getParams{Key: key, Proof: proof, History: history}, &r)
}

// GetOn implements node.API.
func (c *Client) GetOn(ctx context.Context, key string, depth int, proof, history bool) (*node.GetResult, error) {
	var r node.GetResult
	return &r, c.call(ctx, "get", getParams{Key: key, Depth: &depth, Proof: proof, History: history}, &r)
}

// Credit implements node.API.
func (c *Client) Credit(ctx context.Context, addr, chain string) (*node.CreditInfo, error) {
	var r node.CreditInfo
	return &r, c.call(ctx, "credit", struct{ Address, Chain string }{addr, chain}, &r)
}

// Keys implements node.API.
func (c *Client) Keys(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	var r []string
	return r, c.call(ctx, "keys", keysParams{Prefix: prefix, After: after, Limit: limit}, &r)
}

// Block implements node.API.
func (c *Client) Block(ctx context.Context, ref string) (*node.BlockInfo, error) {
	var r node.BlockInfo
	return &r, c.call(ctx, "block", struct{ Ref string }{ref}, &r)
}

// BlockOn implements node.API.
func (c *Client) BlockOn(ctx context.Context, chain, ref string) (*node.BlockInfo, error) {
	var r node.BlockInfo
	if err := c.call(ctx, "block_on", struct{ Chain, Ref string }{chain, ref}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// BlocksOn implements node.API.
func (c *Client) BlocksOn(ctx context.Context, chain string, top uint64, count int) ([]node.BlockInfo, error) {
	var r []node.BlockInfo
	err := c.call(ctx, "blocks_on", chainBlocksParams{Chain: chain, Top: top, Count: count}, &r)
	return r, err
}

// Blocks implements node.API.
func (c *Client) Blocks(ctx context.Context, top uint64, count int) ([]node.BlockInfo, error) {
	var r []node.BlockInfo
	return r, c.call(ctx, "blocks", blocksParams{Top: top, Count: count}, &r)
}

// Tx implements node.API.
func (c *Client) Tx(ctx context.Context, id wire.Hash) (*node.TxInfo, error) {
	var r node.TxInfo
	return &r, c.call(ctx, "tx", struct{ ID wire.Hash }{id}, &r)
}

// History implements node.API.
func (c *Client) History(ctx context.Context, addr string, limit int) ([]node.TxInfo, error) {
	var r []node.TxInfo
	return r, c.call(ctx, "history", historyParams{Address: addr, Limit: limit}, &r)
}

// SetMining implements node.API.
func (c *Client) SetMining(ctx context.Context, on bool, to string) error {
	return c.call(ctx, "set_mining", miningParams{On: on, To: to}, nil)
}

// Events implements node.API: a stream that ends when ctx ends or the node
// goes away.
func (c *Client) Events(ctx context.Context) (<-chan node.Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrNoNode, c.base, err)
	}
	if err := responseError(resp); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	ch := make(chan node.Event, 256)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var e node.Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			select {
			case ch <- e:
			default: // lossy, like the broker
			}
		}
	}()
	return ch, nil
}
