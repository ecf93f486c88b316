package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Verdict labels of bitverse_script_verdicts_total.
const (
	VerdictAccepted  = "accepted"    // validate returned true
	VerdictRefused   = "refused"     // the script said no (returned, threw, a cap)
	VerdictOutOfFuel = "out_of_fuel" // the fuel budget ran out
	VerdictGuard     = "guard"       // wall clock, memory or a crashed worker: undecided
	VerdictError     = "error"       // the runner failed (closed pool, cancelled)
)

// Metrics holds a node's registry and the series measured as work passes.
// Make it with New before the node opens (Runner) and the host starts
// (Blocks); Serve once both run.
type Metrics struct {
	reg        *prometheus.Registry
	verdicts   *prometheus.CounterVec
	validation *prometheus.HistogramVec
	srv        *http.Server
	ln         net.Listener
	done       chan struct{}
}

// New makes the registry with the measured series at zero.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.verdicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bitverse_script_verdicts_total",
		Help: "Access script verdicts, by outcome: accepted, refused, out_of_fuel, guard (undecided by a resource guard), error.",
	}, []string{"verdict"})
	m.validation = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bitverse_block_validation_seconds",
		Help:    "Time to validate and process a block received from a peer (gossip or sync), by outcome: connected, held (waiting for a parent or anchor, or known), refused.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms … 16 s
	}, []string{"outcome"})
	for _, v := range []string{VerdictAccepted, VerdictRefused, VerdictOutOfFuel, VerdictGuard, VerdictError} {
		m.verdicts.WithLabelValues(v)
	}
	for _, o := range []string{"connected", "held", "refused"} {
		m.validation.WithLabelValues(o)
	}
	m.reg.MustRegister(m.verdicts, m.validation,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry served (for tests and embedders).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// VerdictOf is the label a verdict (or a runner error) counts under.
func VerdictOf(v script.Verdict, err error) string {
	switch {
	case err != nil:
		return VerdictError
	case v.Allowed:
		return VerdictAccepted
	case v.Code == script.CodeOutOfFuel:
		return VerdictOutOfFuel
	case !v.Code.Deterministic():
		return VerdictGuard
	}
	return VerdictRefused
}

// Runner wraps r to count its verdicts, keeping its lanes (a script.Pool
// serves blocks before admission) if it has them. nil stays nil: the node
// then runs scripts in process, uncounted.
func (m *Metrics) Runner(r script.Runner) script.Runner {
	if r == nil {
		return nil
	}
	c := counting{r, m.verdicts}
	if l, ok := r.(script.Lanes); ok {
		return countingLanes{c, l, m.verdicts}
	}
	return c
}

type counting struct {
	r        script.Runner
	verdicts *prometheus.CounterVec
}

func (c counting) Validate(ctx context.Context, p *script.Program, w script.Write, sc script.Context, l script.Ledger) (script.Verdict, error) {
	v, err := c.r.Validate(ctx, p, w, sc, l)
	c.verdicts.WithLabelValues(VerdictOf(v, err)).Inc()
	return v, err
}

type countingLanes struct {
	counting
	lanes    script.Lanes
	verdicts *prometheus.CounterVec
}

func (c countingLanes) ForBlocks() script.Runner { return counting{c.lanes.ForBlocks(), c.verdicts} }
func (c countingLanes) ForAdmission() script.Runner {
	return counting{c.lanes.ForAdmission(), c.verdicts}
}

// Blocks wraps the node the host hands peers' blocks to, timing each.
func (m *Metrics) Blocks(n p2p.Node) p2p.Node { return timed{n, m.validation} }

type timed struct {
	p2p.Node
	h *prometheus.HistogramVec
}

func (t timed) SubmitBlockFrom(b *wire.Block, from string) (chain.Result, error) {
	start := time.Now()
	res, err := t.Node.SubmitBlockFrom(b, from)
	outcome := "held"
	switch {
	case err != nil:
		outcome = "refused"
	case res == chain.Connected:
		outcome = "connected"
	}
	t.h.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return res, err
}

func (t timed) SubmitRunFrom(blocks []*wire.Block, from string) (int, error) {
	start := time.Now()
	k, err := t.Node.SubmitRunFrom(blocks, from)
	if k > 0 {
		// One write transaction for the run: each block is given its share.
		per := time.Since(start).Seconds() / float64(k)
		for range k {
			t.h.WithLabelValues("connected").Observe(per)
		}
	}
	return k, err
}

// Sources are what the collector reads at each scrape; Host may be nil (a
// node without network).
type Sources struct {
	Node *node.Node
	Host *p2p.Host
	Now  func() time.Time // nil: time.Now
}

// Serve registers the collector of src's figures and serves GET /metrics
// on addr (port 0 picks one: see Addr) until Close.
func (m *Metrics) Serve(addr string, src Sources, log *slog.Logger) error {
	if src.Now == nil {
		src.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := m.reg.Register(&collector{src: src}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.ln, m.done = ln, make(chan struct{})
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return nil
}

// Addr is the address served (nil before Serve).
func (m *Metrics) Addr() net.Addr {
	if m.ln == nil {
		return nil
	}
	return m.ln.Addr()
}

// Close stops serving and waits for the server to end.
func (m *Metrics) Close() error {
	if m.srv == nil {
		return nil
	}
	err := m.srv.Close()
	<-m.done
	return err
}

// collector reads the node's and the host's figures at scrape time.
type collector struct{ src Sources }

var (
	descHeight  = prometheus.NewDesc("bitverse_chain_height", "Height of the chain's best tip.", []string{"chain", "stored"}, nil)
	descTipAge  = prometheus.NewDesc("bitverse_chain_tip_age_seconds", "Seconds since the timestamp of the chain's best tip.", []string{"chain", "stored"}, nil)
	descMempool = prometheus.NewDesc("bitverse_mempool_txs", "Transactions pending in the chain's mempool (stored chains: the root and followed branches).", []string{"chain"}, nil)
	descMemByte = prometheus.NewDesc("bitverse_mempool_bytes", "Encoded bytes pending in the chain's mempool.", []string{"chain"}, nil)
	descPeers   = prometheus.NewDesc("bitverse_peers", "Connected peers.", nil, nil)
	descHash    = prometheus.NewDesc("bitverse_hash_rate", "Miner hash rate, hashes per second (0 when not mining).", nil, nil)
	descMining  = prometheus.NewDesc("bitverse_mining", "1 while the miner runs.", nil, nil)
	descFound   = prometheus.NewDesc("bitverse_blocks_found_total", "Blocks this node's miner found since it started.", nil, nil)
	descOrphans = prometheus.NewDesc("bitverse_orphan_blocks", "Blocks held waiting for a parent.", nil, nil)
	descSyncing = prometheus.NewDesc("bitverse_syncing", "1 while the node catches up with a peer.", nil, nil)
	descBans    = prometheus.NewDesc("bitverse_bans_total", "Peers banned since start.", nil, nil)
	descBanned  = prometheus.NewDesc("bitverse_banned_peers", "Bans in force.", nil, nil)
	descGossip  = prometheus.NewDesc("bitverse_gossip_messages_total", "Blocks and transactions received by gossip, by result: accepted, ignored, rejected.", []string{"result"}, nil)
	descSynced  = prometheus.NewDesc("bitverse_synced_blocks_total", "Blocks connected by sync.", nil, nil)
	descBytes   = prometheus.NewDesc("bitverse_p2p_bytes_total", "Stream bytes exchanged with peers, by direction.", []string{"direction"}, nil)
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHeight, descTipAge, descMempool, descMemByte, descPeers, descHash, descMining, descFound,
		descOrphans, descSyncing, descBans, descBanned, descGossip, descSynced, descBytes} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	n, now := c.src.Node, c.src.Now()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, c := range n.Forest().Chains() {
		tip := c.Tip()
		stored := "full"
		if c.HeadersOnly() {
			stored = "headers"
		}
		id := c.ID().String()
		gauge(descHeight, float64(tip.Height), id, stored)
		gauge(descTipAge, max(0, float64(now.UnixMilli()-tip.Time)/1000), id, stored)
		if c.HeadersOnly() {
			continue
		}
		if pool, err := n.PoolOf(c.ID()); err == nil {
			gauge(descMempool, float64(pool.Len()), id)
			gauge(descMemByte, float64(pool.Bytes()), id)
		}
	}
	st, _ := n.Status(context.Background())
	gauge(descPeers, float64(st.Peers))
	gauge(descHash, st.HashRate)
	gauge(descMining, b2f(st.Mining))
	counter(descFound, float64(st.BlocksFound))
	gauge(descOrphans, float64(st.Orphans))
	gauge(descSyncing, b2f(st.Sync.Syncing))
	if h := c.src.Host; h != nil {
		s := h.Stats()
		counter(descBans, float64(s.Bans))
		gauge(descBanned, float64(len(h.Bans())))
		counter(descGossip, float64(s.GossipAccepted), "accepted")
		counter(descGossip, float64(s.GossipIgnored), "ignored")
		counter(descGossip, float64(s.GossipRejected), "rejected")
		counter(descSynced, float64(s.SyncedBlocks))
		counter(descBytes, float64(s.BytesIn), "in")
		counter(descBytes, float64(s.BytesOut), "out")
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
