package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/keyring"
)

// TestSecurityEncryptionAtRest turns encryption on and off on a stream
// with the AWS-managed key and a keyring key named in every KeyId form,
// rotates the key, restarts, and reads every record back; the sealed
// records' data never appears on disk. A lost key is KMSNotFoundException.
func TestSecurityEncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	c := ts.client
	ts.createStream(t, "enc", 1)
	put := func(stream, data string) types.EncryptionType {
		t.Helper()
		out, err := ts.client.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: []byte(data)})
		require.NoError(t, err)
		return out.EncryptionType
	}
	encryption := func(stream string) (types.EncryptionType, string) {
		t.Helper()
		out, err := ts.client.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
		require.NoError(t, err)
		d, err := ts.client.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
		require.NoError(t, err)
		s := out.StreamDescriptionSummary
		require.Equal(t, s.EncryptionType, d.StreamDescription.EncryptionType)
		require.Equal(t, aws.ToString(s.KeyId), aws.ToString(d.StreamDescription.KeyId))
		return s.EncryptionType, aws.ToString(s.KeyId)
	}
	start := func(stream, keyID string) error {
		t.Helper()
		_, err := ts.client.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamName: aws.String(stream),
			EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(keyID)})
		if err == nil {
			ts.waitActive(t, stream)
		}
		return err
	}

	require.Equal(t, types.EncryptionTypeNone, put("enc", "plain before"))
	typ, keyID := encryption("enc")
	require.Equal(t, types.EncryptionTypeNone, typ)
	require.Empty(t, keyID)

	// The AWS-managed key is created in the keyring on first use.
	require.NoError(t, start("enc", "alias/aws/kinesis"))
	typ, keyID = encryption("enc")
	require.Equal(t, types.EncryptionTypeKms, typ)
	require.Equal(t, "alias/aws/kinesis", keyID)
	require.Equal(t, types.EncryptionTypeKms, put("enc", "SEALED-1 managed key"))
	recs, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("enc"),
		Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("SEALED-2 managed key, batch")}}})
	require.NoError(t, err)
	require.Equal(t, types.EncryptionTypeKms, recs.EncryptionType)
	keyringPath := filepath.Join(dir, "keyring.json")
	fi, err := os.Stat(keyringPath)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// Keys of the keyring, in every KeyId form; unknown ones are refused.
	kr, err := keyring.Open(keyringPath)
	require.NoError(t, err)
	const keyUUID = "4f1c2c4e-9d1b-4d7e-8a53-2b0e5a6c7d8e"
	keyARN := "arn:aws:kms:us-east-1:000000000000:key/" + keyUUID
	require.NoError(t, kr.Create(keyARN, "alias/orders"))
	for _, id := range []string{"alias/orders", "arn:aws:kms:us-east-1:000000000000:alias/orders", keyUUID, keyARN} {
		require.NoError(t, start("enc", id), id)
		_, keyID = encryption("enc")
		require.Equal(t, id, keyID, "reported as given")
	}
	require.Equal(t, types.EncryptionTypeKms, put("enc", "SEALED-3 orders key v1"))
	err = start("enc", "alias/nope")
	requireAPIError(t, err, "KMSNotFoundException", "Key 'alias/nope' does not exist")
	_, err = c.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc"),
		EncryptionType: types.EncryptionTypeNone, KeyId: aws.String("alias/orders")})
	requireAPIError(t, err, "InvalidArgumentException", "KMS")
	_, keyID = encryption("enc")
	require.Equal(t, keyARN, keyID, "a refused call changes nothing")

	// Rotation: new records use version 2, older ones stay readable.
	version, err := kr.Rotate("alias/orders")
	require.NoError(t, err)
	require.Equal(t, uint32(2), version)
	require.Equal(t, types.EncryptionTypeKms, put("enc", "SEALED-4 orders key v2"))

	// Restart, stop encryption, read everything back.
	require.NoError(t, ts.Close(context.Background()))
	ts = startServer(t, dir)
	c = ts.client
	typ, keyID = encryption("enc")
	require.Equal(t, types.EncryptionTypeKms, typ)
	require.Equal(t, keyARN, keyID)
	require.Equal(t, types.EncryptionTypeKms, put("enc", "SEALED-5 after restart"))
	_, err = c.StopStreamEncryption(ctx(t), &kinesis.StopStreamEncryptionInput{StreamName: aws.String("enc"),
		EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(keyARN)})
	require.NoError(t, err)
	ts.waitActive(t, "enc")
	typ, _ = encryption("enc")
	require.Equal(t, types.EncryptionTypeNone, typ)
	require.Equal(t, types.EncryptionTypeNone, put("enc", "plain after"))
	var got []string
	for _, r := range ts.readAll(t, ts.iterator(t, "enc", shardID(0), types.ShardIteratorTypeTrimHorizon, nil)) {
		got = append(got, string(r.Data))
	}
	require.Equal(t, []string{"plain before", "SEALED-1 managed key", "SEALED-2 managed key, batch", "SEALED-3 orders key v1",
		"SEALED-4 orders key v2", "SEALED-5 after restart", "plain after"}, got)

	// Sealed data is not on disk in clear; plain data is (the check works).
	var disk []byte
	logFiles, err := filepath.Glob(filepath.Join(dir, "log", "*"))
	require.NoError(t, err)
	for _, f := range logFiles {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		disk = append(disk, b...)
	}
	require.True(t, bytes.Contains(disk, []byte("plain before")))
	require.False(t, bytes.Contains(disk, []byte("SEALED-")), "sealed record data found in clear on disk")

	// A key that leaves the keyring: writes and reads of its records fail
	// with KMSNotFoundException, and work again when it is back.
	ts.createStream(t, "lost", 1)
	require.NoError(t, kr.Create("alias/lost"))
	require.NoError(t, start("lost", "alias/lost"))
	put("lost", "SEALED-lost")
	saved, err := os.ReadFile(keyringPath)
	require.NoError(t, err)
	var doc keyring.File
	require.NoError(t, jsonUnmarshal(saved, &doc))
	doc.Keys = doc.Keys[:len(doc.Keys)-1]
	writeKeyring(t, keyringPath, doc)
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("lost"), PartitionKey: aws.String("k"), Data: []byte("x")})
	requireAPIError(t, err, "KMSNotFoundException", "stream lost")
	it := ts.iterator(t, "lost", shardID(0), types.ShardIteratorTypeTrimHorizon, nil)
	_, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	requireAPIError(t, err, "KMSNotFoundException", "stream lost")
	require.NoError(t, os.WriteFile(keyringPath+".new", saved, 0o600))
	require.NoError(t, os.Rename(keyringPath+".new", keyringPath))
	out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	require.NoError(t, err)
	require.Len(t, out.Records, 1)
	require.Equal(t, "SEALED-lost", string(out.Records[0].Data))
}

// TestSecurityTamperedCiphertext alters the ciphertext of a sealed batch
// on disk (and fixes the frame's CRC, as a deliberate attacker would):
// authentication fails and the records are never served.
func TestSecurityTamperedCiphertext(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	ts.createStream(t, "plain", 1)
	ts.createStream(t, "sealed", 1)
	_, err := ts.client.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamName: aws.String("sealed"),
		EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	require.NoError(t, err)
	ts.waitActive(t, "sealed")
	for _, s := range []string{"plain", "sealed"} {
		_, err := ts.client.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(s), PartitionKey: aws.String("k"), Data: []byte("payload of " + s)})
		require.NoError(t, err)
	}
	require.NoError(t, ts.Close(context.Background()))

	tamperLastSealedBatch(t, filepath.Join(dir, "log"))

	ts = startServer(t, dir)
	it := ts.iterator(t, "sealed", shardID(0), types.ShardIteratorTypeTrimHorizon, nil)
	out, err := ts.client.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	requireAPIError(t, err, "InternalFailure", "")
	require.Nil(t, out)
	recs := ts.readAll(t, ts.iterator(t, "plain", shardID(0), types.ShardIteratorTypeTrimHorizon, nil))
	require.Len(t, recs, 1, "other streams are unaffected")
}

// tamperLastSealedBatch flips a ciphertext byte of the last encrypted
// batch of the newest segment in logDir and recomputes the frame's CRC
// (docs/format/log.md).
func tamperLastSealedBatch(t *testing.T, logDir string) {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(logDir, "*.seg"))
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	sort.Strings(segs)
	path := segs[len(segs)-1]
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	const segmentHeader, framePrefix, flagsAt = 24, 8, 36
	last := -1
	for pos := segmentHeader; pos+framePrefix <= len(b); {
		length := int(binary.LittleEndian.Uint32(b[pos:]))
		if length == 0 || pos+framePrefix+length > len(b) {
			break
		}
		if binary.LittleEndian.Uint32(b[pos+flagsAt:])&1 != 0 {
			last = pos
		}
		pos += framePrefix + length
	}
	require.GreaterOrEqual(t, last, 0, "no sealed batch in %s", path)
	length := int(binary.LittleEndian.Uint32(b[last:]))
	end := last + framePrefix + length
	b[end-20] ^= 0x40 // inside the ciphertext, before the GCM tag
	crc := crc32.Checksum(b[last+framePrefix:end], crc32.MakeTable(crc32.Castagnoli))
	binary.LittleEndian.PutUint32(b[last+4:], crc)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// writeKeyring replaces the keyring file as an operator should: a new
// file moved into place.
func writeKeyring(t *testing.T, path string, doc keyring.File) {
	t.Helper()
	b, err := json.MarshalIndent(doc, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path+".new", b, 0o600))
	require.NoError(t, os.Rename(path+".new", path))
}
