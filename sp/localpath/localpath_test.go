package localpath

import (
	"errors"
	"testing"
)

func TestCheckAcceptsPathsOnThisHost(t *testing.T) {
	for _, target := range []string{
		"/",
		"/agentjoin/AgentJoin.aspx",
		"/agentjoin/AgentView.aspx?SessionKey=1234",
		"/a/b?next=https://elsewhere.test/&x=1",
		"/a#fragment",
	} {
		if err := Check(target); err != nil {
			t.Errorf("Check(%q) = %v, want nil", target, err)
		}
	}
}

func TestCheckRefusesEverythingThatCanLeave(t *testing.T) {
	for _, target := range []string{
		"",
		"https://evil.test/",
		"http:/evil.test",
		"//evil.test",
		"///evil.test",
		"/\\evil.test",
		"\\\\evil.test",
		"javascript:alert(1)",
		"JAVASCRIPT:alert(1)",
		"evil.test/path",
		"/path\r\nLocation: https://evil.test/",
		"/\tevil",
		"/" + string(make([]byte, MaxLength)),
	} {
		if err := Check(target); !errors.Is(err, ErrNotLocal) {
			t.Errorf("Check(%q) = %v, want ErrNotLocal", target, err)
		}
	}
}
