// Command ferretdb runs FerretDB 1.24.2 (SQLite backend) through its embeddable
// package. We wrap it rather than build cmd/ferretdb because a build of that
// command outside FerretDB's own repository panics on a missing version.txt.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI; must end with /")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	idIndexEvery := flag.Duration("id-index-interval", 100*time.Millisecond,
		"how often to give new collections the _id index FerretDB's own queries can use (0: never)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		logger.Error("ferretdb failed to start", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *idIndexEvery > 0 {
		go keepIDIndexes(ctx, sqliteDir(*sqliteURL), *idIndexEvery, logger)
	}
	if err := server.Run(ctx); err != nil && ctx.Err() == nil {
		logger.Error("ferretdb stopped", "error", err)
		os.Exit(1)
	}
}
