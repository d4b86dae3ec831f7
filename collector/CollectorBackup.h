#pragma once
#include <filesystem>
#include <ostream>
#include <string>

#include "collector/CollectorHome.h"

namespace mamori::collector {

// A collector's state as one directory to carry away, and back. Copying store.db while the
// collector runs is unsafe (in WAL mode the newest pages are in store.db-wal), so the store is
// copied through SQLite's online backup at one moment while agents go on uploading. The keys
// and configuration go sealed under a passphrase (SealedArchive): losing ca.key means enrolling
// every terminal again, losing policy.key means reinstalling every agent's pinned policy key,
// and a copy of either in clear is a copy of the service's identity. A PostgreSQL store is
// backed up with pg_dump; the backup says how, and carries the keys.
//   DIR/store.db       the SQLite store (absent for PostgreSQL, with POSTGRESQL.txt instead)
//   DIR/keys.sealed    CA, server and policy keys, admin token, collector.conf, mamorictl.conf
//   DIR/MANIFEST       what is there and its SHA-256, written last: no MANIFEST, no backup
class CollectorBackup {
public:
    static void backup(const CollectorHome& home, const std::filesystem::path& to, const std::string& passphrase,
                       std::ostream& progress);
    // Into a directory that holds no collector; its files point at the new place.
    static void restore(const std::filesystem::path& from, const std::filesystem::path& dir,
                        const std::string& passphrase, std::ostream& progress);

    // The passphrase: the first line of `file`, or asked for on the terminal (twice when
    // `confirm`). Refuses one shorter than 12 bytes when `confirm` (a new backup).
    static std::string passphrase(const std::string& file, bool confirm);
};

}  // namespace mamori::collector
