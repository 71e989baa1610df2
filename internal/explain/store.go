package explain

import (
	"context"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
)

// Caches is the part of the store names are read from (implemented by
// store.Store).
type Caches interface {
	GetJob(ctx context.Context, id string) (domain.Job, error)
	GetStage(ctx context.Context, id string) (domain.Stage, error)
	GetInterview(ctx context.Context, id string) (domain.Interview, error)
	GetForm(ctx context.Context, id string) (domain.Form, error)
	GetAshbyUser(ctx context.Context, id string) (domain.AshbyUser, error)
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	GetRule(ctx context.Context, id string) (domain.Rule, error)
}

// refreshEvery bounds how often one kind of cache is asked to refresh.
const refreshEvery = 5 * time.Minute

// StoreNames resolves names from aaa's metadata caches. When a name is
// missing it calls Refresh with the kind (at most once per kind every five
// minutes), so the next rendering finds it.
type StoreNames struct {
	St Caches
	// Refresh queues a refresh of the cache holding kind (nil: none).
	Refresh func(ctx context.Context, kind string)

	mu   sync.Mutex
	last map[string]time.Time
}

// NewStoreNames returns names read from st.
func NewStoreNames(st Caches, refresh func(ctx context.Context, kind string)) *StoreNames {
	return &StoreNames{St: st, Refresh: refresh}
}

// Renderer returns a renderer over these names.
func (n *StoreNames) Renderer(ctx context.Context) *Renderer {
	if n == nil {
		return New(ctx, nil)
	}
	return New(ctx, n)
}

// Name implements Names.
func (n *StoreNames) Name(ctx context.Context, kind, id string) (string, bool) {
	if n == nil || n.St == nil || id == "" {
		return "", false
	}
	name := ""
	switch kind {
	case KindJob:
		if j, err := n.St.GetJob(ctx, id); err == nil {
			name = j.Title
		}
	case KindStage:
		if s, err := n.St.GetStage(ctx, id); err == nil {
			name = s.Title
		}
	case KindInterview:
		if iv, err := n.St.GetInterview(ctx, id); err == nil {
			name = iv.Title
		}
	case KindInterviewer:
		if u, err := n.St.GetAshbyUser(ctx, id); err == nil {
			name = joinName(u.FirstName, u.LastName, u.Email)
		}
	case KindCandidate:
		if a, err := n.St.GetApplication(ctx, id); err == nil {
			name = a.CandidateName
		}
	case KindRule:
		if r, err := n.St.GetRule(ctx, id); err == nil {
			name = r.Name
		}
	}
	if name == "" {
		n.refresh(ctx, kind)
		return "", false
	}
	return name, true
}

// FieldTitle implements Names from the interview's cached feedback form.
func (n *StoreNames) FieldTitle(ctx context.Context, interviewID, path string) (string, bool) {
	if n == nil || n.St == nil || interviewID == "" || path == "" {
		return "", false
	}
	iv, err := n.St.GetInterview(ctx, interviewID)
	if err != nil || iv.FormID == "" {
		n.refresh(ctx, KindField)
		return "", false
	}
	f, err := n.St.GetForm(ctx, iv.FormID)
	if err != nil {
		n.refresh(ctx, KindField)
		return "", false
	}
	def, err := ashby.ParseFormDefinition(f.Definition)
	if err != nil {
		return "", false
	}
	for _, fld := range def.Fields() {
		if fld.Path == path && fld.Title != "" {
			return fld.Title, true
		}
	}
	return "", false
}

func (n *StoreNames) refresh(ctx context.Context, kind string) {
	if n.Refresh == nil || kind == KindRule {
		return
	}
	n.mu.Lock()
	if n.last == nil {
		n.last = map[string]time.Time{}
	}
	now := time.Now()
	if t, ok := n.last[kind]; ok && now.Sub(t) < refreshEvery {
		n.mu.Unlock()
		return
	}
	n.last[kind] = now
	n.mu.Unlock()
	n.Refresh(context.WithoutCancel(ctx), kind)
}

func joinName(first, last, email string) string {
	switch {
	case first != "" && last != "":
		return first + " " + last
	case first != "":
		return first
	case last != "":
		return last
	}
	return email
}
