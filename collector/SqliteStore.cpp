#include "collector/SqliteStore.h"

#include "collector/AdminRole.h"

#include <boost/json.hpp>
#include <filesystem>
#include <stdexcept>

#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::collector {
namespace {

using P = SqlParam;

// 'mamo': tells a mamori database from any other SQLite file someone points us at.
constexpr int64_t kApplicationId = 0x6D616D6F;

// kMigrations[v] takes the schema from version v to v + 1. Never edit a released step:
// add the next one and raise SqliteStore::kSchemaVersion.
//
// Tables are STRICT so a wrongly typed bind fails loudly instead of being stored as text.
// events and daily_compliance are WITHOUT ROWID: their primary key is how every row is found,
// so the table is that one B-tree and each insert touches it once instead of twice.
// There are no foreign keys on events: ingest checks the terminal once per batch, and an
// enforced key would cost a lookup per event.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE terminals (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  group_name TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  public_key BLOB NOT NULL,
  enrolled_unix INTEGER NOT NULL,
  last_seen_unix INTEGER NOT NULL,
  head_seq INTEGER NOT NULL,
  head_hash BLOB NOT NULL,
  applied_policy_version INTEGER NOT NULL,
  clock_skew_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE enroll_tokens (
  token_hash TEXT PRIMARY KEY,
  group_name TEXT NOT NULL,
  expires_unix INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  used_unix INTEGER
) STRICT;

CREATE TABLE events (
  terminal_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  utc_ns INTEGER NOT NULL,
  local_date TEXT NOT NULL,
  type INTEGER NOT NULL,
  control INTEGER NOT NULL,
  violation INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  body BLOB NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  signature BLOB NOT NULL,
  PRIMARY KEY (terminal_id, seq)
) STRICT, WITHOUT ROWID;

-- Date first: the daily report reads all rows of one date as a single index range.
CREATE TABLE daily_compliance (
  date TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  control INTEGER NOT NULL,
  events INTEGER NOT NULL,
  violations INTEGER NOT NULL,
  exempted INTEGER NOT NULL,
  first_violation_ns INTEGER NOT NULL,  -- 0: no violation that day
  last_event_ns INTEGER NOT NULL,
  PRIMARY KEY (date, terminal_id, control)
) STRICT, WITHOUT ROWID;

-- The unique key makes recording idempotent: a batch replayed after a lost acknowledgement
-- must not count the same gap twice.
CREATE TABLE evidence_issues (
  id INTEGER PRIMARY KEY,
  terminal_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  detail TEXT NOT NULL,
  local_date TEXT NOT NULL,
  recorded_unix INTEGER NOT NULL,
  UNIQUE (terminal_id, kind, first_seq, last_seq)
) STRICT;

-- AUTOINCREMENT: a version is never handed out twice, even after the newest row is deleted,
-- so an agent never mistakes a different policy for one it already applied.
CREATE TABLE policies (
  version INTEGER PRIMARY KEY AUTOINCREMENT,
  group_name TEXT NOT NULL,
  name TEXT NOT NULL,
  policy BLOB NOT NULL,
  created_unix INTEGER NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE INDEX policies_by_group ON policies (group_name, version);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE admin_users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  sections TEXT NOT NULL,  -- JSON array of section names
  token_hash TEXT NOT NULL UNIQUE
) STRICT;
)sql",
    // 2: exceptions (例外措置) and the access log. Their versions are drawn from the policies' AUTOINCREMENT counter
    // (see nextPolicyVersion), so there is one version sequence for both.
    R"sql(
CREATE TABLE exceptions (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL UNIQUE,
  terminal_id TEXT NOT NULL,  -- '' when scoped to a group
  group_name TEXT NOT NULL,   -- '' when scoped to a terminal
  expires_unix INTEGER NOT NULL,
  created_unix INTEGER NOT NULL,
  exception BLOB NOT NULL
) STRICT;
CREATE INDEX exceptions_by_expiry ON exceptions (expires_unix);

-- Who read which terminal's evidence, in the order it happened.
CREATE TABLE access_log (
  id INTEGER PRIMARY KEY,
  at_unix INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  role TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  action TEXT NOT NULL
) STRICT;
CREATE INDEX access_log_by_time ON access_log (at_unix);
)sql",
    // 3: the version re-issued to a terminal that moved to another group (TerminalRecord).
    R"sql(
ALTER TABLE terminals ADD COLUMN policy_reissue_version INTEGER NOT NULL DEFAULT 0;
)sql",
    // 4: the compliance views read a day's violations straight from an index of just them (a
    // day of a 10,000-terminal fleet is some 40,000 rows, a few hundred of them violations).
    R"sql(
CREATE INDEX daily_compliance_flagged ON daily_compliance (date) WHERE violations > 0 OR exempted > 0;
)sql",
    // 5: the collector's clock as the evidence clock, and tampering kept standing until resolved.
    // Events stored before this step have no recorded arrival: their own time is the best there is.
    R"sql(
ALTER TABLE terminals ADD COLUMN clock_wrong INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN tampering_since_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN tampering_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN arrival_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN filed_by_arrival INTEGER NOT NULL DEFAULT 0;
UPDATE events SET arrival_unix = utc_ns / 1000000000;
)sql",
    // 6: standing conditions (StandingCondition): violating from `since` until cleared, so a day
    // without new events still shows them. At most one open per terminal and key. And a terminal
    // whose last word was AGENT_STOPPING is off, not silent.
    R"sql(
CREATE TABLE conditions (
  id INTEGER PRIMARY KEY,
  terminal_id TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  control INTEGER NOT NULL,
  reason TEXT NOT NULL,
  since_unix INTEGER NOT NULL,
  since_date TEXT NOT NULL,
  cleared_unix INTEGER NOT NULL DEFAULT 0,  -- 0: still open
  cleared_date TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE UNIQUE INDEX conditions_open ON conditions (terminal_id, condition_key) WHERE cleared_unix = 0;
CREATE INDEX conditions_cleared ON conditions (cleared_date) WHERE cleared_unix <> 0;
ALTER TABLE terminals ADD COLUMN off_since_unix INTEGER NOT NULL DEFAULT 0;
-- Every day's view asks for the suspected few; suspicions are rare, so the index costs nothing.
CREATE INDEX terminals_tampering ON terminals (id) WHERE tampering_since_unix <> 0;

-- The days of each month a terminal filed events on (bit d-1: day d): the monthly review reads
-- one row per terminal instead of every compliance row of the month.
CREATE TABLE reporting_days (
  terminal_id TEXT NOT NULL,
  month TEXT NOT NULL,
  days INTEGER NOT NULL,
  PRIMARY KEY (terminal_id, month)
) STRICT, WITHOUT ROWID;
INSERT INTO reporting_days (terminal_id, month, days)  -- distinct powers of two sum to their OR
  SELECT terminal_id, substr(date, 1, 7), sum(DISTINCT 1 << (CAST(substr(date, 9, 2) AS INTEGER) - 1))
  FROM daily_compliance WHERE events > 0 GROUP BY terminal_id, substr(date, 1, 7);
)sql",
    // 7: roles as the security organisation has them (AdminRole): administrators become
    // security_admin and officers section_manager; rights the CISO grants; disabled accounts.
    // Exceptions through their life (requested, active, revoked) with every change kept.
    R"sql(
ALTER TABLE admin_users ADD COLUMN rights TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_users ADD COLUMN disabled_unix INTEGER NOT NULL DEFAULT 0;
UPDATE admin_users SET role = 'security_admin' WHERE role = 'admin';
UPDATE admin_users SET role = 'section_manager' WHERE role = 'officer';
-- Exceptions granted before this step were approved when granted.
ALTER TABLE exceptions ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE exceptions ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN ended_unix INTEGER NOT NULL DEFAULT 0;
CREATE TABLE exception_history (
  id INTEGER PRIMARY KEY,
  exception_id TEXT NOT NULL,
  at_unix INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  note TEXT NOT NULL
) STRICT;
CREATE INDEX exception_history_by_exception ON exception_history (exception_id, id);
)sql",
    // 8: the terminal's lifecycle. Its TLS certificate is renewed apart from the key that signs its
    // events (TerminalRecord): until now one certificate did both. A renewed certificate waits as
    // pending until the terminal presents it. Decommissioned terminals, and revoked enrollment
    // tokens (a revoked one is also `used`, so that nothing can consume it).
    R"sql(
ALTER TABLE terminals ADD COLUMN tls_certificate_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN tls_public_key BLOB NOT NULL DEFAULT x'';
ALTER TABLE terminals ADD COLUMN pending_certificate_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN pending_public_key BLOB NOT NULL DEFAULT x'';
ALTER TABLE terminals ADD COLUMN certificate_renewed_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN decommissioned_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN decommissioned_by TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN decommission_reason TEXT NOT NULL DEFAULT '';
UPDATE terminals SET tls_certificate_pem = certificate_pem, tls_public_key = public_key;
ALTER TABLE enroll_tokens ADD COLUMN revoked_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enroll_tokens ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
)sql",
    // 9: the media ledger (媒体管理台帳, MediaStore): registered sticks through their life, the
    // terminals an entry is limited to, and every change. Versions from the policies' counter.
    R"sql(
CREATE TABLE media (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL UNIQUE,
  device TEXT NOT NULL,
  description TEXT NOT NULL,
  owner_section TEXT NOT NULL,
  purpose TEXT NOT NULL,
  access TEXT NOT NULL,
  encrypted INTEGER NOT NULL,
  until_date TEXT NOT NULL,
  expires_unix INTEGER NOT NULL,
  state TEXT NOT NULL,
  source_event TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_unix INTEGER NOT NULL,
  approved_by TEXT NOT NULL,
  approved_unix INTEGER NOT NULL,
  retire_requested_by TEXT NOT NULL,
  retire_requested_unix INTEGER NOT NULL,
  erased_by TEXT NOT NULL,
  erase_method TEXT NOT NULL,
  retire_reason TEXT NOT NULL,
  ended_by TEXT NOT NULL,
  ended_unix INTEGER NOT NULL
) STRICT;
-- One stick, one live ledger line: the database refuses a second, even from another collector.
CREATE UNIQUE INDEX media_live_device ON media (device) WHERE state IN ('requested', 'active', 'retiring');
CREATE INDEX media_by_section ON media (owner_section);
-- The terminals an entry is limited to; none: every terminal of its owner section.
CREATE TABLE media_terminals (
  media_id TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  PRIMARY KEY (media_id, terminal_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX media_terminals_by_terminal ON media_terminals (terminal_id);
CREATE TABLE media_history (
  id INTEGER PRIMARY KEY,
  media_id TEXT NOT NULL,
  at_unix INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  note TEXT NOT NULL
) STRICT;
CREATE INDEX media_history_by_media ON media_history (media_id, id);
)sql",
    // 10: the console (ConsoleStore): accounts' passwords and failed attempts, and signed-in
    // browsers, kept here so that collectors sharing a database share them.
    R"sql(
CREATE TABLE console_logins (
  user_name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  failed INTEGER NOT NULL,
  locked_until_unix INTEGER NOT NULL,
  changed_unix INTEGER NOT NULL
) STRICT;
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  last_unix INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_by_user ON console_sessions (user_name);
)sql",
};
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);


}  // namespace

SqliteStore::SqliteStore(const std::string& path) : SqlStore(static_cast<SqlBackend&>(*this)) {
    write_ = std::make_unique<common::SqliteDb>(path, common::SqliteDb::Access::ReadWrite, 0600);
    writer_ = std::make_unique<SqliteConnection>(*write_);
    // Wait for another process (mamorictl) holding the write lock rather than failing at once.
    write_->exec("PRAGMA busy_timeout = 10000");
    // Before anything below changes the file (WAL mode is stored in it).
    checkedSchemaVersion();
    // Only takes effect while the file is still empty. Larger pages mean fewer WAL frames and
    // write calls per ingested batch (measured: about 20% more events per second than 4 KiB).
    write_->exec("PRAGMA page_size = 16384");
    {
        auto s = write_->prepare("PRAGMA journal_mode = WAL");
        if (!s.step() || s.columnText(0) != "wal")
            throw std::runtime_error(
                "cannot use write-ahead logging for " + path +
                "; put the database on a local file system (not NFS or SMB)\n" + path +
                " で先行書き込みログ (WAL) を使えません。データベースはローカルのファイルシステム"
                "（NFS や SMB ではない場所）に置いてください。");
    }
    // NORMAL alone may lose the last commits on power loss; waitDurable() closes that gap
    // (see SqliteStore.h). In WAL mode NORMAL still syncs the WAL header on restart and the WAL
    // and database around every checkpoint, so what waitDurable() adds is exactly the per-commit
    // WAL sync that FULL does.
    write_->exec("PRAGMA synchronous = NORMAL");
    write_->exec("PRAGMA cache_size = -16384");  // 16 MiB: keeps the hot B-tree pages of ingest
    checkpointer_ = std::make_unique<WalCheckpointer>(path);
    checkpointer_->watch(*write_);
    wal_ = std::make_unique<common::DurableFile>(path + "-wal");
    write([&](SqlConnection&) { migrate(); });
    // After migrate(): never touch the mode of a file that turned out not to be ours. Evidence
    // and credentials live in this file: nobody but the collector's user may read it. SQLite
    // creates -wal and -shm with the database's mode, so fixing all three is enough.
    for (const char* suffix : {"", "-wal", "-shm"})
        if (common::Files::restrictToOwner(path + suffix))
            Log::warn("restricted " + path + suffix + " to its owner (it was readable by other users)");

    read_ = std::make_unique<common::SqliteDb>(path, common::SqliteDb::Access::ReadOnly);
    reader_ = std::make_unique<SqliteConnection>(*read_);
    read_->exec("PRAGMA busy_timeout = 10000");
    // Not memory-mapped: in WAL mode SQLite drops a reader's whole mapping whenever another
    // connection has committed since its last read, and at fleet scale every sync commits, so
    // each lookup unmapped the file and faulted it in again (measured: 14 % of the collector's CPU
    // under sync_bench; the admin views, which the mapping was for, are within 10 % without it).
    read_->exec("PRAGMA cache_size = -32768");
}

const SqlDialect& SqliteStore::dialect() const {
    static const SqlDialect sqlite{
        "max", "min", "",
        // The policies' AUTOINCREMENT counter, so the next policy pushed gets a higher version.
        "UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(version), 0) FROM policies)) + 1 "
        "WHERE name = 'policies' RETURNING seq",
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'policies'), 0), "
        "(SELECT coalesce(max(version), 0) FROM exceptions), (SELECT coalesce(max(version), 0) FROM media))",
        // Ids of evidence issues and the access log are rowids: they continue after the largest.
        "UPDATE sqlite_sequence SET seq = max(seq, ?1, (SELECT coalesce(max(version), 0) FROM policies), "
        "(SELECT coalesce(max(version), 0) FROM exceptions), (SELECT coalesce(max(version), 0) FROM media), "
        "(SELECT coalesce(max(policy_reissue_version), 0) FROM terminals)) WHERE name = 'policies'",
        // A section manager's sections are a JSON array in their row.
        "SELECT s.value FROM admin_users u, json_each(u.sections) s",
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"};
    return sqlite;
}

void SqliteStore::read(const Work& work) {
    std::lock_guard lock(read_mutex_);
    work(*reader_);
}

void SqliteStore::write(const Work& work) {
    writeDurableWhen([&](SqlConnection& c) {
        work(c);
        return true;
    });
}

void SqliteStore::writeDurableWhen(const DurableWhen& work) {
    if (failed_) throw std::runtime_error(diskFailureMessage());
    uint64_t commit = 0;
    bool durable = false;
    {
        std::lock_guard lock(write_mutex_);
        // Work that throws committed nothing (rolled back): nothing to wait for.
        durable = work(*writer_);
        commit = ++commits_;  // counted either way, so that the next fsync is known to cover it
    }
    if (durable) waitDurable(commit);
}

std::string SqliteStore::diskFailureMessage() const {
    return "an earlier write to " + write_->path() +
           " failed to reach the disk; check the disk and restart the collector\n" + write_->path() +
           " への書き込みがディスクに保存できませんでした。ディスクを確認し、コレクターを再起動してください。";
}

void SqliteStore::waitDurable(uint64_t commit) {
    std::lock_guard lock(sync_mutex_);
    if (failed_) throw std::runtime_error(diskFailureMessage());
    if (synced_ >= commit) return;  // an fsync that started after this commit has finished
    // Every commit counted so far has its frames in the WAL file, so this fsync covers them all.
    const uint64_t target = commits_.load();
    try {
        wal_->syncData();
    } catch (const std::exception& e) {
        // After a failed fsync Linux may drop the dirty pages and report the next fsync as
        // clean: retrying could acknowledge evidence that is not on disk. Refuse every write
        // from now on; agents keep their events until someone has looked at the disk.
        failed_ = true;
        throw std::runtime_error(std::string(e.what()) + " (the write-ahead log of " + write_->path() + ")");
    }
    synced_ = target;
}

int64_t SqliteStore::checkedSchemaVersion() {
    int64_t version = 0, app_id = 0, objects = 0;
    {
        auto s = write_->prepare("PRAGMA user_version");
        if (s.step()) version = s.columnInt(0);
    }
    {
        auto s = write_->prepare("PRAGMA application_id");
        if (s.step()) app_id = s.columnInt(0);
    }
    {
        auto s = write_->prepare("SELECT count(*) FROM sqlite_schema");
        if (s.step()) objects = s.columnInt(0);
    }
    const std::string& path = write_->path();
    if (version > kSchemaVersion)
        throw std::runtime_error(
            path + " has schema version " + std::to_string(version) + ", newer than this collector (" +
            std::to_string(kSchemaVersion) + "); run the newer collector or restore a backup\n" + path +
            " のスキーマ版 " + std::to_string(version) + " はこのコレクター（" + std::to_string(kSchemaVersion) +
            "）より新しいものです。新しいコレクターを使うか、バックアップから戻してください。");
    const bool fresh = version == 0 && app_id == 0 && objects == 0;
    if (!fresh && app_id != kApplicationId)
        throw std::runtime_error(path + " is not a mamori collector database; give a new or a mamori file\n" +
                                 path + " は mamori コレクターのデータベースではありません。"
                                        "新しいファイルか mamori のファイルを指定してください。");
    return version;
}

void SqliteStore::migrate() {
    write_->transaction([&] {
        // Read again under the write lock: another process may have migrated meanwhile.
        const int64_t version = checkedSchemaVersion();
        for (int64_t v = version; v < kSchemaVersion; ++v) write_->exec(kMigrations[v]);
        if (version != kSchemaVersion) {
            write_->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
            write_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
        }
        // The policy version counter is the policies' AUTOINCREMENT row, which SQLite only
        // creates with the first policy: the dialect's statements take it as given.
        write_->exec("INSERT INTO sqlite_sequence (name, seq) SELECT 'policies', 0 "
                     "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'policies')");
    });
}

namespace {

std::string sectionsJson(const std::vector<std::string>& names) {
    boost::json::array sections;
    for (const auto& s : names) sections.emplace_back(s);
    return boost::json::serialize(sections);
}

}  // namespace

bool SqliteStore::insertAdminUser(SqlConnection& c, const AdminUser& u) {
    return c.run("INSERT INTO admin_users (name, role, sections, token_hash, rights, disabled_unix) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                 {P::text(u.name), P::text(u.role), P::text(sectionsJson(u.sections)), P::text(u.token_hash),
                  P::text(AdminRole::joinRights(u.rights)), P::integer(u.disabled_unix)}) != 0;
}

std::vector<AdminUser> SqliteStore::selectAdminUsers(SqlConnection& c, const std::string& where,
                                                     const std::vector<SqlParam>& params) {
    std::vector<AdminUser> users;
    c.run("SELECT name, role, sections, token_hash, rights, disabled_unix FROM admin_users" +
              (where.empty() ? "" : " WHERE " + where) + " ORDER BY name",
          params, [&](const SqlRow& r) {
              AdminUser u{r.text(0), r.text(1), {}, r.text(3), AdminRole::splitRights(r.text(4)), r.integer(5)};
              const boost::json::value parsed = boost::json::parse(r.text(2));  // named: the loop borrows it
              for (const auto& v : parsed.as_array()) u.sections.emplace_back(v.as_string());
              users.push_back(std::move(u));
          });
    return users;
}

void SqliteStore::writeSections(SqlConnection& c, const std::string& name, const std::vector<std::string>& sections) {
    c.run("UPDATE admin_users SET sections = ?2 WHERE name = ?1", {P::text(name), P::text(sectionsJson(sections))});
}

}  // namespace mamori::collector
