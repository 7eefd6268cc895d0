package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/incidentmap/incidentmap"
)

const keysUsage = `Usage:
  incidentmap keys create --name NAME --role reader|editor|admin [--db DSN]
  incidentmap keys list [--db DSN]
  incidentmap keys revoke [--db DSN] ID

Keys are sent as Authorization: Bearer <token>. The token is printed once, by
create; the database keeps only its SHA-256. Roles: a reader reads drafts,
histories and the change feed; an editor also creates, changes, publishes,
retracts, deletes and imports incidents; an admin may do everything.
`

// keysCommand runs `incidentmap keys create|list|revoke`.
func keysCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, keysUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, args := args[0], args[1:]
	var name, role string
	cfg, rest, err := parseConfigWith("keys "+sub, args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.Usage = func() { fmt.Fprint(fs.Output(), keysUsage, "\nFlags:\n"); fs.PrintDefaults() }
		if sub == "create" {
			fs.StringVar(&name, "name", "", "who holds the key, e.g. alice")
			fs.StringVar(&role, "role", "", "reader, editor or admin")
		}
	})
	if err != nil {
		return err
	}
	switch sub {
	case "create", "list":
		if len(rest) > 0 {
			return fmt.Errorf("keys %s takes no arguments, got %q", sub, rest)
		}
	case "revoke":
		if len(rest) != 1 {
			return errors.New("keys revoke takes one key ID (see keys list)")
		}
	default:
		fmt.Fprintf(stderr, "incidentmap: unknown keys command %q\n\n%s", sub, keysUsage)
		return errUsage
	}
	s, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, ok := s.(incidentmap.KeyStore)
	if !ok {
		return errors.New("this store keeps no API keys")
	}
	switch sub {
	case "create":
		r, err := incidentmap.ParseRole(role)
		if err != nil {
			return err
		}
		k, token, err := incidentmap.NewAPIKey(name, r)
		if err != nil {
			return err
		}
		if err := keys.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created key %s for %s (%s); the token below is shown only now:\n", k.ID, k.Name, k.Role)
		fmt.Fprintln(stdout, token)
		return nil
	case "list":
		all, err := keys.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tREVOKED")
		for _, k := range all {
			revoked := "-"
			if !k.RevokedAt.IsZero() {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		return w.Flush()
	default:
		if err := keys.RevokeAPIKey(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked key %s\n", rest[0])
		return nil
	}
}
