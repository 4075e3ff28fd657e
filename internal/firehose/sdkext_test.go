package firehose

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

type middlewareStack = middleware.Stack

// addColumns rewrites a serialized CreateDeliveryStream body to add the
// inline schema columns to the Extended S3 destination's format
// conversion (the SDK has no field for this Eddy extension).
func addColumns(stack *middleware.Stack, cols string) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("eddyInlineColumns",
		func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			req := in.Request.(*smithyhttp.Request)
			raw, err := io.ReadAll(req.GetStream())
			if err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			var columns any
			_ = json.Unmarshal([]byte(cols), &columns)
			for _, k := range []string{"ExtendedS3DestinationConfiguration", "ExtendedS3DestinationUpdate"} {
				if d, ok := body[k].(map[string]any); ok {
					if dfc, ok := d["DataFormatConversionConfiguration"].(map[string]any); ok {
						if sc, ok := dfc["SchemaConfiguration"].(map[string]any); ok {
							sc["Columns"] = columns
						}
					}
				}
			}
			out, _ := json.Marshal(body)
			r, err := req.SetStream(bytes.NewReader(out))
			if err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			r.ContentLength = int64(len(out))
			in.Request = r
			return next.HandleBuild(ctx, in)
		}), middleware.After)
}
