package main

// FerretDB 1.24's SQLite backend pushes a `{_id: <string|ObjectId>}` filter down to SQL as
// `_ferretdb_sjson->'$._id' = ?`, but creates the unique _id index on `_ferretdb_sjson->"_id"`. SQLite
// only uses an expression index for the same expression, so every lookup by _id reads the whole
// table (about 0.6 s at 100k documents). The PostgreSQL backend has the same mismatch, reported as
// FerretDB/FerretDB#4646 with a hand-made index as the workaround. The keeper below is that workaround
// for SQLite: it gives every collection table an index on the exact expression the queries use, so
// lookups, updates and deletes by _id take about 2 ms at 100k documents, as they would on MongoDB.
//
// FerretDB does not know about these indexes (they are not in its catalogue and not listed by
// listIndexes); SQLite keeps them up to date and drops them with their table.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"
)

const idIndexSuffix = "__id_path"

// keepIDIndexes adds missing _id expression indexes now and then every interval until ctx ends.
func keepIDIndexes(ctx context.Context, dir string, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		ensureIDIndexes(dir, logger)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func ensureIDIndexes(dir string, logger *slog.Logger) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return
	}
	for _, file := range files {
		if err := ensureIDIndexesIn(file); err != nil {
			// A database dropped between the listing and the open is expected; anything else is worth a line.
			if _, statErr := os.Stat(file); statErr == nil {
				logger.Warn("could not add _id index", "file", file, "error", err)
			}
		}
	}
}

func ensureIDIndexesIn(file string) error {
	// mode=rw: never create a database FerretDB has just dropped.
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	rows, err := db.Query(`
		SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (
			SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || ?
		) AND EXISTS (SELECT 1 FROM sqlite_master t WHERE t.type = 'table' AND t.name = c.table_name)`,
		idIndexSuffix)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // a database FerretDB is still creating
		}
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+idIndexSuffix, table)
		if _, err := db.Exec(q); err != nil && !strings.Contains(err.Error(), "no such table") {
			return err
		}
	}
	return nil
}

// sqliteDir turns FerretDB's SQLite URI ("file:data/") into a directory path.
func sqliteDir(uri string) string {
	parsed, err := url.Parse(uri)
	if err != nil {
		return strings.TrimPrefix(uri, "file:")
	}
	if parsed.Opaque != "" {
		return parsed.Opaque
	}
	return parsed.Path
}
