// Package awsclient holds settings for the AWS SDK for Go v2 clients that
// Eddy's own tools and tests use against a Kinesis endpoint.
package awsclient

import (
	"context"
	"io"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// RequestBodyWithoutWriteTo adds a middleware that sends request bodies
// without their WriteTo method, to avoid a race between the SDK and
// net/http that closes a connection while its response is being read.
//
// The SDK sends a request body through a wrapper whose WriteTo, once the
// wrapper is closed, fails with io.EOF, and it closes the wrapper as soon
// as the response headers are in (smithy-go's ClientHandler). Meanwhile
// net/http, having flushed the headers of a body it cannot tell is in
// memory, writes the Content-Length bytes straight to the socket, and only
// then checks for excess bytes with io.Copy(io.Discard, body), which uses
// WriteTo. If the server has answered and the SDK has closed the body in
// between, that check fails, the transport takes it for a failed request
// write and closes the connection: reading the rest of the response (a
// large GetRecords one, typically) fails with "use of closed network
// connection". Without WriteTo the check reads instead, and a closed
// wrapper's Read reports a clean io.EOF. SDK retries mostly hide the
// failure, at the price of a new connection and a repeated call (a
// repeated PutRecords stores its records again), but `eddy bench` and the
// tests make one attempt per call and report it.
//
// Use it as an SDK API option: o.APIOptions = append(o.APIOptions,
// awsclient.RequestBodyWithoutWriteTo).
func RequestBodyWithoutWriteTo(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("EddyRequestBodyWithoutWriteTo",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error,
		) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				if body, ok := req.GetStream().(interface {
					io.ReadSeeker
					io.WriterTo
				}); ok {
					// Seeking is kept: it gives the length and lets
					// retries rewind.
					r, err := req.SetStream(struct{ io.ReadSeeker }{body})
					if err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					in.Request = r
				}
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
