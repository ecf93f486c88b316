package script

import (
	"bytes"
	"errors"
	"testing"
)

// The worker protocol's decoders read bytes from another process: the
// parent reads results, queries and answers a worker may have forged. Each
// must refuse garbage with errProtocol, never panic, and what it accepts
// must encode back to the same bytes.

func FuzzDecodeRequest(f *testing.F) {
	f.Add(encodeRequest(request{hash: [32]byte{1}, w: Write{Key: "k/é", Value: []byte{0, 1}, Signer: alice, Prev: []byte("p"), PrevExists: true},
		c: Context{Keyspace: "k", Owner: bob, Height: 1 << 40, Time: -5, Chain: "01"}}))
	f.Add(encodeRequest(request{}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		r, err := decodeRequest(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		if again := encodeRequest(r); !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}

func FuzzDecodeResult(f *testing.F) {
	f.Add(encodeVerdict(Verdict{Reason: "no", Fuel: 77, Code: CodeLimit}))
	f.Add(encodeVerdict(Verdict{Allowed: true, Fuel: 1}))
	f.Add(encodeFailure(resultFailure, "bad"))
	f.Add(encodeFailure(resultLedgerError, "disk"))
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, p []byte) {
		v, kind, msg, err := decodeResult(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		var again []byte
		if kind == resultVerdict {
			again = encodeVerdict(v)
		} else {
			again = encodeFailure(kind, msg)
		}
		if !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}

func FuzzDecodeAnswer(f *testing.F) {
	f.Add(encodeAnswer(answer{amount: 9, owner: bob, ok: true}))
	f.Add(encodeAnswer(answer{err: "boom"}))
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		a, err := decodeAnswer(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		if again := encodeAnswer(a); !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}

// FuzzAnswerQuery feeds the parent forged ledger queries: a refusal is
// errProtocol, an accepted query reaches the ledger.
func FuzzAnswerQuery(f *testing.F) {
	f.Add(append([]byte{queryBalance}, (&enc{}).str(alice).b...))
	f.Add(append([]byte{queryPaid}, (&enc{}).str(alice).str(bob).b...))
	f.Add(append([]byte{queryOwner}, (&enc{}).str("ks").b...))
	f.Add([]byte{'?'})
	f.Fuzz(func(t *testing.T, p []byte) {
		l := &stubLedger{balances: map[string]uint64{alice: 3}}
		_, err := answerQuery(l, p)
		if err != nil && !errors.Is(err, errProtocol) {
			t.Fatalf("error %v is not errProtocol", err)
		}
		if err == nil && l.queries != 1 {
			t.Fatalf("an accepted query asked the ledger %d times", l.queries)
		}
	})
}

func FuzzDecodeTransformRequest(f *testing.F) {
	f.Add(encodeTransformRequest(transformRequest{hash: [32]byte{2}, input: []byte{1, 2, 3}, tc: TransformContext{Key: "tools/é", Request: [32]byte{9}}, fuel: 1e6}))
	f.Add(encodeTransformRequest(transformRequest{}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		r, err := decodeTransformRequest(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		if again := encodeTransformRequest(r); !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}

func FuzzDecodeTransformResult(f *testing.F) {
	f.Add(encodeTransformResult(TransformResult{Output: []byte("png"), Kind: KindBytes, Fuel: 5}, nil))
	f.Add(encodeTransformResult(TransformResult{Kind: KindJSON, Fuel: 1}, nil))
	f.Add(encodeTransformResult(TransformResult{}, &TransformError{Code: CodeOutOfFuel, Reason: "out", Fuel: 9}))
	f.Add(encodeTransformResult(TransformResult{}, errors.New("broken")))
	f.Add([]byte{7})
	f.Fuzz(func(t *testing.T, p []byte) {
		kind, res, failed, broken, err := decodeTransformResult(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		var again []byte
		switch kind {
		case transformFailed:
			again = encodeTransformResult(TransformResult{}, failed)
		case transformBroken:
			again = encodeTransformResult(TransformResult{}, errors.New(broken))
		default:
			again = encodeTransformResult(res, nil)
		}
		if !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}

func FuzzDecodeCompile(f *testing.F) {
	f.Add(encodeCompile([]byte(`function validate() { return true }`)))
	f.Add(encodeCompile(nil))
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, p []byte) {
		src, err := decodeCompile(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		if again := encodeCompile(src); !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}

func FuzzDecodeCompiled(f *testing.F) {
	f.Add(encodeCompiled(true, ""))
	f.Add(encodeCompiled(false, "access script rejected: line 1: no"))
	f.Add(encodeCompiled(true, "both"))
	f.Add([]byte{2, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		ok, refusal, err := decodeCompiled(p)
		if err != nil {
			if !errors.Is(err, errProtocol) {
				t.Fatalf("error %v is not errProtocol", err)
			}
			return
		}
		if ok == (refusal != "") {
			t.Fatalf("accepted ok=%v with refusal %q", ok, refusal)
		}
		if again := encodeCompiled(ok, refusal); !bytes.Equal(again, p) {
			t.Fatalf("decode-encode changed the bytes:\n%x\n%x", p, again)
		}
	})
}
