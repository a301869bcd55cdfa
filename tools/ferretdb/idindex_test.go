package main

import (
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// A database laid out as FerretDB 1.24 lays it out: its catalogue and one collection table with the
// unique _id index FerretDB creates (on an expression its own queries never use).
func ferretLikeDatabase(t *testing.T, dir string) string {
	t.Helper()
	file := filepath.Join(dir, "app.sqlite")
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE "_ferretdb_collections" (name TEXT NOT NULL UNIQUE, table_name TEXT NOT NULL UNIQUE, settings TEXT NOT NULL) STRICT`,
		`CREATE TABLE "conversations_1a2b3c4d" (_ferretdb_sjson TEXT NOT NULL) STRICT`,
		`CREATE UNIQUE INDEX "conversations_1a2b3c4d__id_" ON "conversations_1a2b3c4d" (_ferretdb_sjson->"_id")`,
		`INSERT INTO "_ferretdb_collections" VALUES ('conversations', 'conversations_1a2b3c4d', '{}')`,
		`INSERT INTO "conversations_1a2b3c4d" VALUES ('{"_id":"a","status":"waiting"}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

// The plan SQLite picks for the statement FerretDB sends for find/update/delete by _id.
func planForIDLookup(t *testing.T, file string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "conversations_1a2b3c4d" WHERE _ferretdb_sjson->'$._id' = ?`, `"a"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

func TestLookupsByIDReadTheWholeTableWithoutTheKeeper(t *testing.T) {
	file := ferretLikeDatabase(t, t.TempDir())
	if plan := planForIDLookup(t, file); !strings.HasPrefix(plan, "SCAN") {
		t.Fatalf("expected FerretDB's own index to go unused, got plan %q", plan)
	}
}

func TestTheKeeperMakesLookupsByIDUseAnIndex(t *testing.T) {
	dir := t.TempDir()
	file := ferretLikeDatabase(t, dir)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ensureIDIndexes(dir, logger)
	ensureIDIndexes(dir, logger) // a second pass finds nothing to do and does no harm

	plan := planForIDLookup(t, file)
	if !strings.Contains(plan, "USING INDEX conversations_1a2b3c4d"+idIndexSuffix) {
		t.Fatalf("expected the lookup to use the keeper's index, got plan %q", plan)
	}
}

func TestTheKeeperLeavesDroppedCollectionsAlone(t *testing.T) {
	dir := t.TempDir()
	file := ferretLikeDatabase(t, dir)
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	// The catalogue row outlives the table for a moment while FerretDB drops a collection.
	if _, err := db.Exec(`DROP TABLE "conversations_1a2b3c4d"`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := ensureIDIndexesIn(file); err != nil {
		t.Fatalf("a dropped table must not be an error: %v", err)
	}
}

func TestSQLiteDirectoryFromFerretDBURI(t *testing.T) {
	for uri, want := range map[string]string{
		"file:data/":          "data/",
		"file:/var/lib/fdb/":  "/var/lib/fdb/",
		"file:///tmp/fdb/":    "/tmp/fdb/",
		"file:data/?mode=rwc": "data/",
	} {
		if got := sqliteDir(uri); got != want {
			t.Errorf("sqliteDir(%q) = %q, want %q", uri, got, want)
		}
	}
}
