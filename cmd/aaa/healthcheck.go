package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newHealthcheckCmd) }

// newHealthcheckCmd is the container HEALTHCHECK: the image has no shell or
// curl, so the binary checks its own /health.
func newHealthcheckCmd() *cobra.Command {
	var url string
	return &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the local server's /health answers 200 (for container health checks)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				port := os.Getenv("PORT")
				if port == "" {
					port = "8080"
				}
				url = "http://127.0.0.1:" + port + "/health"
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("health check: %w", err)}
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return &exitError{code: 1, err: fmt.Errorf("health check: %s answered %d", url, resp.StatusCode)}
			}
			return nil
		},
	}
}
