package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/rpc"
)

// TestLocalAPIRefusesMissingOrWrongCookie checks the cookie guard on a real
// node's local API: a request without the cookie, with a wrong one, with the
// right token but not as a bearer token, or with a cookie from an earlier
// run is refused with 401 and a sentence that names the cookie; the right
// cookie is accepted. A Client holding a wrong cookie gets the same sentence
// and rpc.ErrUnauthorized, for calls and for the event stream.
func TestLocalAPIRefusesMissingOrWrongCookie(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("guarded", harness.NoNetwork())
	tok, err := os.ReadFile(filepath.Join(n.Dir, rpc.CookieFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(n.Dir, rpc.CookieFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cookie file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	addr, err := os.ReadFile(filepath.Join(n.Dir, rpc.AddrFile))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + strings.TrimSpace(string(addr))
	good := strings.TrimSpace(string(tok))
	wrong := strings.Repeat("0", len(good))

	cases := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no cookie", "POST", "/v1/status", "", http.StatusUnauthorized},
		{"wrong cookie", "POST", "/v1/status", "Bearer " + wrong, http.StatusUnauthorized},
		{"prefix of the cookie", "POST", "/v1/status", "Bearer " + good[:len(good)-1], http.StatusUnauthorized},
		{"empty bearer", "POST", "/v1/status", "Bearer ", http.StatusUnauthorized},
		{"right token, not a bearer token", "POST", "/v1/status", good, http.StatusUnauthorized},
		{"right token, basic scheme", "POST", "/v1/status", "Basic " + good, http.StatusUnauthorized},
		{"no cookie on an unknown path", "POST", "/v1/no_such_method", "", http.StatusUnauthorized},
		{"no cookie on events", "GET", "/v1/events", "", http.StatusUnauthorized},
		{"wrong cookie on blobs", "POST", "/v1/blob_put", "Bearer " + wrong, http.StatusUnauthorized},
		{"right cookie", "POST", "/v1/status", "Bearer " + good, http.StatusOK},
	}
	for i, c := range cases {
		req, err := http.NewRequest(c.method, base+c.path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, c.name, err)
		}
		var body struct{ Error, Kind string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Fatalf("case %d (%s): status %d, want %d (%+v)", i, c.name, resp.StatusCode, c.want, body)
		}
		if c.want == http.StatusUnauthorized && (body.Kind != "unauthorized" || !strings.Contains(body.Error, "cookie")) {
			t.Fatalf("case %d (%s): body %+v; want kind unauthorized and a sentence about the cookie", i, c.name, body)
		}
	}

	// A client with a stale cookie (the node restarted, or another node's).
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, rpc.CookieFile), []byte(wrong), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := rpc.Dial(dir, strings.TrimSpace(string(addr)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Status(ctx); !errors.Is(err, rpc.ErrUnauthorized) || !strings.Contains(err.Error(), "cookie") {
		t.Fatalf("Status with a wrong cookie = %v; want rpc.ErrUnauthorized and a sentence about the cookie", err)
	}
	if _, err := c.Events(ctx); !errors.Is(err, rpc.ErrUnauthorized) || !strings.Contains(err.Error(), "cookie") {
		t.Fatalf("Events with a wrong cookie = %v; want rpc.ErrUnauthorized and a sentence about the cookie", err)
	}
	if _, err := n.API.Status(ctx); err != nil {
		t.Fatalf("Status with the node's cookie: %v", err)
	}
}
