package acs

import "fmt"

// AuthnContextRequirement is what the SP asked for in RequestedAuthnContext.
type AuthnContextRequirement struct {
	ClassRef   string
	Comparison string // exact (default), minimum, maximum, better
}

// Comparisons of RequestedAuthnContext (SAML core 3.3.2.2.1).
var Comparisons = []string{"exact", "minimum", "maximum", "better"}

// classStrength orders the common authentication context classes from weak
// to strong. Classes not listed only satisfy an exact comparison.
var classStrength = map[string]int{
	"urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified":                    0,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:InternetProtocol":               1,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:Password":                       2,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport":     3,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos":                       4,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient":                      5,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:X509":                           5,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract":        5,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard":                      6,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI":                   6,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken":                  5,
	"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport+MFA": 5,
}

// satisfies reports whether the class a response carries meets the requirement.
func (r AuthnContextRequirement) satisfies(got string) bool {
	if r.ClassRef == "" {
		return true
	}
	if r.Comparison == "" || r.Comparison == "exact" {
		return got == r.ClassRef
	}
	want, wok := classStrength[r.ClassRef]
	have, hok := classStrength[got]
	if !wok || !hok {
		return false
	}
	switch r.Comparison {
	case "minimum":
		return have >= want
	case "maximum":
		return have <= want
	case "better":
		return have > want
	}
	return false
}

func checkAuthnContext(req AuthnContextRequirement, got string) error {
	if req.satisfies(got) {
		return nil
	}
	return fmt.Errorf("acs: AuthnContextClassRef %q does not satisfy the requested %s %q: %w", got, orExact(req.Comparison), req.ClassRef, ErrAuthnContext)
}

func orExact(c string) string {
	if c == "" {
		return "exact"
	}
	return c
}
