package daemon

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsServedUntilStop: with Config.Metrics the daemon serves
// /metrics (the node's series and the wrapped script runner's verdicts)
// from Start to Stop, and frees the port at Stop.
func TestMetricsServedUntilStop(t *testing.T) {
	cfg := full(t.TempDir())
	cfg.Metrics = "127.0.0.1:0"
	d := mustNew(t, cfg)
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	url := "http://" + d.Metrics().Addr().String() + "/metrics"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`bitverse_chain_height{chain="/",stored="full"} 0`, `bitverse_peers 0`, `bitverse_script_verdicts_total{verdict="accepted"} 0`, `bitverse_bans_total 0`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %q in\n%.2000s", want, body)
		}
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("metrics still served after Stop")
	}
	if d2 := mustNew(t, full(t.TempDir())); d2.Metrics() != nil {
		t.Fatal("metrics without Config.Metrics")
	}
}
