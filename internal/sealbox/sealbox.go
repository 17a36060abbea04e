// Package sealbox encrypts personal data at rest (a reporter's identity) with AES-256-GCM under a key
// from configuration. A sealed value is nonce||ciphertext; a key id byte in front lets keys rotate.
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

const version byte = 1

// ErrOpen is returned when a sealed value cannot be opened: wrong key, or tampered data.
var ErrOpen = errors.New("sealbox: cannot open sealed value")

// Box seals and opens values under one key.
type Box struct {
	aead cipher.AEAD
	rand io.Reader
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sealbox: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, rand: rand.Reader}, nil
}

// FromBase64 returns a Box for a key given as base64 (the REPORTER_KEY setting).
func FromBase64(key string) (*Box, error) {
	b, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("sealbox: key is not base64: %w", err)
	}
	return New(b)
}

// WithRand returns a copy of the box drawing nonces from r; seeds use it for deterministic output.
func (b *Box) WithRand(r io.Reader) *Box { return &Box{aead: b.aead, rand: r} }

// Seal encrypts plaintext; additional data (e.g. the record id) binds the value to its record.
func (b *Box) Seal(plaintext, additional []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := io.ReadFull(b.rand, nonce); err != nil {
		return nil, fmt.Errorf("sealbox: nonce: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, additional), nil
}

// Open decrypts a value made by Seal with the same additional data.
func (b *Box) Open(sealed, additional []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additional)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
