package mockidp

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crewjam/saml"
)

// ReceivedRequest is an AuthnRequest as the IdP received it, decoded.
// Fields are what the SP sent: "" and nil mean absent.
type ReceivedRequest struct {
	ID           string `json:"id"`
	Issuer       string `json:"issuer"`
	Version      string `json:"version"`
	IssueInstant string `json:"issueInstant"`
	Destination  string `json:"destination,omitempty"`
	// ACSURL is the AssertionConsumerServiceURL attribute.
	ACSURL string `json:"acsURL,omitempty"`
	// ACSIndex is the AssertionConsumerServiceIndex attribute.
	ACSIndex        *int   `json:"acsIndex,omitempty"`
	ProtocolBinding string `json:"protocolBinding,omitempty"`
	// NameIDPolicyFormat and AllowCreate come from NameIDPolicy.
	NameIDPolicyFormat    string                 `json:"nameIDPolicyFormat,omitempty"`
	AllowCreate           *bool                  `json:"allowCreate,omitempty"`
	RequestedAuthnContext *RequestedAuthnContext `json:"requestedAuthnContext,omitempty"`
	ForceAuthn            bool                   `json:"forceAuthn"`
	IsPassive             bool                   `json:"isPassive"`

	// Binding is the URN of the binding it arrived by (HTTP-Redirect or HTTP-POST).
	Binding    string `json:"binding"`
	RelayState string `json:"relayState,omitempty"`
	// Signed is true for an HTTP-Redirect request with a Signature
	// parameter or an HTTP-POST request with an enveloped ds:Signature. The
	// mock IdP does not verify it.
	Signed bool `json:"signed"`
	// SigAlg is the HTTP-Redirect SigAlg parameter.
	SigAlg string `json:"sigAlg,omitempty"`
	// XML is the decoded request.
	XML        string    `json:"xml"`
	ReceivedAt time.Time `json:"receivedAt"`
	// Rejected says why the IdP refused the request with an error page; ""
	// when it went on to log the user in.
	Rejected string `json:"rejected,omitempty"`
}

// RequestedAuthnContext is the AuthnRequest's RequestedAuthnContext.
type RequestedAuthnContext struct {
	// Comparison is exact, minimum, maximum or better; "" (absent) means exact.
	Comparison string   `json:"comparison,omitempty"`
	ClassRefs  []string `json:"classRefs,omitempty"`
	DeclRefs   []string `json:"declRefs,omitempty"`
}

const (
	maxEncodedRequest  = 128 << 10 // bytes of the SAMLRequest parameter
	maxInflatedRequest = 512 << 10 // bytes of XML after inflating
)

// errBadRequest marks decoding errors caused by the sender.
var errBadRequest = errors.New("bad SAMLRequest")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// decodeSAMLRequest turns the SAMLRequest parameter into XML bytes:
// base64 then raw DEFLATE for HTTP-Redirect, base64 only for HTTP-POST.
func decodeSAMLRequest(param, binding string) ([]byte, error) {
	if param == "" {
		return nil, badRequest("the SAMLRequest parameter is missing or empty")
	}
	if len(param) > maxEncodedRequest {
		return nil, badRequest("SAMLRequest is %d bytes; the mock IdP accepts at most %d", len(param), maxEncodedRequest)
	}
	clean := strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, param)
	raw, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		hint := "encode it with standard base64 (RFC 4648 §4)"
		if strings.ContainsRune(clean, ' ') {
			hint = "it contains spaces: a '+' of the base64 was probably not URL-encoded"
		}
		return nil, badRequest("SAMLRequest is not valid base64 (%v); %s", err, hint)
	}
	if binding == saml.HTTPPostBinding {
		if !looksLikeXML(raw) {
			return nil, badRequest("SAMLRequest does not decode to XML; HTTP-POST carries the base64 of the XML itself, without DEFLATE")
		}
		return raw, nil
	}
	if looksLikeXML(raw) {
		return nil, badRequest("SAMLRequest decodes to uncompressed XML; HTTP-Redirect requires raw DEFLATE (RFC 1951) before base64")
	}
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), maxInflatedRequest+1))
	if err != nil {
		hint := "HTTP-Redirect requires raw DEFLATE (RFC 1951) before base64"
		if len(raw) >= 2 && raw[0] == 0x78 {
			hint = "it looks like zlib (RFC 1950, starts with 0x78); HTTP-Redirect requires raw DEFLATE without the zlib header"
		} else if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
			hint = "it looks like gzip; HTTP-Redirect requires raw DEFLATE without the gzip header"
		}
		return nil, badRequest("SAMLRequest does not inflate (%v); %s", err, hint)
	}
	if len(out) > maxInflatedRequest {
		return nil, badRequest("SAMLRequest inflates to more than %d bytes", maxInflatedRequest)
	}
	return out, nil
}

func looksLikeXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
)

type authnRequestXML struct {
	XMLName                        xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol AuthnRequest"`
	ID                             string   `xml:"ID,attr"`
	Version                        string   `xml:"Version,attr"`
	IssueInstant                   string   `xml:"IssueInstant,attr"`
	Destination                    string   `xml:"Destination,attr"`
	ForceAuthn                     string   `xml:"ForceAuthn,attr"`
	IsPassive                      string   `xml:"IsPassive,attr"`
	ProtocolBinding                string   `xml:"ProtocolBinding,attr"`
	AssertionConsumerServiceURL    string   `xml:"AssertionConsumerServiceURL,attr"`
	AssertionConsumerServiceIndex  string   `xml:"AssertionConsumerServiceIndex,attr"`
	AttributeConsumingServiceIndex string   `xml:"AttributeConsumingServiceIndex,attr"`
	Issuer                         *struct {
		Value string `xml:",chardata"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	Signature    *struct{} `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
	NameIDPolicy *struct {
		Format      string `xml:"Format,attr"`
		AllowCreate string `xml:"AllowCreate,attr"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:protocol NameIDPolicy"`
	RequestedAuthnContext *struct {
		Comparison string   `xml:"Comparison,attr"`
		ClassRefs  []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion AuthnContextClassRef"`
		DeclRefs   []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion AuthnContextDeclRef"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:protocol RequestedAuthnContext"`
}

// parseAuthnRequest decodes the XML of an AuthnRequest. encoding/xml
// neither fetches external entities nor expands custom ones.
func parseAuthnRequest(data []byte) (ReceivedRequest, error) {
	var x authnRequestXML
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		return ReceivedRequest{}, badRequest("SAMLRequest is not a samlp:AuthnRequest (namespace %s): %v", nsProtocol, err)
	}
	r := ReceivedRequest{
		ID:              x.ID,
		Version:         x.Version,
		IssueInstant:    x.IssueInstant,
		Destination:     x.Destination,
		ACSURL:          x.AssertionConsumerServiceURL,
		ProtocolBinding: x.ProtocolBinding,
		Signed:          x.Signature != nil,
		XML:             string(data),
	}
	if x.Issuer != nil {
		r.Issuer = strings.TrimSpace(x.Issuer.Value)
	}
	var err error
	if r.ForceAuthn, err = xsBoolean("ForceAuthn", x.ForceAuthn); err != nil {
		return r, err
	}
	if r.IsPassive, err = xsBoolean("IsPassive", x.IsPassive); err != nil {
		return r, err
	}
	if x.AssertionConsumerServiceIndex != "" {
		i, err := strconv.Atoi(x.AssertionConsumerServiceIndex)
		if err != nil || i < 0 {
			return r, badRequest("AssertionConsumerServiceIndex %q is not a non-negative integer", x.AssertionConsumerServiceIndex)
		}
		r.ACSIndex = &i
	}
	if x.NameIDPolicy != nil {
		r.NameIDPolicyFormat = x.NameIDPolicy.Format
		if x.NameIDPolicy.AllowCreate != "" {
			b, err := xsBoolean("NameIDPolicy AllowCreate", x.NameIDPolicy.AllowCreate)
			if err != nil {
				return r, err
			}
			r.AllowCreate = &b
		}
	}
	if x.RequestedAuthnContext != nil {
		r.RequestedAuthnContext = &RequestedAuthnContext{
			Comparison: x.RequestedAuthnContext.Comparison,
			ClassRefs:  trimAll(x.RequestedAuthnContext.ClassRefs),
			DeclRefs:   trimAll(x.RequestedAuthnContext.DeclRefs),
		}
	}
	return r, nil
}

func trimAll(s []string) []string {
	for i := range s {
		s[i] = strings.TrimSpace(s[i])
	}
	return s
}

func xsBoolean(name, v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, badRequest("%s %q is not an xs:boolean (true, false, 1 or 0)", name, v)
}

// checkRequest applies the rules the IdP enforces to a decoded request
// from a known SP and returns the ACS URL to answer at, or why it refuses.
func checkRequest(r ReceivedRequest, sp ServiceProvider) (acs string, refusal string) {
	switch {
	case r.ID == "":
		return "", "the AuthnRequest has no ID attribute; the response's InResponseTo needs one"
	case r.Version != "2.0":
		return "", fmt.Sprintf("the AuthnRequest has Version %q; want 2.0", r.Version)
	case r.ProtocolBinding != "" && r.ProtocolBinding != saml.HTTPPostBinding:
		return "", fmt.Sprintf("the AuthnRequest asks for ProtocolBinding %q; the mock IdP answers with HTTP-POST (%s) only", r.ProtocolBinding, saml.HTTPPostBinding)
	case r.ACSURL != "" && r.ACSIndex != nil:
		return "", "the AuthnRequest has both AssertionConsumerServiceURL and AssertionConsumerServiceIndex; SAML core §3.4.1 allows one"
	}
	if r.ACSURL != "" {
		for _, a := range sp.ACSURLs {
			if acsMatches(sp.ACSMatch, a, r.ACSURL) {
				return r.ACSURL, ""
			}
		}
		return "", fmt.Sprintf("AssertionConsumerServiceURL %q is not registered for %s; registered: %s", r.ACSURL, sp.EntityID, strings.Join(sp.ACSURLs, ", "))
	}
	if r.ACSIndex != nil {
		if *r.ACSIndex >= len(sp.ACSURLs) {
			return "", fmt.Sprintf("AssertionConsumerServiceIndex %d is out of range; %s has %d ACS URL(s), indexed from 0", *r.ACSIndex, sp.EntityID, len(sp.ACSURLs))
		}
		return sp.ACSURLs[*r.ACSIndex], ""
	}
	return sp.ACSURLs[0], ""
}
