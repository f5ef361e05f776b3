// Package idpmetadata reads an identity provider's SAML metadata — uploaded
// as a file or fetched from a discovery URL — into the settings it fills:
// entity ID, SSO endpoint and binding, and signing certificates (several
// KeyDescriptors express a key rollover). A Fetcher refreshes a URL on a
// schedule and keeps the last good document when a refresh fails.
package idpmetadata

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	xrv "github.com/mattermost/xml-roundtrip-validator"

	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/settings"
	"github.com/ssoharness/ssoharness/sp/store"
)

const mdNamespace = "urn:oasis:names:tc:SAML:2.0:metadata"

// rootName is the name of the document's first element.
func rootName(doc []byte) xml.Name {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name
		}
	}
}

// MaxBytes bounds a metadata document.
const MaxBytes = 1 << 20

// ErrInvalid is wrapped by every refusal of a document.
var ErrInvalid = errors.New("not usable IdP metadata")

// Info is what a metadata document says about the IdP.
type Info struct {
	EntityID string
	SSOURL   string
	Binding  store.Binding
	// Certificates are the signing certificates as PEM, in document order.
	Certificates []string
}

// Parse reads a metadata document: an EntityDescriptor, or an
// EntitiesDescriptor holding exactly one IdP.
func Parse(doc []byte) (Info, error) {
	if len(doc) > MaxBytes {
		return Info{}, fmt.Errorf("metadata of %d bytes exceeds %d: %w", len(doc), MaxBytes, ErrInvalid)
	}
	if bytes.Contains(bytes.ToLower(doc), []byte("<!doctype")) {
		return Info{}, fmt.Errorf("metadata carries a DOCTYPE: %w", ErrInvalid)
	}
	if err := xrv.Validate(bytes.NewReader(doc)); err != nil {
		return Info{}, fmt.Errorf("not well-formed XML: %v: %w", err, ErrInvalid)
	}
	var ed saml.EntityDescriptor
	switch rootName(doc) {
	case xml.Name{Space: mdNamespace, Local: "EntityDescriptor"}:
		if err := xml.Unmarshal(doc, &ed); err != nil {
			return Info{}, fmt.Errorf("EntityDescriptor: %v: %w", err, ErrInvalid)
		}
	case xml.Name{Space: mdNamespace, Local: "EntitiesDescriptor"}:
		var eds saml.EntitiesDescriptor
		if err := xml.Unmarshal(doc, &eds); err != nil {
			return Info{}, fmt.Errorf("EntitiesDescriptor: %v: %w", err, ErrInvalid)
		}
		var idps []saml.EntityDescriptor
		for _, e := range eds.EntityDescriptors {
			if len(e.IDPSSODescriptors) > 0 {
				idps = append(idps, e)
			}
		}
		if len(idps) != 1 {
			return Info{}, fmt.Errorf("the EntitiesDescriptor holds %d identity providers; upload the metadata of exactly one: %w", len(idps), ErrInvalid)
		}
		ed = idps[0]
	default:
		return Info{}, fmt.Errorf("not SAML metadata: the root is neither md:EntityDescriptor nor md:EntitiesDescriptor: %w", ErrInvalid)
	}
	if len(ed.IDPSSODescriptors) == 0 {
		return Info{}, fmt.Errorf("entity %q has no IDPSSODescriptor: this is not an identity provider's metadata: %w", ed.EntityID, ErrInvalid)
	}
	if strings.TrimSpace(ed.EntityID) == "" {
		return Info{}, fmt.Errorf("the EntityDescriptor has no entityID: %w", ErrInvalid)
	}
	idp := ed.IDPSSODescriptors[0]
	info := Info{EntityID: strings.TrimSpace(ed.EntityID)}
	// Prefer HTTP-Redirect for the AuthnRequest, as most IdPs do.
	for _, want := range []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding} {
		for _, ep := range idp.SingleSignOnServices {
			if ep.Binding == want && info.SSOURL == "" {
				info.SSOURL = ep.Location
				info.Binding = store.BindingRedirect
				if want == saml.HTTPPostBinding {
					info.Binding = store.BindingPOST
				}
			}
		}
	}
	if info.SSOURL == "" {
		return Info{}, fmt.Errorf("entity %q has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding: %w", info.EntityID, ErrInvalid)
	}
	for _, kd := range idp.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, c := range kd.KeyInfo.X509Data.X509Certificates {
			cert, err := acs.ParseCertificate(c.Data)
			if err != nil {
				return Info{}, fmt.Errorf("entity %q: signing certificate: %v: %w", info.EntityID, err, ErrInvalid)
			}
			info.Certificates = append(info.Certificates, toPEM(cert.Raw))
		}
	}
	if len(info.Certificates) == 0 {
		return Info{}, fmt.Errorf("entity %q publishes no signing key (KeyDescriptor use=\"signing\" or without use): %w", info.EntityID, ErrInvalid)
	}
	if len(info.Certificates) > 5 {
		return Info{}, fmt.Errorf("entity %q publishes %d signing keys; a group trusts at most 5: %w", info.EntityID, len(info.Certificates), ErrInvalid)
	}
	return info, nil
}

func toPEM(der []byte) string {
	var b strings.Builder
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	enc := base64.StdEncoding.EncodeToString(der)
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n-----END CERTIFICATE-----\n")
	return b.String()
}

// Apply copies what the metadata says into settings.
func (i Info) Apply(s *store.SSOSettings) {
	s.IdPEntityID, s.IdPSSOURL, s.IdPBinding = i.EntityID, i.SSOURL, i.Binding
	s.IdPCertificates = append([]string(nil), i.Certificates...)
}

// Fetch gets and parses a metadata URL with client, bounded in size and time.
func Fetch(ctx context.Context, client *http.Client, url string) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Info{}, fmt.Errorf("metadata URL %q: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Info{}, fmt.Errorf("fetching metadata from %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Info{}, fmt.Errorf("fetching metadata from %s: status %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return Info{}, fmt.Errorf("reading metadata from %s: %w", url, err)
	}
	info, err := Parse(body)
	if err != nil {
		return Info{}, fmt.Errorf("metadata from %s: %w", url, err)
	}
	return info, nil
}

// Refresher is the actor name the audit trail records for scheduled refreshes.
const Refresher = "metadata refresh"

// RefreshAll fetches the metadata URL of every group that has one and
// applies it through the settings validation, audited like an admin's save.
// A group whose fetch or validation fails keeps its last good settings; the
// failure is logged (with the URL's host only: a query may hold a token)
// and returned in the joined error.
func RefreshAll(ctx context.Context, st store.Store, client *http.Client, logger *slog.Logger, now func() time.Time) error {
	groups, err := st.ListGroups(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, g := range groups {
		if g.SSO.IdPMetadataURL == "" {
			continue
		}
		host := hostOf(g.SSO.IdPMetadataURL)
		info, err := Fetch(ctx, client, g.SSO.IdPMetadataURL)
		if err != nil {
			logger.Warn("IdP metadata refresh failed; keeping the last good metadata", "group", g.ID, "host", host, "err", redact(err, g.SSO.IdPMetadataURL))
			errs = append(errs, fmt.Errorf("group %d: metadata from %s: %w", g.ID, host, redact(err, g.SSO.IdPMetadataURL)))
			continue
		}
		err = st.UpdateGroupAudited(ctx, g.ID, func(old store.Group) (store.Group, []store.AuditEntry, error) {
			updated := old
			updated.SSO.IdPCertificates = nil
			info.Apply(&updated.SSO)
			settings.Normalize(&updated)
			if _, err := settings.Validate(updated, now()); err != nil {
				return old, nil, err
			}
			return updated, settings.AuditEntries(settings.Diff(old, updated), g.ID, Refresher, now()), nil
		})
		if err != nil {
			logger.Warn("IdP metadata refresh refused; keeping the last good metadata", "group", g.ID, "host", host, "err", err)
			errs = append(errs, fmt.Errorf("group %d: %w", g.ID, err))
		}
	}
	return errors.Join(errs...)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return "(unparsable URL)"
}

// redact replaces the full URL in an error's text by its host.
func redact(err error, raw string) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.ReplaceAll(err.Error(), raw, hostOf(raw)))
}

// RefreshEvery runs RefreshAll at once and then every interval until ctx ends.
func RefreshEvery(ctx context.Context, every time.Duration, st store.Store, client *http.Client, logger *slog.Logger) {
	now := time.Now
	_ = RefreshAll(ctx, st, client, logger, now) // failures are logged per group
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = RefreshAll(ctx, st, client, logger, now) // failures are logged per group
		}
	}
}
