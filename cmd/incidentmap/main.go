// Command incidentmap serves the incident map: `serve` runs the HTTP API and
// map on a store chosen by DSN (with --read-db, heavy reads on a PostgreSQL
// streaming replica), `migrate` brings a database's schema up to date,
// `import` loads files of our own and other data sets' formats, `export`
// writes incidents out as files, `keys` manages API keys, and `backup` and
// `restore` save and put back a database. This is the only package that reads
// flags and the environment, opens databases and handles signals.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/incidentmap/incidentmap"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "incidentmap:", describe(err))
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `incidentmap: a geospatial incident map service.

Usage:
  incidentmap serve   [flags]          run the API and map (http://localhost:8080)
  incidentmap migrate [flags]          apply database migrations and exit
  incidentmap import  [flags] FILE...  import GeoJSON, CSV, UCDP, GDELT, ACLED or GTD files
                                       (each all or nothing; re-importing changes nothing)
  incidentmap export  [flags]          write incidents as GeoJSON, GeoJSON text sequences,
                                       CSV or GeoPackage
  incidentmap backup  [--db DSN] FILE  write a consistent backup of the database while it serves
  incidentmap restore [--db DSN] FILE  replace the database's contents with a backup (server stopped)
  incidentmap geocode [--country AFG] [--near lon,lat] NAME
                                       print the gazetteer's candidates for a place name
  incidentmap extract [--published YYYY-MM-DD] ARTICLE
                                       print draft incidents found in a news article (GeoJSON)
  incidentmap eval    [--gold DIR] [--articles DIR] [--misses]
                                       measure geocoding (news gold sets, Acc@161km, AUC),
                                       toponym recognition and the extractor
  incidentmap healthcheck [--url URL]  exit 0 when URL (default the local /readyz) answers 200
  incidentmap keys create --name NAME --role reader|editor|admin
  incidentmap keys list
  incidentmap keys revoke ID           manage the API keys of writes and private reads

Run 'incidentmap COMMAND -h' for a command's flags. Every flag can also be set
by an environment variable: --db is INCIDENTMAP_DB, --addr is INCIDENTMAP_ADDR, …
`

// run executes one command line; it is main without the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve", "migrate", "backup", "restore":
	case "import":
		return importCommand(ctx, args, getenv, stdout, stderr)
	case "export":
		return exportCommand(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return helpIsNotAnError(healthcheck(ctx, args, stderr))
	case "geocode":
		return helpIsNotAnError(geocodeCommand(args, stdout, stderr))
	case "extract":
		return helpIsNotAnError(extractCommand(args, stdout, stderr, time.Now))
	case "eval":
		return helpIsNotAnError(evalCommand(args, stdout, stderr))
	case "keys":
		return helpIsNotAnError(keysCommand(ctx, args, getenv, stdout, stderr))
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "incidentmap: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
	cfg, rest, err := parseConfig(cmd, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	switch cmd {
	case "serve":
		if len(rest) > 0 {
			return fmt.Errorf("serve takes no arguments, got %q", rest)
		}
		return serve(ctx, cfg, stderr)
	case "backup", "restore":
		if len(rest) != 1 {
			return fmt.Errorf("%s needs exactly one FILE", cmd)
		}
		if cmd == "backup" {
			return backupCommand(ctx, cfg, rest[0], stdout)
		}
		return restoreCommand(ctx, cfg, rest[0], stdout)
	default:
		return migrate(ctx, cfg, stdout)
	}
}

// helpIsNotAnError turns the flag package's answer to -h, which has
// printed the usage, into success.
func helpIsNotAnError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// describe returns the text shown for a failed command: the message of a
// domain error, or the whole chain of any other.
func describe(err error) string {
	var e *incidentmap.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// healthcheck probes a URL for container health checks, where no curl exists.
func healthcheck(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "URL that must answer 200")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	return nil
}
