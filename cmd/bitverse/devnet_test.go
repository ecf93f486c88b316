//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/rpc"
)

// TestDevnet runs `devnet --nodes 3 --mine 1`: node3 (not mining) must
// have peers and every node must reach the same tip; SIGTERM must stop
// devnet and every node process.
func TestDevnet(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	// Written by exec's copying goroutines while the test reads them.
	var stdout, stderr lockedBuffer
	cmd := exec.Command(bitverseBin(t), "devnet", "--nodes", "3", "--mine", "1", "--dir", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() // its nodes get SIGTERM from the kernel (Pdeathsig)
			<-exited
		}
	})

	// devnet.json appears once every node's API answers.
	var info devnetInfo
	testutil.Eventually(t, 120*time.Second, "devnet to come up (every node's API answering)", func() error {
		select {
		case err := <-exited:
			t.Fatalf("devnet exited (%v):\n%s\n%s", err, stdout.String(), stderr.String())
		default:
		}
		raw, err := os.ReadFile(filepath.Join(dir, devnetFile))
		if err == nil {
			err = json.Unmarshal(raw, &info)
		}
		if err != nil {
			return fmt.Errorf("%v; stdout %q, stderr %q", err, stdout.String(), stderr.String())
		}
		return nil
	})
	if len(info.Nodes) != 3 || !info.Nodes[0].Mining || info.Nodes[1].Mining || info.Nodes[2].Mining {
		t.Fatalf("devnet.json: %+v", info)
	}
	node3 := filepath.Join(dir, "node3")

	// node3 has peers (status --json, through the CLI as a user would).
	testutil.Eventually(t, 60*time.Second, "node3 to have a peer", func() error {
		out, _, _ := cli(t, node3, nil, "status", "--json")
		var s struct {
			Peers int
			P2P   struct{ ID string }
		}
		json.Unmarshal([]byte(out), &s)
		if s.Peers < 1 || s.P2P.ID != info.Nodes[2].ID {
			return fmt.Errorf("status: %s", strings.TrimSpace(out))
		}
		return nil
	})

	// All three reach the same tip, a few blocks up.
	var clients []*rpc.Client
	for _, n := range info.Nodes {
		cl, err := rpc.Dial(n.Dir, "")
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cl)
	}
	var last []node.Status
	testutil.Eventually(t, 120*time.Second, "a common tip at height 3 or more", func() error {
		last = last[:0]
		for _, cl := range clients {
			s, err := cl.Status(context.Background())
			if err != nil {
				t.Fatalf("status: %v", err)
			}
			last = append(last, s)
		}
		if last[0].Height < 3 || last[0].Tip != last[1].Tip || last[0].Tip != last[2].Tip {
			return fmt.Errorf("tips %+v", last)
		}
		return nil
	})
	t.Logf("common tip %s at height %d", last[0].Tip.Short(), last[0].Height)

	// SIGTERM stops devnet and every node.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("devnet exited with %v after SIGTERM:\n%s", err, stderr.String())
		}
	case <-time.After(25 * time.Second):
		t.Fatal("devnet did not stop within 25 s of SIGTERM")
	}
	for _, n := range info.Nodes {
		if err := syscall.Kill(n.PID, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still exists after devnet stopped: %v", n.Name, n.PID, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, devnetFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("devnet.json left behind: %v", err)
	}
}

// lockedBuffer is a bytes.Buffer that one goroutine may write while
// another reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
