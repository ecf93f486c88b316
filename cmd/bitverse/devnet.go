package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
	"github.com/spf13/cobra"
)

// devnetPassphrase protects the wallet devnet creates in each node's data
// directory. It is printed: devnet coins are worth nothing.
const devnetPassphrase = "devnet"

// DevnetFile, in the devnet directory, describes the running devnet
// (nodes, their processes, API and p2p addresses) while it runs.
const devnetFile = "devnet.json"

const (
	maxDevnetNodes   = 32
	devnetStartLimit = 60 * time.Second // for every node's local API to answer
	devnetStopLimit  = 15 * time.Second // after SIGTERM, before SIGKILL
)

// devnetNode is one node of a running devnet, as printed by --json and
// written to devnet.json.
type devnetNode struct {
	Name   string `json:"name"`
	Dir    string `json:"dir"`
	ID     string `json:"id"`
	P2P    string `json:"p2p"`
	RPC    string `json:"rpc"`
	Mining bool   `json:"mining"`
	PID    int    `json:"pid"`
	Log    string `json:"log"`
}

type devnetInfo struct {
	Dir        string       `json:"dir"`
	Passphrase string       `json:"passphrase"`
	Nodes      []devnetNode `json:"nodes"`
}

type devnetFlags struct {
	nodes, mine, basePort, workers int
	dir                            string
	reset                          bool
}

func devnetCmd() *cobra.Command {
	var f devnetFlags
	c := &cobra.Command{
		Use:   "devnet",
		Short: "Run N connected nodes on 127.0.0.1, as child processes, until Ctrl-C",
		Long: `Run a local network: --nodes real node processes (this binary's ` + "`node`" + `
command) on 127.0.0.1, each with its own data directory DIR/node1…DIR/nodeN,
each told of all the others, the first --mine of them mining.

DIR (--dir, default ./devnet) is kept: run devnet again on it and the nodes
come back with their chains, wallets and peer ids (--reset starts afresh).
Every node gets a wallet with the passphrase "devnet" (if it has none), so
any node can write: BITVERSE_PASSPHRASE=devnet bitverse --datadir DIR/node1 put …
Each node logs to DIR/node<i>/node.log. Ctrl-C or SIGTERM stops every node
(each runs in its own process group, which is signalled as a whole).`,
		Example: `  bitverse devnet --nodes 5 --mine 2
  bitverse --datadir devnet/node3 status
  bitverse --datadir devnet/node3 tui --rpc <the RPC address devnet prints>`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			return runDevnet(ctx, f, os.Stdout)
		},
	}
	fl := c.Flags()
	fl.IntVar(&f.nodes, "nodes", 3, fmt.Sprintf("number of nodes (1 to %d)", maxDevnetNodes))
	fl.IntVar(&f.mine, "mine", 1, "how many of them mine (the first ones)")
	fl.StringVar(&f.dir, "dir", "devnet", "directory for the nodes' data directories")
	fl.IntVar(&f.basePort, "base-port", 0, "p2p port of node1 (node i gets base+i-1, TCP and QUIC); 0 picks free ports")
	fl.IntVar(&f.workers, "miner-workers", 1, "mining threads per mining node")
	fl.BoolVar(&f.reset, "reset", false, "delete DIR/node1…DIR/nodeN first (their chains, wallets and keys)")
	addJSON(c)
	return c
}

func (f devnetFlags) check() error {
	switch {
	case f.nodes < 1 || f.nodes > maxDevnetNodes:
		return fmt.Errorf("--nodes must be from 1 to %d, not %d", maxDevnetNodes, f.nodes)
	case f.mine < 0 || f.mine > f.nodes:
		return fmt.Errorf("--mine must be from 0 to --nodes (%d), not %d", f.nodes, f.mine)
	case f.workers < 1:
		return fmt.Errorf("--miner-workers must be at least 1, not %d", f.workers)
	case f.basePort != 0 && (f.basePort < 1024 || f.basePort+f.nodes-1 > 65535):
		return fmt.Errorf("--base-port %d leaves ports %d..%d, outside 1024..65535", f.basePort, f.basePort, f.basePort+f.nodes-1)
	case f.dir == "":
		return errors.New("--dir must name a directory")
	}
	return nil
}

// child is a running node process.
type child struct {
	devnetNode
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been waited for
	err    error         // its exit status, once exited
	logf   *os.File
}

func runDevnet(ctx context.Context, f devnetFlags, stdout io.Writer) error {
	if err := f.check(); err != nil {
		return err
	}
	p, err := params()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start the nodes: %w", err)
	}
	dir, err := filepath.Abs(f.dir)
	if err != nil {
		return err
	}
	if err := prepareDevnetDir(dir, f); err != nil {
		return err
	}
	base := f.basePort
	if base == 0 {
		if base, err = freePortRange(f.nodes); err != nil {
			return err
		}
	}
	plan, err := p2p.DevnetPlan(dir, f.nodes, base)
	if err != nil {
		return err
	}
	for i, pn := range plan {
		if err := devnetWallet(p.Net, pn.Dir); err != nil {
			return fmt.Errorf("node%d: %w", i+1, err)
		}
	}

	var children []*child
	defer func() { stopChildren(children) }()
	for i, pn := range plan {
		c, err := startChild(self, pn, i+1, i < f.mine, f.workers)
		if err != nil {
			return err
		}
		children = append(children, c)
	}
	if err := waitForAPIs(ctx, children); err != nil {
		return err
	}
	info := devnetInfo{Dir: dir, Passphrase: devnetPassphrase}
	for _, c := range children {
		info.Nodes = append(info.Nodes, c.devnetNode)
	}
	raw, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, devnetFile), append(raw, '\n'), 0o600); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(dir, devnetFile))
	if g.jsonOut {
		fmt.Fprintf(stdout, "%s\n", raw)
	} else {
		printDevnet(stdout, f.dir, info)
	}

	anyExit := make(chan *child, len(children))
	for _, c := range children {
		go func() {
			<-c.exited
			anyExit <- c
		}()
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "stopping the devnet…")
		return nil
	case c := <-anyExit:
		return fmt.Errorf("%s stopped by itself (%v), so the devnet stops; its log ends:\n%s", c.Name, c.err, logTail(c.Log, 8))
	}
}

// prepareDevnetDir creates dir, refuses to start over nodes that are
// running, and with --reset deletes the nodes' directories.
func prepareDevnetDir(dir string, f devnetFlags) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the devnet directory: %w", err)
	}
	for i := 1; i <= f.nodes; i++ {
		nd := filepath.Join(dir, fmt.Sprintf("node%d", i))
		if cl, err := rpc.Dial(nd, ""); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := cl.Status(ctx)
			cancel()
			if err == nil {
				return fmt.Errorf("a node is already running in %s: stop that devnet (or node) first, or use another --dir", nd)
			}
		}
		os.Remove(filepath.Join(nd, rpc.AddrFile)) // stale: its node is gone
		if f.reset {
			if err := os.RemoveAll(nd); err != nil {
				return fmt.Errorf("--reset: %w", err)
			}
		}
	}
	return nil
}

// devnetWallet gives the node in dir a wallet with the devnet passphrase
// (and mines to its first address), unless it has one.
func devnetWallet(net wire.Network, dir string) error {
	if _, err := os.Stat(mineToFile(dir)); err == nil {
		return nil
	}
	if _, err := os.Stat(walletDir(dir)); err == nil {
		return fmt.Errorf("%s has a wallet but no %s file: run `bitverse --datadir %s wallet create` or delete it", dir, filepath.Base(mineToFile(dir)), dir)
	}
	w, _, err := wallet.Create(walletDir(dir), net, []byte(devnetPassphrase), 12)
	if err != nil {
		return fmt.Errorf("create a wallet: %w", err)
	}
	acct, err := w.Account("")
	if err != nil {
		return err
	}
	return os.WriteFile(mineToFile(dir), []byte(acct.Address+"\n"), 0o600)
}

func startChild(self string, pn p2p.DevnetNode, i int, mine bool, workers int) (*child, error) {
	name := fmt.Sprintf("node%d", i)
	// The devnet lays its nodes out itself: they read no configuration
	// file or variables (an operator's [node] metrics or listen would
	// collide between them).
	args := []string{"--config=", "--datadir", pn.Dir, "--network", g.network, "node", "--no-mdns", "--rpc", "127.0.0.1:0",
		"--listen", strings.Join(pn.Listen, ","), "--bootstrap", strings.Join(pn.Bootstrap, ",")}
	if mine {
		args = append(args, "--mine", "--miner-workers", fmt.Sprint(workers))
	}
	logPath := filepath.Join(pn.Dir, "node.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(logf, "--- devnet started %s at %s: %s\n", name, time.Now().UTC().Format(time.RFC3339), strings.Join(args, " "))
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = withoutConfigEnv(os.Environ())
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{devnetNode: devnetNode{Name: name, Dir: pn.Dir, ID: pn.ID, P2P: pn.Addr, Mining: mine,
		PID: cmd.Process.Pid, Log: logPath}, cmd: cmd, exited: make(chan struct{}), logf: logf}
	go func() {
		c.err = cmd.Wait()
		logf.Close()
		close(c.exited)
	}()
	return c, nil
}

// waitForAPIs waits until every node's local API answers.
func waitForAPIs(ctx context.Context, children []*child) error {
	ctx, cancel := context.WithTimeout(ctx, devnetStartLimit)
	defer cancel()
	for _, c := range children {
		for {
			if cl, err := rpc.Dial(c.Dir, ""); err == nil {
				sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := cl.Status(sctx)
				scancel()
				if err == nil {
					a, _ := os.ReadFile(filepath.Join(c.Dir, rpc.AddrFile))
					c.RPC = strings.TrimSpace(string(a))
					break
				}
			}
			select {
			case <-c.exited:
				return fmt.Errorf("%s did not start (%v); its log ends:\n%s", c.Name, c.err, logTail(c.Log, 8))
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return fmt.Errorf("%s did not answer on its local API within %v; see %s", c.Name, devnetStartLimit, c.Log)
				}
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// stopChildren sends SIGTERM to every node's process group, waits for them
// to stop, and kills the groups of those that did not.
func stopChildren(children []*child) {
	for _, c := range children {
		signalChild(c.cmd.Process, false)
	}
	deadline := time.After(devnetStopLimit)
	for _, c := range children {
		select {
		case <-c.exited:
		case <-deadline:
		}
	}
	for _, c := range children {
		select {
		case <-c.exited: // its script workers die with it (Pdeathsig)
		default:
			fmt.Fprintf(os.Stderr, "%s did not stop within %v: killing it\n", c.Name, devnetStopLimit)
			signalChild(c.cmd.Process, true)
			<-c.exited
		}
	}
}

func printDevnet(w io.Writer, dir string, info devnetInfo) {
	fmt.Fprintf(w, "Devnet: %d nodes in %s, each logging to node<i>/node.log.\n", len(info.Nodes), info.Dir)
	fmt.Fprintf(w, "Every node has a wallet with the passphrase %q (export BITVERSE_PASSPHRASE=%s to write from it).\n\n", info.Passphrase, info.Passphrase)
	for _, n := range info.Nodes {
		mining := ""
		if n.Mining {
			mining = ", mining"
		}
		d := filepath.Join(dir, n.Name)
		fmt.Fprintf(w, "%s (pid %d%s)  p2p %s\n", n.Name, n.PID, mining, n.P2P)
		fmt.Fprintf(w, "  bitverse --datadir %s status        (or peers, keys, get …)\n", d)
		fmt.Fprintf(w, "  bitverse --datadir %s tui --rpc %s\n", d, n.RPC)
	}
	fmt.Fprintf(w, "\nTry: BITVERSE_PASSPHRASE=%s bitverse --datadir %s put public/hello world --wait\n", info.Passphrase, filepath.Join(dir, info.Nodes[0].Name))
	fmt.Fprintln(w, "Ctrl-C stops every node.")
}

// logTail returns the last n lines of a file, indented.
func logTail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "  (no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// freePortRange finds n consecutive ports free for TCP and UDP on
// 127.0.0.1. Another program may take one before the nodes start; then a
// node fails to start and says so.
func freePortRange(n int) (int, error) {
	for range 50 {
		base := 20000 + rand.IntN(40000-n)
		if portsFree(base, n) {
			return base, nil
		}
	}
	return 0, errors.New("found no free range of ports on 127.0.0.1; choose one with --base-port")
}

func portsFree(base, n int) bool {
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for port := base; port < base+n; port++ {
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		closers = append(closers, l)
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		closers = append(closers, u)
	}
	return true
}
