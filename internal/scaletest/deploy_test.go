package scaletest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/ashby-auto-advance/aaa/internal/store/storetest"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"go.yaml.in/yaml/v3"
)

func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestComposeFile validates docker-compose.yml with `docker compose config`
// when the compose plugin is installed, and always checks what the guide
// promises: Postgres 15 and aaa, both with health checks, aaa waiting for a
// healthy Postgres, reaching it through DATABASE_URL, and no schema step.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	if exec.Command("docker", "compose", "version").Run() == nil {
		cmd := exec.Command("docker", "compose", "-f", "docker-compose.yml", "config", "--quiet")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("docker compose config: %v\n%s", err, out)
		}
	} else {
		t.Log("docker compose plugin not available: checking YAML syntax and structure only")
	}
	var f struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	raw := repoFile(t, "docker-compose.yml")
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	pg, app := f.Services["postgres"], f.Services["aaa"]
	if !strings.HasPrefix(pg.Image, "postgres:15") {
		t.Errorf("postgres image %q, want postgres:15", pg.Image)
	}
	if len(pg.Healthcheck.Test) == 0 || len(app.Healthcheck.Test) == 0 {
		t.Error("both services need a health check")
	}
	if app.Build == nil || strings.Join(app.Command, " ") != "serve" {
		t.Errorf("aaa must build the repository's Dockerfile and run serve (build %v, command %v)", app.Build, app.Command)
	}
	if app.DependsOn["postgres"].Condition != "service_healthy" {
		t.Error("aaa must wait for a healthy postgres")
	}
	if u := app.Environment["DATABASE_URL"]; !strings.HasPrefix(u, "postgres://") || !strings.Contains(u, "@postgres:5432/") {
		t.Errorf("DATABASE_URL %q does not reach the postgres service", u)
	}
	noSchemaStep(t, "docker-compose.yml", raw)
}

func TestPlatformFiles(t *testing.T) {
	t.Parallel()
	var render struct {
		Services []struct {
			Type            string `yaml:"type"`
			Runtime         string `yaml:"runtime"`
			HealthCheckPath string `yaml:"healthCheckPath"`
			EnvVars         []struct {
				Key          string `yaml:"key"`
				FromDatabase *struct {
					Name string `yaml:"name"`
				} `yaml:"fromDatabase"`
			} `yaml:"envVars"`
		} `yaml:"services"`
		Databases []struct {
			Name    string `yaml:"name"`
			Version string `yaml:"postgresMajorVersion"`
		} `yaml:"databases"`
	}
	raw := repoFile(t, "render.yaml")
	if err := yaml.Unmarshal(raw, &render); err != nil {
		t.Fatalf("render.yaml: %v", err)
	}
	if len(render.Services) != 1 || render.Services[0].Runtime != "docker" || render.Services[0].HealthCheckPath != "/health" {
		t.Errorf("render.yaml: want one docker web service checked on /health, got %+v", render.Services)
	}
	if len(render.Databases) != 1 || render.Databases[0].Version != "15" {
		t.Errorf("render.yaml: want one Postgres 15 database, got %+v", render.Databases)
	}
	dbLinked := false
	for _, s := range render.Services {
		for _, e := range s.EnvVars {
			dbLinked = dbLinked || (e.Key == "DATABASE_URL" && e.FromDatabase != nil && e.FromDatabase.Name == render.Databases[0].Name)
		}
	}
	if !dbLinked {
		t.Error("render.yaml: DATABASE_URL must come from the database")
	}
	noSchemaStep(t, "render.yaml", raw)

	var fly struct {
		HTTPService struct {
			InternalPort int `toml:"internal_port"`
			Checks       []struct {
				Path string `toml:"path"`
			} `toml:"checks"`
			MinRunning int `toml:"min_machines_running"`
		} `toml:"http_service"`
	}
	raw = repoFile(t, "fly.toml")
	if _, err := toml.Decode(string(raw), &fly); err != nil {
		t.Fatalf("fly.toml: %v", err)
	}
	if fly.HTTPService.InternalPort != 8080 || len(fly.HTTPService.Checks) == 0 || fly.HTTPService.Checks[0].Path != "/health" ||
		fly.HTTPService.MinRunning < 1 {
		t.Errorf("fly.toml: want port 8080, a /health check and a machine always running, got %+v", fly.HTTPService)
	}
	noSchemaStep(t, "fly.toml", raw)
}

// TestDeploymentGuide keeps docs/deployment.md true: it lists every
// variable `aaa serve --help` knows, shows the commands these tests run, has
// the seed's troubleshooting SQL (which storetest runs on both backends),
// a systemd unit, and no manual schema step.
func TestDeploymentGuide(t *testing.T) {
	t.Parallel()
	doc := string(repoFile(t, "docs/deployment.md"))
	help, err := exec.Command(testkit.Binary(t), "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("aaa serve --help: %v\n%s", err, help)
	}
	vars := regexp.MustCompile(`(?m)^  ([A-Z][A-Z0-9_]+) `).FindAllStringSubmatch(string(help), -1)
	if len(vars) < 10 {
		t.Fatalf("found only %d variables in aaa serve --help", len(vars))
	}
	for _, v := range vars {
		if !strings.Contains(doc, "| `"+v[1]+"` |") {
			t.Errorf("docs/deployment.md: the environment variable table lacks %s", v[1])
		}
	}
	for _, want := range []string{
		"go build -o aaa ./cmd/aaa",                            // how the tests build the binary
		"aaa store copy --from sqlite:aaa.db --to postgres://", // TestStoreCopyGraduatesATrial
		"ExecStart=/usr/local/bin/aaa serve",                   // the systemd unit
		"docker compose up -d",
		"river_leader",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/deployment.md does not show %q", want)
		}
	}
	for _, q := range storetest.SeedQueries {
		if !strings.Contains(doc, q) {
			t.Errorf("docs/deployment.md lacks the seed's query %q", q)
		}
	}
	noSchemaStep(t, "docs/deployment.md", []byte(doc))
}

// schemaStep matches applying a SQL file by hand (psql ... -f file.sql).
var schemaStep = regexp.MustCompile(`psql[^\n]*-f\s+\S+\.sql|schema\.sql`)

// noSchemaStep fails when a deployment file applies SQL by hand.
func noSchemaStep(t *testing.T, name string, b []byte) {
	t.Helper()
	if m := schemaStep.Find(b); m != nil {
		t.Errorf("%s applies SQL by hand (%q): aaa migrates itself, there is no manual schema step", name, m)
	}
}
