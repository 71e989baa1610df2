package archtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

const module = "github.com/ashby-auto-advance/aaa"

// moduleRoot is the directory of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// listed is what the import rules read of `go list -json`.
type listed struct {
	ImportPath string
	Imports    []string // non-test imports
}

func listPackages(t *testing.T) []listed {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -json ./...: %v\n%s", err, stderr.String())
	}
	var pkgs []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; is the test run inside the module?", len(pkgs))
	}
	return pkgs
}

// rel is a package path relative to the module ("" for outside it).
func rel(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// std reports whether an import path is the standard library's (no dot in
// its first element).
func std(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// importRule says which imports a set of packages may have.
type importRule struct {
	name string
	// applies selects the importing packages (module-relative paths).
	applies func(pkg string) bool
	// allowed reports whether pkg may import imp (a full import path).
	allowed func(pkg, imp string) bool
}

var (
	backends    = []string{"internal/store/sqlite", "internal/store/postgres"}
	storeOwn    = []string{"internal/store", "internal/store/sqlite", "internal/store/postgres"}
	composition = []string{"cmd/aaa", "internal/testkit"}
)

var importRules = []importRule{
	{
		name:    "engine imports only domain and the standard library",
		applies: func(p string) bool { return under(p, "internal/engine") },
		allowed: func(_, imp string) bool { r, _ := rel(imp); return std(imp) || r == "internal/domain" },
	},
	{
		name:    "domain imports only the standard library",
		applies: func(p string) bool { return under(p, "internal/domain") },
		allowed: func(_, imp string) bool { return std(imp) },
	},
	{
		name:    "store imports no use case (only domain, store's own packages and the migrations)",
		applies: func(p string) bool { return slices.Contains(storeOwn, p) },
		allowed: func(_, imp string) bool {
			r, ours := rel(imp)
			return !ours || r == "internal/domain" || r == "database" || under(r, "internal/store")
		},
	},
	{
		name:    "only cmd/aaa (and the test kit) imports config or a concrete store backend",
		applies: func(string) bool { return true },
		allowed: func(p, imp string) bool {
			r, _ := rel(imp)
			if r != "internal/config" && !slices.Contains(backends, r) {
				return true
			}
			// A backend may build on store, not on the other backend; storetest
			// forwards to the test kit.
			return slices.Contains(composition, p)
		},
	},
}

// importViolations checks pkgs against rules and returns one line per
// forbidden import.
func importViolations(pkgs []listed, rules []importRule) []string {
	var out []string
	for _, p := range pkgs {
		pr, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		for _, r := range rules {
			if !r.applies(pr) {
				continue
			}
			for _, imp := range p.Imports {
				if !r.allowed(pr, imp) {
					out = append(out, fmt.Sprintf("%s imports %s: breaks %q", pr, imp, r.name))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	if v := importViolations(listPackages(t), importRules); len(v) > 0 {
		t.Errorf("import rules broken (DESIGN.md, Packages):\n  %s", strings.Join(v, "\n  "))
	}
}

// TestImportRulesCatchViolations feeds the rules a made-up graph that
// breaks each of them, so a rule that stopped matching anything is caught.
func TestImportRulesCatchViolations(t *testing.T) {
	t.Parallel()
	m := func(p string) string { return module + "/" + p }
	graph := []listed{
		{ImportPath: m("internal/engine"), Imports: []string{"fmt", m("internal/domain"), m("internal/store")}},
		{ImportPath: m("internal/domain"), Imports: []string{"time", "github.com/google/uuid"}},
		{ImportPath: m("internal/store"), Imports: []string{"database/sql", m("database"), m("internal/advance")}},
		{ImportPath: m("internal/store/sqlite"), Imports: []string{m("internal/store"), m("internal/store/postgres")}},
		{ImportPath: m("internal/server"), Imports: []string{m("internal/config")}},
		{ImportPath: m("internal/tui"), Imports: []string{m("internal/store/sqlite")}},
		{ImportPath: m("cmd/aaa"), Imports: []string{m("internal/config"), m("internal/store/sqlite")}},
	}
	got := importViolations(graph, importRules)
	want := []string{
		"internal/domain imports github.com/google/uuid",
		"internal/engine imports " + m("internal/store"),
		"internal/server imports " + m("internal/config"),
		"internal/store imports " + m("internal/advance"),
		"internal/store/sqlite imports " + m("internal/store/postgres"),
		"internal/tui imports " + m("internal/store/sqlite"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]+":") {
			t.Errorf("violation %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
}

// adapters may not write through the store.
var adapters = []string{"internal/server", "internal/tui", "cmd/aaa", "internal/jobs"}

// writePrefixes name the store methods that write. Reads start with Get,
// List, Count, Load, ...; Close, Migrate, Writer and the like are the
// composition root's lifecycle, not data writes.
var writePrefixes = []string{
	"Insert", "Update", "Upsert", "Delete", "Save", "Mark", "Claim", "Create", "Put", "Record", "Set",
	"TakeOver", "Touch", "Deactivate", "Remove", "Replace", "Purge", "Prune", "Cancel", "Copy", "InTx", "Erase", "Merge",
}

func isWrite(method string) bool {
	for _, p := range writePrefixes {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

// allowed are the adapters' writes through the store that are still being
// moved into use cases. Each entry is "package method": remove it when the
// write moves; the test fails on an entry that matches nothing.
var allowed = map[string]string{
	// `aaa store copy` (graduation from SQLite to Postgres) calls
	// store.Copy, which writes every table of the destination store from
	// cmd/aaa. To be removed when the copy becomes a use case of its own
	// (a graduation service that the command calls), leaving store with the
	// per-table reads and bulk writes only.
	"cmd/aaa Copy": "aaa store copy writes the destination through store.Copy",
}

// writeCall is one store write made by an adapter.
type writeCall struct {
	pkg, method, recv, pos string
}

func (w writeCall) key() string { return w.pkg + " " + w.method }

// storeWrites type-checks the adapters and returns every use of a store
// write: a write method of a type of package store (store.Store, its parts,
// *store.DB), of an adapter's own interface whose method *store.DB has with
// the same signature, or a writing function of package store.
func storeWrites(t *testing.T, scan []string) []writeCall {
	t.Helper()
	root := moduleRoot(t)
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports,
		Dir: root,
	}
	patterns := []string{module + "/internal/store"}
	for _, a := range scan {
		patterns = append(patterns, module+"/"+a)
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatalf("load packages: %v", err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("%d errors loading the adapters", n)
	}
	dbPtr := storeDB(t, pkgs)
	var out []writeCall
	for _, p := range pkgs {
		pr, _ := rel(p.PkgPath)
		if !slices.Contains(scan, pr) {
			continue
		}
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				se, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				var recv string
				if sel := p.TypesInfo.Selections[se]; sel != nil {
					fn, _ := sel.Obj().(*types.Func)
					if fn == nil || !isWrite(fn.Name()) || !storeMethod(fn, dbPtr) {
						return true
					}
					recv = types.TypeString(sel.Recv(), func(p *types.Package) string { return p.Name() })
				} else {
					// A function of package store that writes (store.Copy).
					fn, _ := p.TypesInfo.Uses[se.Sel].(*types.Func)
					if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != module+"/internal/store" || !isWrite(fn.Name()) {
						return true
					}
					recv = "store"
				}
				pos := p.Fset.Position(se.Sel.Pos())
				if r, err := filepath.Rel(root, pos.Filename); err == nil {
					pos.Filename = r
				}
				out = append(out, writeCall{pkg: pr, method: se.Sel.Name, recv: recv, pos: pos.String()})
				return true
			})
		}
	}
	return out
}

// storeMethod reports whether fn is a method of the store: declared in
// package store, or an interface method that *store.DB has with the same
// signature (an adapter's mirror of the store).
func storeMethod(fn *types.Func, dbPtr types.Type) bool {
	if fn.Pkg() != nil && fn.Pkg().Path() == module+"/internal/store" {
		return true
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil || !types.IsInterface(sig.Recv().Type()) {
		return false
	}
	// Exported methods only: the lookup ignores fn's package. Signatures are
	// compared as text because the adapters' dependencies and the store
	// come from different loads.
	obj, _, _ := types.LookupFieldOrMethod(dbPtr, false, nil, fn.Name())
	m, ok := obj.(*types.Func)
	return ok && sigString(m) == sigString(fn)
}

// sigString is a method's signature without its receiver.
func sigString(fn *types.Func) string {
	sig := fn.Type().(*types.Signature)
	return types.TypeString(types.NewSignatureType(nil, nil, nil, sig.Params(), sig.Results(), sig.Variadic()), nil)
}

func TestAdaptersDoNotWriteThroughStore(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("type-checks the adapters")
	}
	calls := storeWrites(t, adapters)
	if os.Getenv("ARCHTEST_DEBUG") != "" {
		for _, c := range calls {
			t.Logf("%s %s.%s", c.pos, c.recv, c.method)
		}
	}
	seen := map[string]bool{}
	var bad []string
	for _, c := range calls {
		seen[c.key()] = true
		if _, ok := allowed[c.key()]; !ok {
			bad = append(bad, fmt.Sprintf("%s: %s calls %s.%s", c.pos, c.pkg, c.recv, c.method))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("adapters write through the store; call a use case instead (DESIGN.md, Packages):\n  %s", strings.Join(bad, "\n  "))
	}
	for k, why := range allowed {
		if !seen[k] {
			t.Errorf("allowlist entry %q (%s) matches no call any more: remove it", k, why)
		}
	}
}

func TestMain(m *testing.M) {
	// go list and go/packages need the go command of this toolchain.
	if _, err := exec.LookPath("go"); err != nil {
		fmt.Fprintln(os.Stderr, "archtest: the go command is not on PATH")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// TestWriteRuleCatchesViolations scans testdata/probe, which writes through
// the store in every way the rule knows, so a scan that stopped seeing
// writes fails here rather than passing everything.
func TestWriteRuleCatchesViolations(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("type-checks the probe")
	}
	const probe = "internal/archtest/testdata/probe"
	var got []string
	for _, c := range storeWrites(t, []string{probe}) {
		got = append(got, c.recv+"."+c.method)
	}
	want := []string{"*store.DB.MarkDelivery", "probe.saver.SaveReview", "store.Copy", "store.Store.InTx", "store.Store.UpsertFeedback"}
	if !slices.Equal(got, want) {
		t.Errorf("write rule found in %s:\n  %s\nwant:\n  %s", probe, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// storeAssertions type-checks the packages of scan (module-relative) and
// returns every runtime type assertion or type switch that involves the
// store: on a value of a store type, or to a store type. Capabilities are
// part of store.Store, checked at compile time (DESIGN.md, Store).
func storeAssertions(t *testing.T, scan []string) []string {
	t.Helper()
	root := moduleRoot(t)
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports,
		Dir: root,
	}
	patterns := []string{module + "/internal/store"}
	for _, p := range scan {
		patterns = append(patterns, module+"/"+p)
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatalf("load packages: %v", err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("%d errors loading the packages", n)
	}
	dbPtr := storeDB(t, pkgs)
	isStoreType := func(t types.Type) bool { return storeType(t) || storeCapability(t, dbPtr) }
	var out []string
	for _, p := range pkgs {
		if pr, _ := rel(p.PkgPath); !slices.Contains(scan, pr) {
			continue
		}
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				ta, ok := n.(*ast.TypeAssertExpr)
				if !ok {
					return true
				}
				involved := isStoreType(p.TypesInfo.TypeOf(ta.X))
				if ta.Type != nil {
					involved = involved || isStoreType(p.TypesInfo.TypeOf(ta.Type))
				} else if sw := switchOf(f, ta); sw != nil {
					// x.(type): the cases name the types.
					for _, c := range sw.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							involved = involved || isStoreType(p.TypesInfo.TypeOf(e))
						}
					}
				}
				if involved {
					pos := p.Fset.Position(ta.Pos())
					if r, err := filepath.Rel(root, pos.Filename); err == nil {
						pos.Filename = r
					}
					expr := types.ExprString(ta.X) + ".(type)"
					if ta.Type != nil {
						expr = types.ExprString(ta)
					}
					out = append(out, fmt.Sprintf("%s: %s", pos, expr))
				}
				return true
			})
		}
	}
	sort.Strings(out)
	return out
}

// storeType reports whether t is a named type of package store, or a
// pointer to one.
func storeType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == module+"/internal/store"
}

// lifecycle are methods *store.DB shares with too many other types to
// make an interface of them a store capability.
var lifecycle = []string{"Close", "Ping", "Dialect", "String", "Error"}

// storeCapability reports whether t is an interface *store.DB implements
// with at least one data method: a capability of the store declared
// elsewhere (backtest.Source, a consumer's own interface).
func storeCapability(t types.Type, dbPtr types.Type) bool {
	if t == nil {
		return false
	}
	it, ok := t.Underlying().(*types.Interface)
	if !ok || it.NumMethods() == 0 {
		return false
	}
	data := false
	for i := range it.NumMethods() {
		m := it.Method(i)
		if !m.Exported() {
			return false
		}
		obj, _, _ := types.LookupFieldOrMethod(dbPtr, false, nil, m.Name())
		dm, ok := obj.(*types.Func)
		if !ok || sigString(dm) != sigString(m) {
			return false
		}
		data = data || !slices.Contains(lifecycle, m.Name())
	}
	return data
}

// storeDB finds *store.DB among loaded packages.
func storeDB(t *testing.T, pkgs []*packages.Package) types.Type {
	t.Helper()
	for _, p := range pkgs {
		if p.PkgPath == module+"/internal/store" {
			if db, ok := p.Types.Scope().Lookup("DB").Type().(*types.Named); ok {
				return types.NewPointer(db)
			}
		}
	}
	t.Fatal("store.DB not found")
	return nil
}

// switchOf returns the type switch whose guard is ta.
func switchOf(f *ast.File, ta *ast.TypeAssertExpr) *ast.TypeSwitchStmt {
	var found *ast.TypeSwitchStmt
	ast.Inspect(f, func(n ast.Node) bool {
		sw, ok := n.(*ast.TypeSwitchStmt)
		if !ok || found != nil {
			return found == nil
		}
		var guard ast.Expr
		switch a := sw.Assign.(type) {
		case *ast.ExprStmt:
			guard = a.X
		case *ast.AssignStmt:
			guard = a.Rhs[0]
		}
		if guard == ta {
			found = sw
		}
		return true
	})
	return found
}

func TestNoRuntimeStoreCapabilities(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("type-checks the module")
	}
	var scan []string
	for _, p := range listPackages(t) {
		if r, ok := rel(p.ImportPath); ok {
			scan = append(scan, r)
		}
	}
	if found := storeAssertions(t, scan); len(found) > 0 {
		t.Errorf("runtime type assertions on the store; its capabilities are part of store.Store, checked at compile time:\n  %s",
			strings.Join(found, "\n  "))
	}
}

func TestStoreAssertionRuleCatchesViolations(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("type-checks the probe")
	}
	got := storeAssertions(t, []string{"internal/archtest/testdata/probe"})
	want := []string{"st.(*store.DB)", "v.(store.HistoryStore)", "v.(type)", "v.(source)"}
	if len(got) != len(want) {
		t.Fatalf("found %d assertions in the probe, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasSuffix(got[i], ": "+want[i]) {
			t.Errorf("assertion %d = %q, want %s", i, got[i], want[i])
		}
	}
}
