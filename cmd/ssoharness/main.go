// Command ssoharness runs the SSO conformance harness: the whole stack
// (`up`), or the Service Provider, the mock IdP or the mock originating
// system alone (`sp`, `idp`, `origin`), each from a YAML config file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `ssoharness runs an enterprise single sign-on conformance harness.

Usage:
  ssoharness up     [flags]                 the SP, the mock IdP and the mock originating system together
  ssoharness sp     --config FILE [flags]   the multi-tenant SAML Service Provider alone
  ssoharness idp    --config FILE [flags]   the mock SAML IdP alone
  ssoharness origin --config FILE [flags]   the mock originating system (Incoming SSO) alone

Run "ssoharness COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "up":
		err = runUp(args[1:], stdout, stderr)
	case "sp":
		err = runSP(args[1:], stdout, stderr)
	case "idp":
		err = runIdP(args[1:], stdout, stderr)
	case "origin":
		err = runOrigin(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ssoharness: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var bad usageErr
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &bad):
		fmt.Fprintln(stderr, "ssoharness:", bad.err)
		return 2
	default:
		fmt.Fprintln(stderr, "ssoharness:", err)
		return 1
	}
}

// usageErr is a bad command line or config file: exit status 2.
type usageErr struct{ err error }

func (e usageErr) Error() string { return e.err.Error() }

func usageError(err error) error { return usageErr{err} }

// newFlagSet makes a flag set that reports errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ssoharness %s\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and maps a bad flag to a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	return nil
}
