package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// No Docker engine runs here, so the compose file is loaded and validated
// with the compose specification's own Go loader instead of being started.
func TestComposeFile(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{filepath.Join("..", "..", "docker-compose.yml")},
		cli.WithEnv([]string{"POSTGRES_PASSWORD=s3cret"}), cli.WithName("incidentmap"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
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
	dsn := app.Environment["INCIDENTMAP_DB"]
	if dsn == nil || !strings.HasPrefix(*dsn, "postgres://incidentmap:s3cret@db:5432/") {
		t.Errorf("INCIDENTMAP_DB = %v, want a postgres DSN built from POSTGRES_PASSWORD", dsn)
	}
	if app.Build == nil {
		t.Error("app must build from the Dockerfile")
	}
	// The app's health check uses the binary's own subcommand.
	if hc := strings.Join(app.HealthCheck.Test, " "); !strings.Contains(hc, "incidentmap healthcheck") {
		t.Errorf("app health check %q", hc)
	}
}
