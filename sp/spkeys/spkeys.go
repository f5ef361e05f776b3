// Package spkeys manages the SP's own key pairs per group: a current key is
// generated on first use, the admin can add the next key (published in
// metadata beside the current one, and already able to decrypt) and retire
// the old one, so the SP side rotates without downtime as the IdP side does.
package spkeys

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"github.com/ssoharness/ssoharness/sp/acs"
	"github.com/ssoharness/ssoharness/sp/store"
)

// Key is a parsed SP key pair.
type Key struct {
	ID          string
	State       store.SPKeyState
	Certificate *x509.Certificate
	PrivateKey  *rsa.PrivateKey
	CreatedAt   time.Time
}

// Errors that say what to do instead.
var (
	ErrNextExists = errors.New("a next key already exists: retire the current key first, or retire the next one")
	ErrLastKey    = errors.New("the group's only key cannot be retired: add the next key first")
)

// Manager keeps the keys of every group in a store.
type Manager struct {
	Store store.Store
	Now   func() time.Time
	Rand  io.Reader
	// Bits is the RSA key size; 0 means 2048.
	Bits int
	// Validity of generated certificates; 0 means 10 years.
	Validity time.Duration

	mu     sync.Mutex
	parsed map[string]Key  // by group/ID
	lists  map[int64][]Key // by group; dropped on every change
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) rand() io.Reader {
	if m.Rand != nil {
		return m.Rand
	}
	return rand.Reader
}

// Keys returns the group's keys, current first, generating the current key
// on first use.
func (m *Manager) Keys(ctx context.Context, groupID int64) ([]Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if keys, ok := m.lists[groupID]; ok {
		return keys, nil
	}
	recs, err := m.Store.ListSPKeys(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		rec, err := m.generate(groupID, store.SPKeyCurrent)
		if err != nil {
			return nil, err
		}
		if err := m.Store.CreateSPKey(ctx, rec); err != nil {
			return nil, fmt.Errorf("spkeys: storing the first key of group %d: %w", groupID, err)
		}
		recs = []store.SPKey{rec}
	}
	keys := make([]Key, 0, len(recs))
	for _, rec := range recs {
		k, err := m.parse(rec)
		if err != nil {
			return nil, err
		}
		if k.State == store.SPKeyCurrent {
			keys = append([]Key{k}, keys...)
		} else {
			keys = append(keys, k)
		}
	}
	if m.lists == nil {
		m.lists = map[int64][]Key{}
	}
	m.lists[groupID] = keys
	return keys, nil
}

// AddNext generates the group's next key; it is published and decrypts at
// once, and becomes current when the current key is retired.
func (m *Manager) AddNext(ctx context.Context, groupID int64) (Key, error) {
	keys, err := m.Keys(ctx, groupID)
	if err != nil {
		return Key{}, err
	}
	for _, k := range keys {
		if k.State == store.SPKeyNext {
			return Key{}, fmt.Errorf("spkeys: group %d: %w", groupID, ErrNextExists)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.lists, groupID)
	rec, err := m.generate(groupID, store.SPKeyNext)
	if err != nil {
		return Key{}, err
	}
	if err := m.Store.CreateSPKey(ctx, rec); err != nil {
		return Key{}, fmt.Errorf("spkeys: storing the next key of group %d: %w", groupID, err)
	}
	return m.parse(rec)
}

// Retire deletes a key. Retiring the current key promotes the next one.
func (m *Manager) Retire(ctx context.Context, groupID int64, id string) error {
	keys, err := m.Keys(ctx, groupID)
	if err != nil {
		return err
	}
	if len(keys) == 1 && keys[0].ID == id {
		return fmt.Errorf("spkeys: group %d: %w", groupID, ErrLastKey)
	}
	var retiring *Key
	for i := range keys {
		if keys[i].ID == id {
			retiring = &keys[i]
		}
	}
	if retiring == nil {
		return fmt.Errorf("spkeys: group %d has no key %q: %w", groupID, id, store.ErrNotFound)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.lists, groupID)
	if err := m.Store.DeleteSPKey(ctx, groupID, id); err != nil {
		return err
	}
	delete(m.parsed, cacheKey(groupID, id))
	if retiring.State != store.SPKeyCurrent {
		return nil
	}
	for _, k := range keys {
		if k.State == store.SPKeyNext {
			delete(m.parsed, cacheKey(groupID, k.ID))
			return m.Store.UpdateSPKey(ctx, groupID, k.ID, func(old store.SPKey) (store.SPKey, error) {
				old.State = store.SPKeyCurrent
				return old, nil
			})
		}
	}
	return nil
}

func cacheKey(groupID int64, id string) string { return fmt.Sprintf("%d/%s", groupID, id) }

func (m *Manager) parse(rec store.SPKey) (Key, error) {
	if k, ok := m.parsed[cacheKey(rec.GroupID, rec.ID)]; ok && k.State == rec.State {
		return k, nil
	}
	cert, err := acs.ParseCertificate(rec.CertificatePEM)
	if err != nil {
		return Key{}, fmt.Errorf("spkeys: key %q of group %d: %w", rec.ID, rec.GroupID, err)
	}
	block, _ := pem.Decode([]byte(rec.PrivateKeyPEM))
	if block == nil {
		return Key{}, fmt.Errorf("spkeys: key %q of group %d: private key is not PEM", rec.ID, rec.GroupID)
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("spkeys: key %q of group %d: %w", rec.ID, rec.GroupID, err)
	}
	rsaKey, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return Key{}, fmt.Errorf("spkeys: key %q of group %d is not RSA", rec.ID, rec.GroupID)
	}
	k := Key{ID: rec.ID, State: rec.State, Certificate: cert, PrivateKey: rsaKey, CreatedAt: rec.CreatedAt}
	if m.parsed == nil {
		m.parsed = map[string]Key{}
	}
	m.parsed[cacheKey(rec.GroupID, rec.ID)] = k
	return k, nil
}

func (m *Manager) generate(groupID int64, state store.SPKeyState) (store.SPKey, error) {
	bits := m.Bits
	if bits == 0 {
		bits = 2048
	}
	validity := m.Validity
	if validity == 0 {
		validity = 10 * 365 * 24 * time.Hour
	}
	key, err := rsa.GenerateKey(m.rand(), bits)
	if err != nil {
		return store.SPKey{}, fmt.Errorf("spkeys: generating a key: %w", err)
	}
	serial, err := rand.Int(m.rand(), new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return store.SPKey{}, err
	}
	now := m.now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: fmt.Sprintf("ssoharness SP, group %d", groupID)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(m.rand(), tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return store.SPKey{}, fmt.Errorf("spkeys: self-signing: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return store.SPKey{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return store.SPKey{}, err
	}
	return store.SPKey{
		ID: acs.Fingerprint(cert), GroupID: groupID, State: state, CreatedAt: now,
		CertificatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		PrivateKeyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
	}, nil
}
