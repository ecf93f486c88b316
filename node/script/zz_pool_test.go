package script

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestScratchPool(t *testing.T) {
	st := time.Now()
	p, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fmt.Println("pool started", time.Since(st))
	for _, src := range []string{
		`function validate(w, c) { return w.key === 'a' }`,
		`function validate(w, c) { while (true) {} }`,
		`function validate(w, c) { return 'x'.repeat(2**40) }`,
		`function validate(w, c) { var s = '1'.repeat(200000), x; for (;;) x = +s; }`,
		`function validate(w, c) { return c.balance(w.signer) > 5 }`,
		`function validate(w, c) { return w.key === 'a' }`,
	} {
		prog, err := Compile([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		st := time.Now()
		v, err := p.Validate(context.Background(), prog, Write{Key: "a", Signer: "bvd1abc"}, Context{}, fakeLedger{})
		fmt.Printf("%-60.60s -> %+v %v (%v)\n", src, v, err, time.Since(st))
	}
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "Vm") {
			fmt.Println(l)
		}
	}
}

type fakeLedger struct{}

func (fakeLedger) Balance(a string) (uint64, error)            { return 10, nil }
func (fakeLedger) PaidTotal(a, b string) (uint64, error)       { return 0, nil }
func (fakeLedger) Owner(k string) (string, bool, error)        { return "", false, nil }
