package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/script"
)

type ledger struct{}

func (ledger) Balance(string) (uint64, error)           { return 0, nil }
func (ledger) PaidTotal(string, string) (uint64, error) { return 0, nil }
func (ledger) Owner(string) (string, bool, error)       { return "", false, nil }

// lanes is a runner with lanes, as a script.Pool is, on the in-process
// sandbox.
type lanes struct{ script.Runner }

func (l lanes) ForBlocks() script.Runner    { return l.Runner }
func (l lanes) ForAdmission() script.Runner { return l.Runner }

// TestRunnerCountsVerdicts: the wrapped runner counts each verdict of
// real scripts under accepted, refused or out_of_fuel, on either lane
// of a runner with lanes, which the wrapper keeps.
func TestRunnerCountsVerdicts(t *testing.T) {
	m := New()
	r := m.Runner(lanes{script.NewInProcess()})
	l, ok := r.(script.Lanes)
	if !ok {
		t.Fatal("the wrapper dropped the runner's lanes")
	}
	run := func(rn script.Runner, src string) {
		t.Helper()
		p, err := script.Compile([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rn.Validate(context.Background(), p, script.Write{Key: "k/x", Value: []byte("v"), Signer: "bvd1qqqq"},
			script.Context{Keyspace: "k", Time: 1700000000000}, ledger{}); err != nil {
			t.Fatal(err)
		}
	}
	run(l.ForBlocks(), `function validate(w, c) { return true }`)
	run(l.ForAdmission(), `function validate(w, c) { return true }`)
	run(r, `function validate(w, c) { return false }`)
	run(l.ForBlocks(), `function validate(w, c) { throw 'no' }`)
	run(l.ForAdmission(), `function validate(w, c) { var i = 0; for (;;) { i++ } }`)
	for verdict, want := range map[string]float64{VerdictAccepted: 2, VerdictRefused: 2, VerdictOutOfFuel: 1, VerdictGuard: 0, VerdictError: 0} {
		if got := counted(t, m, "bitverse_script_verdicts_total", verdict); got != want {
			t.Errorf("%s: %v, want %v", verdict, got, want)
		}
	}
	if m.Runner(nil) != nil {
		t.Error("a nil runner (in process, unwrapped) came back wrapped")
	}
}

// TestVerdictOf: guards count apart from the script's own refusals, and a
// runner failure apart from both.
func TestVerdictOf(t *testing.T) {
	for _, c := range []struct {
		v    script.Verdict
		err  error
		want string
	}{
		{script.Verdict{Allowed: true, Code: script.CodeAllowed}, nil, VerdictAccepted},
		{script.Verdict{Code: script.CodeReturned}, nil, VerdictRefused},
		{script.Verdict{Code: script.CodeLimit}, nil, VerdictRefused},
		{script.Verdict{Code: script.CodeOutOfFuel}, nil, VerdictOutOfFuel},
		{script.Verdict{Code: script.CodeTooSlow}, nil, VerdictGuard},
		{script.Verdict{Code: script.CodeCrashed}, nil, VerdictGuard},
		{script.Verdict{}, errors.New("closed"), VerdictError},
	} {
		if got := VerdictOf(c.v, c.err); got != c.want {
			t.Errorf("%v/%v: %s, want %s", c.v.Code, c.err, got, c.want)
		}
	}
}

// counted is the value of the counter name{verdict} in m's registry.
func counted(t *testing.T, m *Metrics, name, verdict string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "verdict" && l.GetValue() == verdict {
					return s.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{verdict=%q}", name, verdict)
	return 0
}
