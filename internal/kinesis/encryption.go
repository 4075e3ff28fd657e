package kinesis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Encryption at rest: StartStreamEncryption and StopStreamEncryption.
//
// Storage does the cryptography (docs/storage.md, "Encryption at rest"): a
// stream whose catalog attribute storage.AttrEncryptionKeyID names a
// keyring key has its new batches sealed with AES-256-GCM under the key's
// newest version, and every batch records the key and version it used, so
// stopping, rotating or switching keys never makes older records
// unreadable. This layer only resolves the KMS KeyId a client sends to a
// keyring name and manages the attributes. Eddy has no KMS: the keyring
// file stands in for it, and alias/aws/kinesis, AWS's managed key, is
// created in it the first time a stream asks for it.

// Keyring is the part of the keyring the API uses; *keyring.Keyring
// satisfies it.
type Keyring interface {
	// Has reports whether the keyring knows a key by this name (ID or
	// alias).
	Has(name string) bool
	// Create adds a new key with a random first version.
	Create(id string, aliases ...string) error
}

const (
	// attrKMSKeyID is the KeyId as the client gave it, for DescribeStream.
	attrKMSKeyID = "kinesis.kms_key_id"
	// awsManagedKey is the alias of the key Kinesis manages itself.
	awsManagedKey = "alias/aws/kinesis"
	// maxKeyNameBytes bounds a resolved key name: it is written into
	// every batch (docs/format/log.md).
	maxKeyNameBytes = 255
	// errKMSNotFound is the error type of an unknown or lost key.
	errKMSNotFound = "KMSNotFoundException"

	encryptionKMS  = "KMS"
	encryptionNone = "NONE"
)

var encryptionTypes = []string{encryptionNone, encryptionKMS}

type streamEncryptionInput struct {
	streamRef
	EncryptionType *string `json:"EncryptionType"`
	KeyId          *string `json:"KeyId"`
}

// encryptionOf returns a stream's EncryptionType and KeyId as
// DescribeStream reports them.
func encryptionOf(s catalog.Stream) (typ string, keyID *string) {
	if s.Attrs[storage.AttrEncryptionKeyID] == "" {
		return encryptionNone, nil
	}
	id := s.Attrs[attrKMSKeyID]
	if id == "" {
		id = s.Attrs[storage.AttrEncryptionKeyID]
	}
	return encryptionKMS, &id
}

func (h *Handler) startStreamEncryption(_ context.Context, in *streamEncryptionInput) (any, error) {
	name, err := h.checkEncryptionInput(in)
	if err != nil {
		return nil, err
	}
	if _, err := h.active(name); err != nil {
		return nil, err
	}
	resolved, err := h.resolveKey(*in.KeyId)
	if err != nil {
		return nil, err
	}
	return nil, h.setEncryption(name, resolved, *in.KeyId)
}

func (h *Handler) stopStreamEncryption(_ context.Context, in *streamEncryptionInput) (any, error) {
	name, err := h.checkEncryptionInput(in)
	if err != nil {
		return nil, err
	}
	if _, err := h.active(name); err != nil {
		return nil, err
	}
	return nil, h.setEncryption(name, "", "")
}

// checkEncryptionInput validates the input of both operations and
// returns the stream's name.
func (h *Handler) checkEncryptionInput(in *streamEncryptionInput) (string, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("encryptionType", in.EncryptionType != nil) {
		v.enum("encryptionType", in.EncryptionType, encryptionTypes)
	}
	v.reqStr("keyId", in.KeyId, 1, 2048, nil)
	if err := v.err(); err != nil {
		return "", err
	}
	if *in.EncryptionType != encryptionKMS {
		return "", invalidArgument("Encryption type %s is not supported; the only valid value is KMS.", *in.EncryptionType)
	}
	return h.streamName(in.streamRef)
}

// setEncryption sets (or, with resolved empty, clears) a stream's key in
// one catalog transaction; the stream is UPDATING for StatusDelay.
// Records appended after the commit use the new setting.
func (h *Handler) setEncryption(name, resolved, keyID string) error {
	h.reshardMu.Lock()
	defer h.reshardMu.Unlock()
	s, err := h.updateActive(name, func(st *catalog.Stream) error {
		setAttr(st, storage.AttrEncryptionKeyID, resolved)
		setAttr(st, attrKMSKeyID, keyID)
		if h.opts.StatusDelay > 0 {
			st.Status = catalog.StatusUpdating
		}
		return nil
	})
	if err != nil {
		return err
	}
	if h.opts.StatusDelay > 0 {
		id := s.ID
		h.lifecycle.after(h.opts.StatusDelay, func() { h.finishUpdate(name, id) })
	}
	return nil
}

// resolveKey maps a KMS KeyId to the name of a keyring key: the KeyId
// itself, else its short form (alias/x for an alias ARN, the key ID for a
// key ARN), else the key ARN of a bare key ID in this region and account.
// alias/aws/kinesis (or its ARN) is created on first use.
func (h *Handler) resolveKey(keyID string) (string, error) {
	kr := h.opts.Keyring
	if kr == nil {
		return "", h.kmsNotFound(keyID, "no keyring is configured")
	}
	candidates := []string{keyID}
	if rest, ok := strings.CutPrefix(keyID, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5)
		if len(parts) == 5 && parts[1] == "kms" {
			short := parts[4]
			if id, ok := strings.CutPrefix(short, "key/"); ok {
				short = id
			}
			candidates = append(candidates, short)
		}
	} else if !strings.HasPrefix(keyID, "alias/") {
		candidates = append(candidates, h.kmsARN("key/"+keyID))
	}
	for _, c := range candidates {
		if len(c) <= maxKeyNameBytes && kr.Has(c) {
			return c, nil
		}
	}
	if slices.Contains(candidates, awsManagedKey) {
		return awsManagedKey, h.createManagedKey()
	}
	return "", h.kmsNotFound(keyID, "")
}

// createManagedKey adds alias/aws/kinesis to the keyring, unless a
// concurrent call just did.
func (h *Handler) createManagedKey() error {
	h.keyringMu.Lock()
	defer h.keyringMu.Unlock()
	kr := h.opts.Keyring
	if kr.Has(awsManagedKey) {
		return nil
	}
	id := h.kmsARN("key/" + newRequestID()) // a random UUID, as KMS key IDs are
	if err := kr.Create(id, awsManagedKey); err != nil {
		return fmt.Errorf("create %s in the keyring: %w", awsManagedKey, err)
	}
	h.opts.Logger.Info("created the managed key in the keyring", "alias", awsManagedKey, "key_id", id)
	return nil
}

func (h *Handler) kmsARN(resource string) string {
	return "arn:aws:kms:" + h.opts.Region + ":" + h.opts.AccountID + ":" + resource
}

// kmsNotFound is KMSNotFoundException for a KeyId the keyring lacks.
func (h *Handler) kmsNotFound(keyID, why string) *awsproto.Error {
	if why != "" {
		return apiErr(errKMSNotFound, "Key '%s' does not exist in the keyring (%s).", keyID, why)
	}
	return apiErr(errKMSNotFound, "Key '%s' does not exist in the keyring.", keyID)
}

// keyUnavailable is KMSNotFoundException for a stored record or a write
// whose key the keyring no longer has.
func (h *Handler) keyUnavailable(stream string) *awsproto.Error {
	return apiErr(errKMSNotFound, "The KMS key of stream %s under account %s, or a version of it that records were encrypted with, is not in the keyring.",
		stream, h.opts.AccountID)
}

// allKeyUnavailable returns the error of a put whose records all failed
// for want of the stream's key, or nil.
func allKeyUnavailable(res []storage.PutResult) error {
	for _, r := range res {
		if !errors.Is(r.Err, storage.ErrKeyUnavailable) {
			return nil
		}
	}
	if len(res) == 0 {
		return nil
	}
	return res[0].Err
}
