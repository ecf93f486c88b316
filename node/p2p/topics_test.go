package p2p_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/harness"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// TestJoinTopicRelaysWhatTheValidatorAccepts: a service topic joined on
// two hosts carries a message from one to the other's validator; a
// message the sender's own validator rejects never leaves it.
func TestJoinTopicRelaysWhatTheValidatorAccepts(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("alice"), h.NewNode("bob")
	h.Connect(a, b)
	const name = "/bitverse/devnet/test/1"
	var mu sync.Mutex
	var got [][]byte
	var from []peer.ID
	ta, err := a.Host.JoinTopic(name, func(_ peer.ID, data []byte) pubsub.ValidationResult {
		if bytes.HasPrefix(data, []byte("bad")) {
			return pubsub.ValidationReject
		}
		return pubsub.ValidationAccept
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Host.JoinTopic(name, func(p peer.ID, data []byte) pubsub.ValidationResult {
		mu.Lock()
		defer mu.Unlock()
		got, from = append(got, data), append(from, p)
		return pubsub.ValidationAccept
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Host.JoinTopic(name, nil); err == nil {
		t.Fatal("joined one topic twice")
	}
	ctx := context.Background()
	if err := ta.Publish(ctx, []byte("bad one")); err == nil {
		t.Fatal("publishing what the own validator rejects succeeded")
	}
	// The mesh may still be forming: publish until b has heard it.
	n := 0
	testutil.Eventually(t, 20*time.Second, "b hears a's message", func() error {
		mu.Lock()
		heard := len(got)
		mu.Unlock()
		if heard > 0 {
			return nil
		}
		n++
		ta.Publish(ctx, fmt.Appendf(nil, "hello %d", n))
		return errors.New("not yet")
	})
	mu.Lock()
	defer mu.Unlock()
	for i, d := range got {
		if bytes.HasPrefix(d, []byte("bad")) || from[i] != a.ID() {
			t.Fatalf("b got %q from %s", d, from[i])
		}
	}
}
