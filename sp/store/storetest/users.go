package storetest

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/ssoharness/ssoharness/sp/store"
)

// plainUser is an active user of groupID with only a Glance Address and an Email.
func plainUser(groupID int64, glanceAddress, email string) store.User {
	return store.User{GlanceAddress: glanceAddress, GroupID: groupID, Email: email, Status: store.UserActive}
}

func mustCreateUser(t *testing.T, s store.Store, u store.User) {
	t.Helper()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", u.GlanceAddress, err)
	}
}

// checkUser compares the user stored under want.GlanceAddress with want.
func checkUser(t *testing.T, s store.Store, want store.User) {
	t.Helper()
	got, err := s.GetUser(t.Context(), want.GlanceAddress)
	if err != nil {
		t.Fatalf("GetUser(%q): %v", want.GlanceAddress, err)
	}
	checkFields(t, "user", got, want)
}

// glanceAddresses are the users' Glance Addresses, sorted.
func glanceAddresses(users []store.User) []string {
	addresses := make([]string, 0, len(users))
	for _, u := range users {
		addresses = append(addresses, u.GlanceAddress)
	}
	slices.Sort(addresses)
	return addresses
}

func testUserRoundTrip(t *testing.T, s store.Store) {
	mustCreateGroup(t, s, plainGroup(1, "one"))
	want := store.User{
		GlanceAddress: "oersted.zoe.example.glance.net",
		GroupID:       1,
		PartnerUserID: "EMP-0042",
		Email:         "zoë.ørsted@example.com",
		FirstName:     "Zoë",
		LastName:      "Ørsted-Łukasiewicz 東",
		Phone:         "+49 30 1234567",
		Role:          "agent",
		Status:        store.UserPending,
	}
	checkEveryFieldSet(t, "user", want)
	mustCreateUser(t, s, want)
	checkUser(t, s, want)

	got, err := s.GetUser(t.Context(), strings.ToUpper(want.GlanceAddress))
	if err != nil {
		t.Fatalf("GetUser of the Glance Address in upper case: %v", err)
	}
	checkFields(t, "user by upper-case Glance Address", got, want)
}

func testUserDuplicates(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateGroup(t, s, plainGroup(2, "two"))
	original := plainUser(1, "doe.john.example.glance.net", "john@example.com")
	original.PartnerUserID = "p-1"
	mustCreateUser(t, s, original)

	sameAddress := plainUser(2, original.GlanceAddress, "other@example.com")
	checkErrorIs(t, "CreateUser with a taken Glance Address in another group", s.CreateUser(ctx, sameAddress), store.ErrAlreadyExists)
	sameAddress.GlanceAddress = strings.ToUpper(original.GlanceAddress)
	checkErrorIs(t, "CreateUser with a taken Glance Address in upper case", s.CreateUser(ctx, sameAddress), store.ErrAlreadyExists)
	samePUID := plainUser(1, "doe.jane.example.glance.net", "jane@example.com")
	samePUID.PartnerUserID = original.PartnerUserID
	checkErrorIs(t, "CreateUser with a Partner User ID taken in the group", s.CreateUser(ctx, samePUID), store.ErrAlreadyExists)
	checkUser(t, s, original)

	// Partner User IDs are unique within a group, compared exactly, and only when not empty.
	samePUID.GroupID = 2
	mustCreateUser(t, s, samePUID)
	otherCase := plainUser(1, "roe.richard.example.glance.net", "")
	otherCase.PartnerUserID = strings.ToUpper(original.PartnerUserID)
	mustCreateUser(t, s, otherCase)
	mustCreateUser(t, s, plainUser(1, "no.puid.one.example.glance.net", ""))
	mustCreateUser(t, s, plainUser(1, "no.puid.two.example.glance.net", ""))
}

func testUserInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateGroup(t, s, plainGroup(1, "one"))
	err := s.CreateUser(ctx, plainUser(2, "orphan.example.glance.net", ""))
	checkErrorIs(t, "CreateUser in an unknown group", err, store.ErrNotFound)
	checkRefused(t, "CreateUser with an empty Glance Address", s.CreateUser(ctx, plainUser(1, "", "nobody@example.com")))
	users, err := s.ListUsers(ctx, 1)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if len(users) != 0 {
		t.Errorf("ListUsers after refused creations: %+v, want none", users)
	}
}

func testUserNotFound(t *testing.T, s store.Store) {
	_, err := s.GetUser(t.Context(), "nobody.example.glance.net")
	checkErrorIs(t, "GetUser in an empty store", err, store.ErrNotFound)
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateUser(t, s, plainUser(1, "doe.john.example.glance.net", "john@example.com"))
	_, err = s.GetUser(t.Context(), "doe.john.example.glance")
	checkErrorIs(t, "GetUser of a prefix of a Glance Address", err, store.ErrNotFound)
}

func testUserList(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateGroup(t, s, plainGroup(2, "two"))
	mustCreateGroup(t, s, plainGroup(3, "three"))
	want := []store.User{
		plainUser(1, "a.example.glance.net", "a@example.com"),
		plainUser(1, "b.example.glance.net", "b@example.com"),
		plainUser(1, "c.example.glance.net", "c@example.com"),
	}
	for _, i := range []int{1, 2, 0} {
		mustCreateUser(t, s, want[i])
	}
	mustCreateUser(t, s, plainUser(2, "d.example.glance.net", "d@example.com"))

	users, err := s.ListUsers(ctx, 1)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	slices.SortFunc(users, func(a, b store.User) int { return cmp.Compare(a.GlanceAddress, b.GlanceAddress) })
	checkRecords(t, "ListUsers", users, want)

	for _, groupID := range []int64{3, 4} {
		users, err := s.ListUsers(ctx, groupID)
		if err != nil {
			t.Fatalf("ListUsers(%d): %v", groupID, err)
		}
		if len(users) != 0 {
			t.Errorf("ListUsers(%d): %+v, want none", groupID, users)
		}
	}
}

func testUserFind(t *testing.T, s store.Store) {
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateGroup(t, s, plainGroup(2, "two"))
	alice := plainUser(1, "alice.example.glance.net", "Alice@Example.COM")
	alice.PartnerUserID = "emp-1"
	// Bob's Partner User ID is Alice's email, so one value finds both.
	bob := plainUser(1, "bob.example.glance.net", "bob@example.com")
	bob.PartnerUserID = "alice@example.com"
	// Carol's Email is her Glance Address, so one value matches her twice.
	carol := plainUser(1, "carol.example.glance.net", "carol.example.glance.net")
	kate := plainUser(1, "kate.example.glance.net", "kate@example.com")
	dave := plainUser(2, "dave.example.glance.net", "alice@example.com")
	for _, u := range []store.User{alice, bob, carol, kate, dave} {
		mustCreateUser(t, s, u)
	}

	tests := []struct {
		groupID int64
		value   string
		want    []string // Glance Addresses, sorted
	}{
		{1, "alice@example.com", []string{alice.GlanceAddress, bob.GlanceAddress}},
		{1, "ALICE@EXAMPLE.COM", []string{alice.GlanceAddress}},
		{1, "Alice.Example.Glance.Net", []string{alice.GlanceAddress}},
		{1, "emp-1", []string{alice.GlanceAddress}},
		{1, "EMP-1", nil},
		{1, "CAROL.example.glance.net", []string{carol.GlanceAddress}},
		{1, "KATE@example.com", []string{kate.GlanceAddress}},
		{1, "\u212Aate@example.com", nil}, // KELVIN SIGN, which Unicode case folding maps to "k"
		{1, "kate", nil},
		{1, "%@example.com", nil},
		{1, "", nil},
		{2, "alice@example.com", []string{dave.GlanceAddress}},
		{2, "emp-1", nil},
		{3, "alice@example.com", nil},
	}
	for _, test := range tests {
		users, err := s.FindUsers(t.Context(), test.groupID, test.value)
		if err != nil {
			t.Errorf("FindUsers(%d, %q): %v", test.groupID, test.value, err)
			continue
		}
		if got := glanceAddresses(users); !slices.Equal(got, test.want) {
			t.Errorf("FindUsers(%d, %q) = %q, want %q", test.groupID, test.value, got, test.want)
		}
	}
}

func testUserUpdate(t *testing.T, s store.Store) {
	mustCreateGroup(t, s, plainGroup(1, "one"))
	mustCreateGroup(t, s, plainGroup(2, "two"))
	original := plainUser(1, "doe.john.example.glance.net", "john@example.com")
	original.PartnerUserID = "p-1"
	mustCreateUser(t, s, original)

	// The Glance Address may change case: it stays the same key.
	want := original
	want.GlanceAddress = "Doe.John.example.glance.net"
	want.GroupID = 2
	want.PartnerUserID = "p-2"
	want.Email = "john.doe@example.org"
	want.FirstName = "Jöhn"
	want.Status = store.UserDisabled
	err := s.UpdateUser(t.Context(), strings.ToUpper(original.GlanceAddress), func(old store.User) (store.User, error) {
		checkFields(t, "user given to update", old, original)
		return want, nil
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	checkUser(t, s, want)
	users, err := s.FindUsers(t.Context(), 2, "p-2")
	if err != nil {
		t.Fatalf("FindUsers: %v", err)
	}
	checkRecords(t, "FindUsers in the new group", users, []store.User{want})
}

func testUserUpdateRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateGroup(t, s, plainGroup(1, "one"))
	original := plainUser(1, "kim.doe.example.glance.net", "kim@example.com")
	original.PartnerUserID = "p-1"
	mustCreateUser(t, s, original)
	other := plainUser(1, "doe.jane.example.glance.net", "jane@example.com")
	other.PartnerUserID = "p-2"
	mustCreateUser(t, s, other)

	called := false
	err := s.UpdateUser(ctx, "nobody.example.glance.net", func(old store.User) (store.User, error) {
		called = true
		return old, nil
	})
	checkErrorIs(t, "UpdateUser of an unknown Glance Address", err, store.ErrNotFound)
	if called {
		t.Error("UpdateUser of an unknown Glance Address called the update function")
	}

	refusals := []struct {
		what   string
		update func(old store.User) (store.User, error)
		target error // the sentinel the error wraps, or nil for any error
	}{
		{"an update function error", func(old store.User) (store.User, error) {
			old.Status = store.UserDisabled
			return old, errUpdateRefused
		}, errUpdateRefused},
		{"a Glance Address change", func(old store.User) (store.User, error) {
			old.GlanceAddress = "kim.doe.example.glance.com"
			return old, nil
		}, nil},
		{"a Glance Address change to a Unicode look-alike", func(old store.User) (store.User, error) {
			old.GlanceAddress = "\u212Aim.doe.example.glance.net" // KELVIN SIGN
			return old, nil
		}, nil},
		{"a Partner User ID taken in the group", func(old store.User) (store.User, error) {
			old.PartnerUserID = other.PartnerUserID
			return old, nil
		}, store.ErrAlreadyExists},
		{"an unknown group", func(old store.User) (store.User, error) {
			old.GroupID = 2
			return old, nil
		}, store.ErrNotFound},
	}
	for _, refusal := range refusals {
		err := s.UpdateUser(ctx, original.GlanceAddress, refusal.update)
		what := "UpdateUser with " + refusal.what
		if refusal.target != nil {
			checkErrorIs(t, what, err, refusal.target)
		} else if err == nil {
			t.Errorf("%s: succeeded, want an error", what)
		}
		checkUser(t, s, original)
		checkUser(t, s, other)
	}
	for _, address := range []string{"kim.doe.example.glance.com", "\u212Aim.doe.example.glance.net"} {
		_, err = s.GetUser(ctx, address)
		checkErrorIs(t, "GetUser of a Glance Address an update tried to change to", err, store.ErrNotFound)
	}
}
