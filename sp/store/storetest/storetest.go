// Package storetest is the conformance suite for store.Store backends, in
// the manner of dex's storage/conformance: one RunTests that every backend's
// tests call with a constructor for fresh, empty stores. Any future backend
// must call RunTests and pass it; a behaviour the suite does not pin down is
// one callers must not rely on.
//
// Beyond what the store.Store comments say, the suite holds backends to:
//   - keys and handles may not be empty: a Group needs an ID > 0 and a Name,
//     a User a Glance Address, a PendingRequest an ID and a RelayState, a
//     Session an ID, a remembered assertion an ID;
//   - an empty value finds nothing: FindUsers(g, "") and
//     GetGroupByAccountID("") match no record, although records keep absent
//     Emails, Partner User IDs and Account IDs as "";
//   - case-insensitive means ASCII case only, so a Unicode look-alike such as
//     the Kelvin sign never matches a plain "k"; Glance Addresses are unique
//     and looked up regardless of ASCII case, and UpdateUser may change their
//     ASCII case but nothing else; Partner User IDs are exact;
//   - creating a user in, or moving one to, a group that does not exist fails
//     with an error wrapping store.ErrNotFound;
//   - DeleteSession of an absent session returns an error wrapping
//     store.ErrNotFound;
//   - a negative AccessLogQuery.Limit is an error;
//   - a store keeps its own copy of what it is given and returns copies;
//   - every method of a closed store returns an error and does not panic,
//     and Close may be called more than once.
//
// Tests use fixed instants, never the clock, and compare times with Equal, so
// a backend may return them in any location.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ssoharness/ssoharness/sp/store"
)

// RunTests runs the conformance suite against the backend newStore makes.
// newStore must return a new, empty store for the test it is given; RunTests
// closes it when that test ends.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"GroupRoundTrip", testGroupRoundTrip},
		{"GroupCopies", testGroupCopies},
		{"GroupDuplicates", testGroupDuplicates},
		{"GroupInvalid", testGroupInvalid},
		{"GroupNotFound", testGroupNotFound},
		{"GroupList", testGroupList},
		{"GroupUpdate", testGroupUpdate},
		{"GroupUpdateRefused", testGroupUpdateRefused},

		{"UserRoundTrip", testUserRoundTrip},
		{"UserDuplicates", testUserDuplicates},
		{"UserInvalid", testUserInvalid},
		{"UserNotFound", testUserNotFound},
		{"UserList", testUserList},
		{"UserFind", testUserFind},
		{"UserUpdate", testUserUpdate},
		{"UserUpdateRefused", testUserUpdateRefused},

		{"PendingRequestRoundTrip", testPendingRequestRoundTrip},
		{"PendingRequestDuplicates", testPendingRequestDuplicates},
		{"PendingRequestInvalid", testPendingRequestInvalid},
		{"PendingRequestWrongGroup", testPendingRequestWrongGroup},
		{"PendingRequestExpired", testPendingRequestExpired},
		{"PendingRequestConcurrentTake", testPendingRequestConcurrentTake},

		{"AssertionReplay", testAssertionReplay},
		{"AssertionConcurrentReplay", testAssertionConcurrentReplay},

		{"SessionRoundTrip", testSessionRoundTrip},
		{"SessionDuplicate", testSessionDuplicate},
		{"SessionExpired", testSessionExpired},
		{"SessionDelete", testSessionDelete},

		{"SPKeys", testSPKeys},

		{"AccessLogRoundTrip", testAccessLogRoundTrip},
		{"AccessLogQuery", testAccessLogQuery},
		{"AccessLogDefaultLimit", testAccessLogDefaultLimit},

		{"AuditRoundTrip", testAuditRoundTrip},
		{"AuditNewestFirstAndLimit", testAuditNewestFirstAndLimit},
		{"GroupUpdateAudited", testGroupUpdateAudited},

		{"DeleteExpired", testDeleteExpired},
		{"Closed", testClosed},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			test.run(t, s)
		})
	}
}

// t0 is the instant the tests measure time from.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// berlin is a zone other than UTC, for instants a backend must keep as
// instants, not as wall-clock readings.
var berlin = time.FixedZone("CET", 60*60)

// errUpdateRefused is what update functions in the tests fail with.
var errUpdateRefused = errors.New("update refused by the test")

// racers is how many goroutines the concurrency tests run at once.
const racers = 8

// checkErrorIs reports an error unless err wraps target.
func checkErrorIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one wrapping %q", what, err, target)
	}
}

// checkRefused reports an error unless err is an error that wraps neither
// sentinel, as a refusal of invalid input should.
func checkRefused(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want an error", what)
		return
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("%s: error %v wraps a sentinel, want a plain refusal", what, err)
	}
}

// checkFields reports each field of got that differs from want's. Times are
// compared with Equal; empty slices and maps equal nil ones; everything else
// must be reflect.DeepEqual.
func checkFields[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	gotValue, wantValue := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range wantValue.NumField() {
		gotField, wantField := gotValue.Field(i), wantValue.Field(i)
		if !sameValue(gotField, wantField) {
			t.Errorf("%s.%s = %#v, want %#v", what, wantValue.Type().Field(i).Name, gotField.Interface(), wantField.Interface())
		}
	}
}

func sameValue(got, want reflect.Value) bool {
	if wantTime, ok := want.Interface().(time.Time); ok {
		return got.Interface().(time.Time).Equal(wantTime)
	}
	switch want.Kind() {
	case reflect.Slice, reflect.Map:
		if got.Len() == 0 && want.Len() == 0 {
			return true
		}
	}
	return reflect.DeepEqual(got.Interface(), want.Interface())
}

// checkRecords compares got and want element by element with checkFields.
func checkRecords[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d records, want %d\n got: %+v\nwant: %+v", what, len(got), len(want), got, want)
		return
	}
	for i := range want {
		checkFields(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
	}
}

// checkEveryFieldSet fails the test when a field of fixture is zero, so that
// a field added to a record type later cannot escape the round-trip tests.
func checkEveryFieldSet[T any](t *testing.T, what string, fixture T) {
	t.Helper()
	value := reflect.ValueOf(fixture)
	for i := range value.NumField() {
		if value.Field(i).IsZero() {
			t.Fatalf("fixture %s leaves %s zero; set it so that it is round-tripped", what, value.Type().Field(i).Name)
		}
	}
}
