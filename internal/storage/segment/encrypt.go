package segment

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Encrypted batches.
//
// The records of an encrypted batch (FlagEncrypted) are encoded as usual,
// then sealed with AES-256-GCM. Each batch uses its own data key, derived
// with HKDF-SHA256 from the master key and a random 16-byte salt, so a fixed
// all-zero nonce is safe and no nonce can ever repeat under one key. The
// frame's fixed fields and the envelope header are authenticated as
// additional data, so a sealed body cannot be moved to another batch,
// shard or position.
//
// Body of an encrypted frame (after the 40-byte batch header):
//
//	u8      key ID length (1..255)
//	[]byte  key ID (the KMS key ID the stream names)
//	u32     key version (rotation adds versions; old ones still decrypt)
//	[16]    salt
//	[]byte  ciphertext of the records, then the 16-byte GCM tag

const (
	saltSize      = 16
	hkdfInfo      = "eddy batch v1"
	masterKeySize = 32
)

// ErrDecrypt is returned (wrapped) when a sealed batch fails
// authentication: the bytes were altered, or the key is wrong.
var ErrDecrypt = errors.New("batch failed authentication")

// KeyRef names one version of a master key.
type KeyRef struct {
	ID      string
	Version uint32
}

// AppendEncryptedBatch appends a frame holding recs sealed under key (32
// bytes), the master key version ref. rand supplies the salt.
func AppendEncryptedBatch(dst []byte, h BatchHeader, recs []Record, ref KeyRef, key []byte, rand io.Reader) ([]byte, error) {
	if len(ref.ID) == 0 || len(ref.ID) > 255 {
		return nil, fmt.Errorf("key ID of %d bytes: want 1 to 255", len(ref.ID))
	}
	if len(key) != masterKeySize {
		return nil, fmt.Errorf("master key of %d bytes: want %d", len(key), masterKeySize)
	}
	var salt [saltSize]byte
	if _, err := io.ReadFull(rand, salt[:]); err != nil {
		return nil, fmt.Errorf("read salt: %w", err)
	}
	aead, err := batchAEAD(key, salt[:])
	if err != nil {
		return nil, err
	}
	// Plaintext records, encoded as in a plain frame.
	plain := AppendBatch(nil, h, recs)[BatchHeaderSize:]

	start := len(dst)
	envSize := 1 + len(ref.ID) + 4 + saltSize
	total := BatchHeaderSize + envSize + len(plain) + aead.Overhead()
	if cap(dst)-len(dst) < total {
		grown := make([]byte, len(dst), len(dst)+total)
		copy(grown, dst)
		dst = grown
	}
	dst = dst[:start+BatchHeaderSize]
	f := dst[start:]
	binary.LittleEndian.PutUint32(f[0:4], uint32(total-FramePrefixSize))
	binary.LittleEndian.PutUint64(f[8:16], h.ShardUID)
	binary.LittleEndian.PutUint64(f[16:24], h.FirstOffset)
	binary.LittleEndian.PutUint32(f[24:28], uint32(len(recs)))
	binary.LittleEndian.PutUint64(f[28:36], uint64(h.ArrivalMillis))
	binary.LittleEndian.PutUint32(f[36:40], FlagEncrypted)
	dst = append(dst, byte(len(ref.ID)))
	dst = append(dst, ref.ID...)
	dst = binary.LittleEndian.AppendUint32(dst, ref.Version)
	dst = append(dst, salt[:]...)
	aad := dst[start+8:]
	var nonce [12]byte
	dst = aead.Seal(dst, nonce[:], plain, aad)
	f = dst[start:]
	binary.LittleEndian.PutUint32(f[4:8], Checksum(f[FramePrefixSize:]))
	return dst, nil
}

// EncryptedKeyRef returns the key an encrypted frame was sealed with.
func EncryptedKeyRef(frame []byte) (KeyRef, error) {
	ref, _, err := parseEnvelope(frame)
	return ref, err
}

func parseEnvelope(frame []byte) (KeyRef, int, error) {
	body := frame[BatchHeaderSize:]
	if len(body) < 1 {
		return KeyRef{}, 0, fmt.Errorf("encrypted batch envelope: %w", ErrCorrupt)
	}
	n := int(body[0])
	if n == 0 || len(body) < 1+n+4+saltSize+16 {
		return KeyRef{}, 0, fmt.Errorf("encrypted batch envelope: %w", ErrCorrupt)
	}
	ref := KeyRef{ID: string(body[1 : 1+n]), Version: binary.LittleEndian.Uint32(body[1+n : 5+n])}
	return ref, BatchHeaderSize + 1 + n + 4, nil
}

// DecryptBatch opens the sealed records of an encrypted frame (already
// checked by DecodeBatch) and returns an iterator over them. key returns
// the master key of a reference, or an error (such as a missing key) that
// DecryptBatch returns wrapped.
func DecryptBatch(frame []byte, h BatchHeader, key func(KeyRef) ([]byte, error)) (Records, error) {
	ref, saltAt, err := parseEnvelope(frame)
	if err != nil {
		return Records{}, err
	}
	master, err := key(ref)
	if err != nil {
		return Records{}, fmt.Errorf("key %s version %d: %w", ref.ID, ref.Version, err)
	}
	aead, err := batchAEAD(master, frame[saltAt:saltAt+saltSize])
	if err != nil {
		return Records{}, err
	}
	var nonce [12]byte
	ct := frame[saltAt+saltSize:]
	plain, err := aead.Open(make([]byte, 0, len(ct)), nonce[:], ct, frame[8:saltAt+saltSize])
	if err != nil {
		return Records{}, fmt.Errorf("batch of shard %d at offset %d: %w", h.ShardUID, h.FirstOffset, ErrDecrypt)
	}
	recs := Records{body: plain, left: h.Count}
	check := recs
	for check.Next() {
	}
	if check.err != nil {
		return Records{}, check.err
	}
	if len(check.body) != 0 || check.left != 0 {
		return Records{}, fmt.Errorf("decrypted batch framing: %w", ErrCorrupt)
	}
	return recs, nil
}

func batchAEAD(master, salt []byte) (cipher.AEAD, error) {
	if len(master) != masterKeySize {
		return nil, fmt.Errorf("master key of %d bytes: want %d", len(master), masterKeySize)
	}
	dk, err := hkdf.Key(sha256.New, master, salt, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive batch key: %w", err)
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
