package ashby

import (
	"context"
	"fmt"
	"time"
)

// ApplicationListHistory calls application.listHistory and returns every
// stage visit of an application, oldest first as Ashby lists them. It pages
// with cursor and limit (the method has no syncToken); each page goes through
// the client's rate limiter and retry policy.
func (c *Client) ApplicationListHistory(ctx context.Context, applicationID string) ([]ApplicationHistory, error) {
	items, _, err := listAll[ApplicationHistory](ctx, c, "application.listHistory", map[string]any{"applicationId": applicationID})
	if err != nil {
		return nil, fmt.Errorf("list history of %s: %w", applicationID, err)
	}
	return items, nil
}

// FeedbackPage is one page of applicationFeedback.list.
type FeedbackPage struct {
	Items []Feedback
	// NextCursor continues the listing when More is true.
	NextCursor string
	More       bool
}

// FeedbackListPage fetches one page of org-wide applicationFeedback.list of
// submissions created after createdAfter (zero: all), continuing from cursor
// (empty: the first page). Callers that must survive interruption store
// NextCursor between pages.
func (c *Client) FeedbackListPage(ctx context.Context, createdAfter time.Time, cursor string) (FeedbackPage, error) {
	params := map[string]any{"limit": c.pageSize}
	if !createdAfter.IsZero() {
		params["createdAfter"] = createdAfter.UnixMilli()
	}
	if cursor != "" {
		params["cursor"] = cursor
	}
	env, err := c.call(ctx, "applicationFeedback.list", params, nil)
	if err != nil {
		return FeedbackPage{}, fmt.Errorf("list applicationFeedback.list page: %w", err)
	}
	var page FeedbackPage
	if len(env.Results) > 0 {
		if err := decodeResults("applicationFeedback.list", env.Results, &page.Items); err != nil {
			return FeedbackPage{}, err
		}
	}
	page.More, page.NextCursor = env.MoreDataAvailable, env.NextCursor
	if page.More && page.NextCursor == "" {
		return FeedbackPage{}, fmt.Errorf("list applicationFeedback.list page: moreDataAvailable without nextCursor")
	}
	return page, nil
}
