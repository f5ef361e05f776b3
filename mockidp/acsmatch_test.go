package mockidp

import "testing"

func TestACSMatching(t *testing.T) {
	const reg = "https://sp.test/acs?sso=1&idpid=7"
	for _, tc := range []struct {
		rule, requested string
		want            bool
	}{
		{"", reg, true},
		{"", reg + "&redirect=%2Fx", false},
		{ACSMatchExact, reg + "&redirect=%2Fx", false},
		{ACSMatchQuerySuperset, reg + "&redirect=%2Fx", true},
		{ACSMatchQuerySuperset, "https://sp.test/acs?idpid=7&sso=1", true},
		{ACSMatchQuerySuperset, "https://sp.test/acs?sso=1&idpid=8&redirect=%2Fx", false},
		{ACSMatchQuerySuperset, "https://sp.test/acs?sso=1", false},
		{ACSMatchQuerySuperset, "https://evil.test/acs?sso=1&idpid=7", false},
		{ACSMatchQuerySuperset, "http://sp.test/acs?sso=1&idpid=7", false},
		{ACSMatchQuerySuperset, "https://sp.test/acs/x?sso=1&idpid=7", false},
	} {
		if got := acsMatches(tc.rule, reg, tc.requested); got != tc.want {
			t.Errorf("acsMatches(%q, %q) = %v, want %v", tc.rule, tc.requested, got, tc.want)
		}
	}
}
