// Package auth verifies AWS Signature Version 4 on incoming HTTP requests
// against a set of configured access keys, so that the AWS SDKs and CLI
// authenticate to Eddy exactly as they do to AWS.
//
// # Model
//
// A Key pairs an access key ID and secret with a principal: a name from the
// configuration ("alice"), which stands for the IAM user
// arn:aws:iam::<account>:user/alice unless the key sets PrincipalARN. A
// Verifier holds the keys. Verify takes a request whose body the caller has
// already read and returns the Identity that signed it, or an *Error that
// carries AWS's error type and message:
//
//	v, err := auth.NewVerifier(auth.Options{Keys: keys, Region: "us-east-1", Services: []string{"kinesis"}})
//	...
//	id, err := v.Verify(r, body)
//	if err != nil {
//		var e *auth.Error // always, for a refused request
//		errors.As(err, &e) // e.Type is e.g. "InvalidSignatureException"; send it with HTTP 400
//	}
//
// Both forms of SigV4 are accepted: the Authorization header
// ("AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/kinesis/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=...") and the presigned query
// string (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature). Bodies are chunk-free: the payload
// hash is the SHA-256 of the whole body (aws-chunked STREAMING-* payloads
// are refused).
//
// # Order of checks
//
// Checks run in the order AWS's JSON services run them, so a request that
// is wrong in several ways gets the error AWS would send:
//
//  1. form: both forms at once is InvalidSignatureException; neither (or
//     an Authorization header that is not SigV4) is
//     MissingAuthenticationTokenException;
//  2. presence of every part (IncompleteSignatureException, listing each
//     missing part);
//  3. the date (X-Amz-Date, or the Date header in the header form) must be
//     ISO 8601 basic format (IncompleteSignatureException), and X-Amz-Expires
//     a number of seconds up to a week;
//  4. clock skew: the signing time must be within MaxSkew (5 minutes) of
//     the server's clock; a presigned request is good from MaxSkew before
//     its date until X-Amz-Expires after it (InvalidSignatureException,
//     "Signature expired: ..." or "Signature not yet current: ...");
//  5. host must be a signed header (InvalidSignatureException);
//  6. the algorithm must be AWS4-HMAC-SHA256 (IncompleteSignatureException);
//  7. the credential must have five parts (IncompleteSignatureException);
//  8. the credential scope must name the configured region and service,
//     the aws4_request terminator and the request's date
//     (InvalidSignatureException, every mismatch listed);
//  9. the access key must be configured (UnrecognizedClientException);
//  10. X-Amz-Content-Sha256, if sent, must match the body
//     (InvalidSignatureException);
//  11. the signature must match (InvalidSignatureException), compared in
//     constant time;
//  12. optionally, the signature must not have been seen before
//     (Options.RejectReplays).
//
// X-Amz-Security-Token is tolerated: it is covered by the signature when
// signed, and otherwise ignored (configured keys are long-term keys).
//
// # Concurrency
//
// A Verifier is safe for concurrent use. SetKeys swaps the key set
// atomically; requests in flight finish with the set they started with.
package auth
