// Package peer runs a third-party program of the interop suite (PHP's
// built-in server for SimpleSAMLphp, shibd, Apache) as a child process in a
// folder of its own: started with its generated configuration, waited on
// until it answers, its output kept in a log file for failure reports, and
// stopped by PID (with its process group) at the end.
package peer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Process is a running peer.
type Process struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan error
}

// Spec says how to start a peer.
type Spec struct {
	Name string
	Path string   // program
	Args []string // arguments
	Env  []string // added to a minimal environment
	Dir  string   // working folder; the log goes there too
}

// Start runs the peer in its own process group.
func Start(s Spec) (*Process, error) {
	logPath := filepath.Join(s.Dir, s.Name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Dir = s.Dir
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + s.Dir, "LANG=C.UTF-8"}, s.Env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("peer %s: starting %s: %w", s.Name, s.Path, err)
	}
	p := &Process{Name: s.Name, LogPath: logPath, cmd: cmd, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	return p, nil
}

// Log returns what the peer has printed so far (bounded), for reports.
func (p *Process) Log() string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return ""
	}
	if len(b) > 16<<10 {
		b = b[len(b)-16<<10:]
	}
	return string(b)
}

// WaitHTTP polls url until it answers with any status, the peer exits, or
// ctx ends.
func (p *Process) WaitHTTP(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 2 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return p.wait(ctx, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

// WaitFile waits until path exists (a socket or PID file a daemon creates).
func (p *Process) WaitFile(ctx context.Context, path string) error {
	return p.wait(ctx, func() bool { _, err := os.Stat(path); return err == nil })
}

// WaitTCP waits until addr accepts connections.
func (p *Process) WaitTCP(ctx context.Context, addr string) error {
	return p.wait(ctx, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (p *Process) wait(ctx context.Context, ready func() bool) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready() {
			return nil
		}
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("peer %s exited before it was ready (%v); its log:\n%s", p.Name, err, p.Log())
		case <-ctx.Done():
			return fmt.Errorf("peer %s not ready: %w; its log:\n%s", p.Name, ctx.Err(), p.Log())
		case <-tick.C:
		}
	}
}

// Stop ends the peer's process group: SIGTERM, then SIGKILL after 5 s.
func (p *Process) Stop() error {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
		return errors.New("peer " + p.Name + " did not stop on SIGTERM; killed")
	}
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
