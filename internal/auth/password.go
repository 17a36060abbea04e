package auth

import (
	"context"
	"runtime"

	"github.com/alexedwards/argon2id"
)

// Params are the argon2id parameters of new hashes: the first configuration of OWASP's Password
// Storage Cheat Sheet (m=19 MiB, t=2, p=1), which it rates as strong as m=46 MiB with one pass.
// Each hash holds its memory while it is computed: with alexedwards/argon2id's default (64 MiB)
// a server that had signed one person in held 64 MiB of garbage, and ten at once 640 MB. Hashes
// made with other parameters (older accounts, 64 MiB) still verify, and are made again with these
// at their next sign-in.
var Params = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// hashing bounds the hashes computed at once to the processors there are: more would only wait
// for a processor while holding their memory. A sign-in storm queues here (its context still ends
// it) instead of multiplying the server's memory.
var hashing = make(chan struct{}, runtime.GOMAXPROCS(0))

// slot waits for a turn to hash; release gives it back.
func slot(ctx context.Context) (release func(), err error) {
	select {
	case hashing <- struct{}{}:
		return func() { <-hashing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// HashPassword returns the argon2id hash of a password with Params.
func HashPassword(ctx context.Context, password string) (string, error) {
	release, err := slot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return argon2id.CreateHash(password, Params)
}

// checkPassword reports whether the password matches the hash, and whether the hash was made
// with other parameters than Params (to be made again).
func checkPassword(ctx context.Context, password, hash string) (match, outdated bool, err error) {
	release, err := slot(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	match, p, err := argon2id.CheckHash(password, hash)
	if err != nil {
		return false, false, err
	}
	return match, *p != *Params, nil
}
