package control_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ssoharness/ssoharness/fixtures"
	"github.com/ssoharness/ssoharness/mockidp"
)

func TestSetEncryptionCertificate(t *testing.T) {
	_, c := start(t)
	cert := fixtures.MustLoad(fixtures.SPKey).Certificate
	if err := c.SetEncryptionCertificate(ctx(t), spID, cert); err != nil {
		t.Fatal(err)
	}
	st, err := c.State(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.ServiceProviders[0].EncryptionCertificate; got != cert.Subject.String() {
		t.Errorf("state encryptionCertificate %q; want %q", got, cert.Subject.String())
	}
	if err := c.SetEncryptionCertificate(ctx(t), spID, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.State(ctx(t)); st.ServiceProviders[0].EncryptionCertificate != "" {
		t.Error("nil did not remove the certificate")
	}
	if err := c.SetEncryptionCertificate(ctx(t), "https://nobody.example.com", cert); !errors.Is(err, mockidp.ErrUnknownServiceProvider) {
		t.Errorf("unknown SP: %v", err)
	}
}

func TestRawEncryptionCertificateEndpoint(t *testing.T) {
	idp, _ := start(t)
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"sp":"` + spID + `","certificatePEM":"not pem"}`, 400, `certificatePEM\": no PEM block found`},
		{`{"certificatePEM":""}`, 400, `sp\" is missing`},
		{`{"sp":"` + spID + `","cert":""}`, 400, "unknown field"},
	} {
		status, body := post(t, idp.URL()+"/control/service-providers/encryption-certificate", c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want %d containing %q", c.body, status, body, c.status, c.want)
		}
	}
}

func post(t *testing.T, u, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
