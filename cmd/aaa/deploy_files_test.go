package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// readRepoFile reads a file from the module root.
func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	root, err := testkit.ModuleRoot()
	testkit.Must(t, err)
	b, err := os.ReadFile(filepath.Join(root, name))
	testkit.Must(t, err)
	return string(b)
}

// TestDeployFilesNameEverySetting: every variable `aaa serve --help` lists
// (config.Variables) reaches aaa from each deploy file, and the deployment
// guide documents it. Compose passes .env whole (env_file), so .env.example
// must name each one and compose must not override it; Render lists each
// one, secrets as sync: false (or generated, or from its database); fly.toml
// names each one and keeps secrets out of [env], where they would be plain
// text.
func TestDeployFilesNameEverySetting(t *testing.T) {
	t.Parallel()
	var names []string
	secret := map[string]bool{}
	for _, v := range config.Variables {
		names = append(names, v.Name)
		secret[v.Name] = v.Secret
	}
	if len(names) < 30 || !slices.Contains(names, "REMINDER_TIMEZONE") {
		t.Fatalf("config.Variables has %d names: the table moved?", len(names))
	}

	t.Run("docker-compose.yml and .env.example", func(t *testing.T) {
		t.Parallel()
		var compose struct {
			Services map[string]struct {
				EnvFile     []string          `yaml:"env_file"`
				Environment map[string]string `yaml:"environment"`
			} `yaml:"services"`
		}
		testkit.Must(t, yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &compose))
		aaa, ok := compose.Services["aaa"]
		if !ok {
			t.Fatal("docker-compose.yml has no aaa service")
		}
		if !slices.Contains(aaa.EnvFile, ".env") {
			t.Errorf("the aaa service's env_file is %v, want .env", aaa.EnvFile)
		}
		// The compose setup's own: its Postgres URL and the container port.
		for k := range aaa.Environment {
			if k != "DATABASE_URL" && k != "PORT" {
				t.Errorf("docker-compose.yml sets %s in environment:, which overrides the value in .env", k)
			}
		}
		env := readRepoFile(t, ".env.example")
		for _, n := range names {
			if _, set := aaa.Environment[n]; set {
				continue
			}
			if !regexp.MustCompile(`(?m)^(# )?` + n + `=`).MatchString(env) {
				t.Errorf(".env.example does not name %s (as %s= or # %s=)", n, n, n)
			}
		}
	})

	t.Run("render.yaml", func(t *testing.T) {
		t.Parallel()
		var render struct {
			Services []struct {
				Name    string `yaml:"name"`
				EnvVars []struct {
					Key           string         `yaml:"key"`
					Value         *string        `yaml:"value"`
					Sync          *bool          `yaml:"sync"`
					GenerateValue bool           `yaml:"generateValue"`
					FromDatabase  map[string]any `yaml:"fromDatabase"`
				} `yaml:"envVars"`
			} `yaml:"services"`
		}
		testkit.Must(t, yaml.Unmarshal([]byte(readRepoFile(t, "render.yaml")), &render))
		if len(render.Services) != 1 {
			t.Fatalf("render.yaml has %d services, want aaa alone", len(render.Services))
		}
		listed := map[string]bool{}
		for _, e := range render.Services[0].EnvVars {
			if listed[e.Key] {
				t.Errorf("render.yaml lists %s twice", e.Key)
			}
			listed[e.Key] = true
			keptSecret := (e.Sync != nil && !*e.Sync) || e.GenerateValue || e.FromDatabase != nil
			if secret[e.Key] && !keptSecret {
				t.Errorf("render.yaml: secret %s must be sync: false (or generateValue), not a value", e.Key)
			}
			if e.Value == nil && !keptSecret {
				t.Errorf("render.yaml: %s has neither a value nor sync: false", e.Key)
			}
		}
		for _, n := range names {
			if !listed[n] {
				t.Errorf("render.yaml does not list %s", n)
			}
		}
	})

	t.Run("fly.toml", func(t *testing.T) {
		t.Parallel()
		text := readRepoFile(t, "fly.toml")
		var fly struct {
			Env map[string]string `toml:"env"`
		}
		_, err := toml.Decode(text, &fly)
		testkit.Must(t, err)
		for _, n := range names {
			if secret[n] {
				if _, ok := fly.Env[n]; ok {
					t.Errorf("fly.toml sets secret %s in [env]: use flyctl secrets set", n)
				}
			}
			// In [env], or in the comment saying where it comes from.
			if _, ok := fly.Env[n]; !ok && !regexp.MustCompile(`\b`+n+`\b`).MatchString(text) {
				t.Errorf("fly.toml neither sets nor names %s", n)
			}
		}
	})

	t.Run("docs/deployment.md", func(t *testing.T) {
		t.Parallel()
		guide := readRepoFile(t, "docs/deployment.md")
		for _, n := range names {
			if !strings.Contains(guide, "`"+n+"`") {
				t.Errorf("docs/deployment.md does not document `%s`", n)
			}
		}
	})
}
