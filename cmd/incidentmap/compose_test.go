package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml with the compose specification's own
// Go loader, with env as the environment and the given profiles.
func loadCompose(t *testing.T, env []string, profiles ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join("..", "..", "docker-compose.yml")},
		cli.WithEnv(env), cli.WithName("incidentmap"), cli.WithProfiles(profiles))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// No Docker engine runs here, so the compose file is loaded and validated
// with the compose specification's own Go loader instead of being started.
func TestComposeFile(t *testing.T) {
	const password = `p@ss:w/o#rd?%`
	p, err := loadCompose(t, []string{"POSTGRES_PASSWORD=" + password})
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	db, err := p.GetService("db")
	if err != nil {
		t.Fatal(err)
	}
	app, err := p.GetService("app")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(db.Image, "postgis") {
		t.Errorf("db image %q is not PostGIS", db.Image)
	}
	if db.HealthCheck == nil || app.HealthCheck == nil {
		t.Error("both services need a health check")
	}
	if dep, ok := app.DependsOn["db"]; !ok || dep.Condition != "service_healthy" {
		t.Errorf("app must wait for a healthy db, depends_on = %+v", app.DependsOn)
	}
	// The password travels as PGPASSWORD, outside the URL, so @ / : # ? %
	// cannot break the DSN; the DSN must pass serve's own validation.
	dsn := app.Environment["INCIDENTMAP_DB"]
	if dsn == nil || strings.Contains(*dsn, "@") || !strings.HasPrefix(*dsn, "postgres://db:5432/") {
		t.Errorf("INCIDENTMAP_DB = %v, want a postgres DSN without credentials", dsn)
	} else {
		cfg := DefaultConfig()
		cfg.DB = *dsn
		if err := cfg.Validate(); err != nil {
			t.Errorf("INCIDENTMAP_DB does not validate: %v", err)
		}
	}
	if pw := app.Environment["PGPASSWORD"]; pw == nil || *pw != password {
		t.Errorf("PGPASSWORD = %v, want the password unchanged", pw)
	}
	if pw := db.Environment["POSTGRES_PASSWORD"]; pw == nil || *pw != password {
		t.Errorf("POSTGRES_PASSWORD = %v", pw)
	}
	if app.Build == nil {
		t.Error("app must build from the Dockerfile")
	}
	if hc := strings.Join(app.HealthCheck.Test, " "); !strings.Contains(hc, "incidentmap healthcheck") {
		t.Errorf("app health check %q", hc)
	}
	if _, err := p.GetService("db-replica"); err == nil {
		t.Error("the replica runs without --profile replica")
	}
	for _, v := range db.Volumes {
		if v.Type == types.VolumeTypeBind {
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("db mounts %s: %v", v.Source, err)
			}
		}
	}
}

func TestComposePasswordRequired(t *testing.T) {
	for _, env := range [][]string{nil, {"POSTGRES_PASSWORD="}} {
		if _, err := loadCompose(t, env); err == nil || !strings.Contains(err.Error(), "POSTGRES_PASSWORD") {
			t.Errorf("env %q: loaded with no password (%v)", env, err)
		}
	}
}

func TestComposeReplicaProfile(t *testing.T) {
	p, err := loadCompose(t, []string{"POSTGRES_PASSWORD=s3cret"}, "replica")
	if err != nil {
		t.Fatalf("docker-compose.yml with --profile replica does not load: %v", err)
	}
	replica, err := p.GetService("db-replica")
	if err != nil {
		t.Fatal(err)
	}
	app, err := p.GetService("app-replica")
	if err != nil {
		t.Fatal(err)
	}
	readDB := app.Environment["INCIDENTMAP_READ_DB"]
	if readDB == nil || !strings.HasPrefix(*readDB, "postgres://db-replica:5432/") {
		t.Errorf("INCIDENTMAP_READ_DB = %v", readDB)
	}
	cfg := DefaultConfig()
	cfg.DB, cfg.ReadDB = *app.Environment["INCIDENTMAP_DB"], *readDB
	if err := cfg.Validate(); err != nil {
		t.Errorf("the replica app's configuration does not validate: %v", err)
	}
	if dep, ok := app.DependsOn["db-replica"]; !ok || dep.Condition != "service_healthy" {
		t.Errorf("app-replica must wait for a healthy replica: %+v", app.DependsOn)
	}
	if replica.HealthCheck == nil {
		t.Error("the replica needs a health check")
	}
	for _, v := range replica.Volumes {
		if v.Type == types.VolumeTypeBind {
			b, err := os.ReadFile(v.Source)
			if err != nil {
				t.Fatalf("replica mounts %s: %v", v.Source, err)
			}
			if !strings.Contains(string(b), "pg_basebackup") {
				t.Errorf("%s does not clone the primary", v.Source)
			}
		}
	}
}

// TestDockerfile checks what can be checked without a Docker engine: a
// multi-stage build whose front end is built inside the image with its own
// npm ci, every COPY source exists, and .dockerignore keeps the host's
// node_modules and build output out of the context.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	stages := regexp.MustCompile(`(?m)^FROM \S+(?: AS (\w+))?`).FindAllStringSubmatch(df, -1)
	if len(stages) < 3 || stages[0][1] != "web" || stages[1][1] != "build" {
		t.Fatalf("stages %q, want web, build and a runtime", stages)
	}
	web := df[strings.Index(df, "AS web"):strings.Index(df, "AS build")]
	for _, want := range []string{"npm ci", "npm run build"} {
		if !strings.Contains(web, want) {
			t.Errorf("the web stage does not run %s", want)
		}
	}
	if !strings.Contains(df, "COPY --from=web /src/web/dist ./web/dist") {
		t.Error("the Go build does not embed the image's own front end")
	}
	for _, m := range regexp.MustCompile(`(?m)^COPY ([^-\s]\S*)`).FindAllStringSubmatch(df, -1) {
		if m[1] == "." {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", "..", m[1])); err != nil {
			t.Errorf("COPY %s: %v", m[1], err)
		}
	}
	ignore, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**/node_modules", "web/dist/*", ".git", "*.db"} {
		if !strings.Contains(string(ignore), want+"\n") {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}
