package origin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ssoharness/ssoharness/mockidp/origin"
)

// An SP checks a session key over REST JSON; the test then sees what was
// asked, and makes the origin lie.
func Example() {
	o, err := origin.New(origin.Config{
		BaseURL:     "http://crm.localhost:8083",
		PortalLinks: []origin.PortalLink{{Title: "Portal", URL: "http://portal.localhost:8080/"}},
		Users:       []origin.User{{Email: "ada@example.com", Password: "ada-password", Name: "Ada Lovelace"}},
	}, origin.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(o)
	defer srv.Close()

	key, _ := o.IssueSession("ada@example.com")
	ask := func() string {
		body := fmt.Sprintf(`{"email": "ADA@example.com", "sessionKey": %q}`, key)
		resp, err := http.Post(srv.URL+"/auth/json", "application/json", strings.NewReader(body))
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type") + " " + string(answer)
	}

	fmt.Println(ask())
	call, _ := o.TakeAuthCall(context.Background())
	fmt.Println(call.Transport, call.Email, call.Reason, call.Answer)

	o.ExpireSession(key)
	fmt.Println(ask())
	o.SetAnswer(origin.AlwaysTrue)
	fmt.Println(ask())
	// Output:
	// application/json; charset=utf-8 true
	// json ADA@example.com valid true
	// application/json; charset=utf-8 false
	// application/json; charset=utf-8 true
}
