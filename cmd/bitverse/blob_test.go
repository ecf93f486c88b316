package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
)

// blobSizes are the blob round trips TestBlobBetweenNodes makes: 1 MiB
// with a partial last chunk, and the 20 MiB of the acceptance (about 4 s more).
var blobSizes = []int{1<<20 + 12345, 20 << 20}

// TestBlobBetweenNodes: put KEY --file on node A stores a blob in A and
// puts its manifest on chain; get KEY --out on node B fetches the chunks
// from A and writes the same bytes. A blob no connected peer has is a
// clear error, and nothing is written.
func TestBlobBetweenNodes(t *testing.T) {
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	a, b := fundedDataDir(t), t.TempDir()
	nodeA := startNode(t, a, "--mine", "--miner-workers", "1")
	startNode(t, b, "--bootstrap", tcpAddr(t, netInfoOf(t, a)))
	waitBalance(t, a, "", 1) // keyspace_test.go

	rng := rand.New(rand.NewPCG(1, uint64(len(blobSizes))))
	files := t.TempDir()
	put := func(key string, size int) []byte {
		t.Helper()
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		src := filepath.Join(files, strings.ReplaceAll(key, "/", "_")+".in")
		if err := os.WriteFile(src, data, 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, stderr, code := cli(t, a, nil, "put", key, "--file", src, "--wait"); code != 0 || !strings.Contains(stderr, "stored blob") {
			t.Fatalf("put %s --file (%d bytes): code %d: %s", key, size, code, stderr)
		}
		t.Logf("put %d bytes on A in %v", size, time.Since(start).Round(time.Millisecond))
		waitKey(t, b, key, 30*time.Second)
		return data
	}
	for i, size := range blobSizes {
		key := fmt.Sprintf("public/blob%d", i)
		data := put(key, size)
		// Without --out, get describes the blob.
		out, stderr, code := cli(t, b, nil, "get", key, "--json")
		var res struct {
			Blob struct {
				Size   uint64
				Chunks int
			}
		}
		json.Unmarshal([]byte(out), &res)
		if code != 0 || res.Blob.Size != uint64(size) || res.Blob.Chunks != (size+256<<10-1)/(256<<10) {
			t.Fatalf("get %s --json on B: code %d, %s %s", key, code, out, stderr)
		}
		dst := filepath.Join(files, fmt.Sprintf("blob%d.out", i))
		start := time.Now()
		_, stderr, code = cli(t, b, nil, "get", key, "--out", dst)
		if code != 0 {
			t.Fatalf("get %s --out on B: code %d: %s", key, code, stderr)
		}
		chunks := (size + 256<<10 - 1) / (256 << 10)
		if want := fmt.Sprintf("have %d/%d chunks", chunks, chunks); !strings.Contains(stderr, want) {
			t.Fatalf("get %s --out on B shows no progress (%q): %s", key, want, stderr)
		}
		t.Logf("fetched %d bytes on B from A in %v", size, time.Since(start).Round(time.Millisecond))
		got, err := os.ReadFile(dst)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("blob %d: B wrote %d bytes (%v), want the %d A was given", i, len(got), err, len(data))
		}
	}

	// A blob B lacks, with A gone: a clear error and no file.
	put("public/orphan", 100<<10)
	nodeA.Process.Kill()
	nodeA.Wait()
	testutil.Eventually(t, 60*time.Second, "B to lose its peer A", func() error {
		if ps := connectedPeers(peersOf(t, b)); len(ps) > 0 {
			return fmt.Errorf("connected to %+v", ps)
		}
		return nil
	})
	dst := filepath.Join(files, "orphan.out")
	_, stderr, code := cli(t, b, nil, "get", "public/orphan", "--out", dst)
	if code == 0 || !strings.Contains(stderr, "no peers to fetch it from") && !strings.Contains(stderr, "connected to no other") {
		t.Fatalf("get of a blob nobody can serve: code %d, %q", code, stderr)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("a file was written for a blob that could not be had: %v", err)
	}
	// Inline values are still capped, with a pointer to --file.
	big := strings.Repeat("x", 70<<10)
	if _, stderr, code := cli(t, b, nil, "put", "public/big", big); code == 0 || !strings.Contains(stderr, "--file") {
		t.Fatalf("put of a 70 KiB inline value: code %d, %q", code, stderr)
	}
}

func connectedPeers(ps []node.PeerInfo) []node.PeerInfo {
	var out []node.PeerInfo
	for _, p := range ps {
		if p.Connected {
			out = append(out, p)
		}
	}
	return out
}

// waitKey waits until the node on dir has a value at key.
func waitKey(t testing.TB, dir, key string, limit time.Duration) {
	t.Helper()
	testutil.Eventually(t, limit, key+" readable on "+dir, func() error {
		if _, stderr, code := cli(t, dir, nil, "get", key, "--json"); code != 0 {
			return errors.New(strings.TrimSpace(stderr))
		}
		return nil
	})
}
