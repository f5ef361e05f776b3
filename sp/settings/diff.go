package settings

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Change is one field whose value differs between two versions of a group.
type Change struct {
	Field    string // JSON name, e.g. sso.idpSSOURL, sso.idpCertificates[1]
	Old, New string // printable values; certificates by fingerprint
}

// Diff returns the fields that differ between old and new, in a stable
// order. Certificates compare and print by fingerprint, never as PEM; a
// text that is not a certificate prints as "unparsable certificate".
func Diff(old, new store.Group) []Change {
	var changes []Change
	add := func(field, o, n string) {
		if o != n {
			changes = append(changes, Change{Field: field, Old: o, New: n})
		}
	}
	add("name", old.Name, new.Name)
	add("accountID", old.AccountID, new.AccountID)

	ov, nv := reflect.ValueOf(old.SSO), reflect.ValueOf(new.SSO)
	typ := ov.Type()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = typ.Field(i).Name
		}
		if name == "idpCertificates" {
			n := max(len(old.SSO.IdPCertificates), len(new.SSO.IdPCertificates))
			for k := range n {
				add(fmt.Sprintf("sso.idpCertificates[%d]", k), fingerprintAt(old.SSO.IdPCertificates, k), fingerprintAt(new.SSO.IdPCertificates, k))
			}
			continue
		}
		add("sso."+name, printable(ov.Field(i)), printable(nv.Field(i)))
	}
	return changes
}

// AuditEntries turns changes into audit entries by actor at now.
func AuditEntries(changes []Change, groupID int64, actor string, now time.Time) []store.AuditEntry {
	entries := make([]store.AuditEntry, 0, len(changes))
	for _, c := range changes {
		entries = append(entries, store.AuditEntry{Time: now, GroupID: groupID, Actor: actor, Field: c.Field, Old: c.Old, New: c.New})
	}
	return entries
}

func fingerprintAt(texts []string, i int) string {
	if i >= len(texts) {
		return ""
	}
	cert, err := acs.ParseCertificate(texts[i])
	if err != nil {
		return "unparsable certificate"
	}
	return acs.Fingerprint(cert)
}

func printable(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Slice:
		parts := make([]string, 0, v.Len())
		for i := range v.Len() {
			parts = append(parts, printable(v.Index(i)))
		}
		return strings.Join(parts, ", ")
	default:
		return fmt.Sprint(v.Interface())
	}
}
