package storetest

import (
	"cmp"
	"slices"
	"testing"

	"github.com/ssoharness/ssoharness/sp/store"
)

// fullGroup is a group with every field, and every SSO setting, set.
func fullGroup() store.Group {
	return store.Group{
		ID:        4711,
		Name:      "acme",
		AccountID: "acme-account-1",
		SSO: store.SSOSettings{
			Method:          store.MethodSAML2Encrypted,
			Description:     "Acme Corp – production IdP",
			Status:          store.StatusProduction,
			IdPEntityID:     "https://idp.acme.example/metadata",
			IdPSSOURL:       "https://idp.acme.example/sso?tenant=acme&x=1",
			IdPBinding:      store.BindingPOST,
			IdPCertificates: []string{"-----BEGIN CERTIFICATE-----\nMIIBprimary\n-----END CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\nMIIBsecondary\n-----END CERTIFICATE-----\n"},

			EntityID:             "https://sp.example/saml/4711",
			IdentityAttribute:    "urn:oid:0.9.2342.19200300.100.1.3",
			NameIDPolicy:         store.NameIDPersistent,
			AllowIdPInitiated:    true,
			IdPInitiatedRedirect: "/agent?view=queue",

			ClockSkewSeconds:       90,
			MaxResponseBytes:       256 << 10,
			AllowSHA1:              true,
			AllowPKCS1v15:          true,
			AuthnContextClassRef:   "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
			AuthnContextComparison: "minimum",
			ACSParameterStyle:      store.ACSStyleRelayState,
			IdPMetadataURL:         "https://idp.example.com/metadata",
		},
	}
}

// plainGroup is a group with few fields set: no Account ID, no certificates.
func plainGroup(id int64, name string) store.Group {
	return store.Group{
		ID:   id,
		Name: name,
		SSO: store.SSOSettings{
			Method:       store.MethodOff,
			Status:       store.StatusProvisioning,
			IdPBinding:   store.BindingRedirect,
			NameIDPolicy: store.NameIDEmail,
		},
	}
}

func mustCreateGroup(t *testing.T, s store.Store, g store.Group) {
	t.Helper()
	if err := s.CreateGroup(t.Context(), g); err != nil {
		t.Fatalf("CreateGroup(%d %q): %v", g.ID, g.Name, err)
	}
}

// checkGroup compares the group stored under want.ID with want.
func checkGroup(t *testing.T, s store.Store, want store.Group) {
	t.Helper()
	got, err := s.GetGroup(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("GetGroup(%d): %v", want.ID, err)
	}
	checkFields(t, "group", got, want)
}

func testGroupRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := fullGroup()
	checkEveryFieldSet(t, "fullGroup()", want)
	checkEveryFieldSet(t, "fullGroup().SSO", want.SSO)
	mustCreateGroup(t, s, want)

	byID, err := s.GetGroup(ctx, want.ID)
	if err != nil {
		t.Fatalf("GetGroup: %v", err)
	}
	byName, err := s.GetGroupByName(ctx, want.Name)
	if err != nil {
		t.Fatalf("GetGroupByName: %v", err)
	}
	byAccountID, err := s.GetGroupByAccountID(ctx, want.AccountID)
	if err != nil {
		t.Fatalf("GetGroupByAccountID: %v", err)
	}
	for what, got := range map[string]store.Group{"GetGroup": byID, "GetGroupByName": byName, "GetGroupByAccountID": byAccountID} {
		checkFields(t, what, got, want)
		checkFields(t, what+".SSO", got.SSO, want.SSO)
	}

	unicode := plainGroup(7, "Grüße aus 東京 🚀")
	unicode.SSO.Description = "Zoë’s “test” group\n\ttabbed"
	mustCreateGroup(t, s, unicode)
	got, err := s.GetGroupByName(ctx, unicode.Name)
	if err != nil {
		t.Fatalf("GetGroupByName(%q): %v", unicode.Name, err)
	}
	checkFields(t, "unicode group", got, unicode)
	checkFields(t, "unicode group.SSO", got.SSO, unicode.SSO)
}

// testGroupCopies checks that the store keeps its own copy of a group, so
// that neither the caller's slice nor a returned one aliases what is stored.
func testGroupCopies(t *testing.T, s store.Store) {
	want := fullGroup()
	given := fullGroup()
	mustCreateGroup(t, s, given)
	given.SSO.IdPCertificates[0] = "changed by the caller after CreateGroup"
	checkGroup(t, s, want)

	got, err := s.GetGroup(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("GetGroup: %v", err)
	}
	got.SSO.IdPCertificates[0] = "changed by the caller after GetGroup"
	checkGroup(t, s, want)
}

func testGroupDuplicates(t *testing.T, s store.Store) {
	ctx := t.Context()
	original := fullGroup()
	mustCreateGroup(t, s, original)

	sameID := plainGroup(original.ID, "other name")
	checkErrorIs(t, "CreateGroup with a taken ID", s.CreateGroup(ctx, sameID), store.ErrAlreadyExists)
	sameName := plainGroup(original.ID+1, original.Name)
	checkErrorIs(t, "CreateGroup with a taken name", s.CreateGroup(ctx, sameName), store.ErrAlreadyExists)
	sameAccountID := plainGroup(original.ID+2, "third")
	sameAccountID.AccountID = original.AccountID
	checkErrorIs(t, "CreateGroup with a taken account ID", s.CreateGroup(ctx, sameAccountID), store.ErrAlreadyExists)
	checkGroup(t, s, original)

	// Account IDs are unique only when not empty.
	mustCreateGroup(t, s, plainGroup(1, "first without account ID"))
	mustCreateGroup(t, s, plainGroup(2, "second without account ID"))
	groups, err := s.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	if len(groups) != 3 {
		t.Errorf("ListGroups: %d groups, want 3: %+v", len(groups), groups)
	}
}

func testGroupInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	checkRefused(t, "CreateGroup with ID 0", s.CreateGroup(ctx, plainGroup(0, "zero")))
	checkRefused(t, "CreateGroup with a negative ID", s.CreateGroup(ctx, plainGroup(-1, "negative")))
	checkRefused(t, "CreateGroup with an empty name", s.CreateGroup(ctx, plainGroup(1, "")))
	groups, err := s.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	if len(groups) != 0 {
		t.Errorf("ListGroups after refused creations: %+v, want none", groups)
	}
}

func testGroupNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetGroup(ctx, 1)
	checkErrorIs(t, "GetGroup in an empty store", err, store.ErrNotFound)

	mustCreateGroup(t, s, fullGroup())
	mustCreateGroup(t, s, plainGroup(1, "no account ID"))
	_, err = s.GetGroup(ctx, 2)
	checkErrorIs(t, "GetGroup of an unknown ID", err, store.ErrNotFound)
	_, err = s.GetGroupByName(ctx, "unknown")
	checkErrorIs(t, "GetGroupByName of an unknown name", err, store.ErrNotFound)
	_, err = s.GetGroupByAccountID(ctx, "unknown")
	checkErrorIs(t, "GetGroupByAccountID of an unknown account ID", err, store.ErrNotFound)
	_, err = s.GetGroupByAccountID(ctx, "")
	checkErrorIs(t, `GetGroupByAccountID("") with a group without account ID`, err, store.ErrNotFound)
}

func testGroupList(t *testing.T, s store.Store) {
	ctx := t.Context()
	groups, err := s.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups of an empty store: %v", err)
	}
	if len(groups) != 0 {
		t.Errorf("ListGroups of an empty store: %+v, want none", groups)
	}

	want := []store.Group{plainGroup(10, "ten"), plainGroup(20, "twenty"), fullGroup()}
	for _, i := range []int{2, 0, 1} {
		mustCreateGroup(t, s, want[i])
	}
	groups, err = s.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	slices.SortFunc(groups, func(a, b store.Group) int { return cmp.Compare(a.ID, b.ID) })
	checkRecords(t, "ListGroups", groups, want)
}

func testGroupUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	original := fullGroup()
	mustCreateGroup(t, s, original)

	want := fullGroup()
	want.Name = "acme renamed"
	want.AccountID = ""
	want.SSO.Status = store.StatusProvisioning
	want.SSO.IdPCertificates = append(want.SSO.IdPCertificates, "-----BEGIN CERTIFICATE-----\nMIIBthird\n-----END CERTIFICATE-----\n")
	err := s.UpdateGroup(ctx, original.ID, func(old store.Group) (store.Group, error) {
		checkFields(t, "group given to update", old, original)
		checkFields(t, "group given to update.SSO", old.SSO, original.SSO)
		old.Name = want.Name
		old.AccountID = want.AccountID
		old.SSO.Status = want.SSO.Status
		old.SSO.IdPCertificates = append(old.SSO.IdPCertificates, want.SSO.IdPCertificates[2])
		return old, nil
	})
	if err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	checkGroup(t, s, want)
	_, err = s.GetGroupByName(ctx, original.Name)
	checkErrorIs(t, "GetGroupByName of the name before the update", err, store.ErrNotFound)
	_, err = s.GetGroupByAccountID(ctx, original.AccountID)
	checkErrorIs(t, "GetGroupByAccountID of the account ID before the update", err, store.ErrNotFound)

	// The freed name and account ID can be taken again.
	reuser := plainGroup(1, original.Name)
	reuser.AccountID = original.AccountID
	mustCreateGroup(t, s, reuser)
}

func testGroupUpdateRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	original := fullGroup()
	mustCreateGroup(t, s, original)
	other := plainGroup(1, "other")
	other.AccountID = "other-account"
	mustCreateGroup(t, s, other)

	called := false
	err := s.UpdateGroup(ctx, 2, func(old store.Group) (store.Group, error) {
		called = true
		return old, nil
	})
	checkErrorIs(t, "UpdateGroup of an unknown ID", err, store.ErrNotFound)
	if called {
		t.Error("UpdateGroup of an unknown ID called the update function")
	}

	refusals := []struct {
		what   string
		update func(old store.Group) (store.Group, error)
		target error // the sentinel the error wraps, or nil for any error
	}{
		{"an update function error", func(old store.Group) (store.Group, error) {
			old.Name = "renamed before failing"
			return old, errUpdateRefused
		}, errUpdateRefused},
		{"an ID change", func(old store.Group) (store.Group, error) {
			old.ID = 99
			return old, nil
		}, nil},
		{"a taken name", func(old store.Group) (store.Group, error) {
			old.Name = other.Name
			return old, nil
		}, store.ErrAlreadyExists},
		{"a taken account ID", func(old store.Group) (store.Group, error) {
			old.AccountID = other.AccountID
			return old, nil
		}, store.ErrAlreadyExists},
		{"an empty name", func(old store.Group) (store.Group, error) {
			old.Name = ""
			return old, nil
		}, nil},
	}
	for _, refusal := range refusals {
		err := s.UpdateGroup(ctx, original.ID, refusal.update)
		what := "UpdateGroup with " + refusal.what
		if refusal.target != nil {
			checkErrorIs(t, what, err, refusal.target)
		} else if err == nil {
			t.Errorf("%s: succeeded, want an error", what)
		}
		checkGroup(t, s, original)
		checkGroup(t, s, other)
	}
	_, err = s.GetGroup(ctx, 99)
	checkErrorIs(t, "GetGroup of the ID an update tried to change to", err, store.ErrNotFound)
}
