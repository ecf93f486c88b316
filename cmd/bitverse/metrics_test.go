package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
)

// metricsAddr reads the address a node started with --metrics serves, from
// its log.
func metricsAddr(t *testing.T, dir string) string {
	t.Helper()
	re := regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)
	var addr string
	testutil.Eventually(t, 30*time.Second, "the metrics address in the node's log", func() error {
		raw, _ := os.ReadFile(filepath.Join(dir, "test-node.log"))
		m := re.FindSubmatch(raw)
		if m == nil {
			return fmt.Errorf("not logged yet")
		}
		addr = string(m[1])
		return nil
	})
	return addr
}

// scrape fetches /metrics and returns each sample by its series
// (`name{labels}` as written).
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s: %s", resp.Status, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// TestMetricsServedAndMoveAfterABlock: `node --metrics 127.0.0.1:0` serves
// Prometheus metrics: heights and tip ages per chain, peers, mempools,
// hash rate, block validation time, script verdicts, bans; after a peer
// mines a block, this node's height, its validation count and its peer
// count move.
func TestMetricsServedAndMoveAfterABlock(t *testing.T) {
	t.Parallel() // its own data directories and processes
	a, b := t.TempDir(), t.TempDir()
	restoreTestWallet(t, a)
	startNode(t, a, "--miner-workers", "1")
	startNode(t, b, "--bootstrap", tcpAddr(t, netInfoOf(t, a)), "--metrics", "127.0.0.1:0")
	addr := metricsAddr(t, b)

	m := scrape(t, addr)
	for _, series := range []string{
		`bitverse_chain_height{chain="/",stored="full"}`,
		`bitverse_chain_tip_age_seconds{chain="/",stored="full"}`,
		`bitverse_mempool_txs{chain="/"}`,
		`bitverse_mempool_bytes{chain="/"}`,
		`bitverse_peers`,
		`bitverse_hash_rate`,
		`bitverse_blocks_found_total`,
		`bitverse_block_validation_seconds_count{outcome="connected"}`,
		`bitverse_script_verdicts_total{verdict="accepted"}`,
		`bitverse_script_verdicts_total{verdict="refused"}`,
		`bitverse_script_verdicts_total{verdict="out_of_fuel"}`,
		`bitverse_bans_total`,
		`bitverse_banned_peers`,
		`bitverse_gossip_messages_total{result="accepted"}`,
	} {
		if _, ok := m[series]; !ok {
			t.Errorf("no series %s", series)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if h := m[`bitverse_chain_height{chain="/",stored="full"}`]; h != 0 {
		t.Fatalf("height %v before any block", h)
	}
	// Every chain of the blocktree has its height, branches too.
	if _, ok := m[`bitverse_chain_height{chain="0",stored="full"}`]; !ok {
		t.Errorf("no height for branch chain 0")
	}

	if _, errOut, code := cli(t, a, nil, "mine", "on"); code != 0 {
		t.Fatalf("mine on: %s", errOut)
	}
	testutil.Eventually(t, 120*time.Second, "the metrics after a block", func() error {
		m = scrape(t, addr)
		h, v, p := m[`bitverse_chain_height{chain="/",stored="full"}`], m[`bitverse_block_validation_seconds_count{outcome="connected"}`], m[`bitverse_peers`]
		if h < 1 || v < 1 || p < 1 {
			return fmt.Errorf("height %v, blocks validated %v, peers %v", h, v, p)
		}
		return nil
	})
	if age := m[`bitverse_chain_tip_age_seconds{chain="/",stored="full"}`]; age > 600 {
		t.Errorf("tip age %v s after a fresh block", age)
	}
	if s := m[`bitverse_block_validation_seconds_sum{outcome="connected"}`]; s <= 0 {
		t.Errorf("validation time sum %v", s)
	}
}
