#include "collector/SqliteStore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include "mamori/common/Log.h"

namespace mamori::collector {
namespace {

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
    // (see SqliteStore::addException), so there is one version sequence for both.
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
};
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);

int64_t toSql(uint64_t v) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw std::out_of_range("value " + std::to_string(v) + " does not fit a SQLite integer");
    return static_cast<int64_t>(v);
}

// Evidence and credentials live in this file: nobody but the collector's user may read it.
// SQLite creates -wal and -shm with the database's mode, so fixing all three is enough.
void restrictToOwner(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string file = path + suffix;
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) continue;
        if ((st.st_mode & 077) == 0) continue;
        if (::chmod(file.c_str(), st.st_mode & 0700) != 0) {
            const int err = errno;
            throw std::runtime_error("the database file " + file +
                                     " is readable by other users and its mode cannot be changed (" +
                                     std::strerror(err) + "); run: chmod 600 " + file +
                                     "\nデータベースファイル " + file +
                                     " が他のユーザーから読める状態で、権限を変更できません。"
                                     "chmod 600 " + file + " を実行してください。");
        }
        Log::warn("restricted " + file + " to its owner (it was readable by other users)");
    }
}

std::string sectionsToJson(const std::vector<std::string>& sections) {
    boost::json::array a;
    for (const auto& s : sections) a.emplace_back(s);
    return boost::json::serialize(a);
}

std::vector<std::string> sectionsFromJson(const std::string& text) {
    const boost::json::value parsed = boost::json::parse(text);  // named: the loop borrows from it
    std::vector<std::string> out;
    for (const auto& v : parsed.as_array()) out.emplace_back(v.as_string());
    return out;
}

const std::string kTerminalColumns =
    "id, hostname, group_name, certificate_pem, public_key, enrolled_unix, last_seen_unix, head_seq, "
    "head_hash, applied_policy_version, clock_skew_ms, policy_reissue_version";
// The same for lists, without the certificate: views of the whole fleet (compliance, status) read
// every terminal, and 10,000 certificates are most of those bytes.
const std::string kTerminalListColumns =
    "id, hostname, group_name, '' AS certificate_pem, public_key, enrolled_unix, last_seen_unix, head_seq, "
    "head_hash, applied_policy_version, clock_skew_ms, policy_reissue_version";

TerminalRecord readTerminal(const SqliteStatement& s) {
    TerminalRecord t;
    t.id = s.columnText(0);
    t.hostname = s.columnText(1);
    t.group = s.columnText(2);
    t.certificate_pem = s.columnText(3);
    t.public_key = s.columnBlob(4);
    t.enrolled_unix = s.columnInt(5);
    t.last_seen_unix = s.columnInt(6);
    t.head_seq = static_cast<uint64_t>(s.columnInt(7));
    t.head_hash = s.columnBlob(8);
    t.applied_policy_version = static_cast<uint64_t>(s.columnInt(9));
    t.clock_skew_ms = s.columnInt(10);
    t.policy_reissue_version = static_cast<uint64_t>(s.columnInt(11));
    return t;
}

std::vector<TerminalRecord> readTerminals(SqliteStatement& s) {
    std::vector<TerminalRecord> out;
    while (s.step()) out.push_back(readTerminal(s));
    return out;
}

// The counts one batch adds to one (date, control) row of daily_compliance.
struct ComplianceDelta {
    int64_t events = 0;
    int64_t violations = 0;
    int64_t exempted = 0;
    int64_t first_violation_ns = 0;  // 0: none
    int64_t last_event_ns = 0;

    void add(int64_t utc_ns, bool violation, bool exempt) {
        ++events;
        if (violation) {
            ++violations;
            if (first_violation_ns == 0 || utc_ns < first_violation_ns) first_violation_ns = utc_ns;
        }
        if (exempt) ++exempted;
        if (utc_ns > last_event_ns) last_event_ns = utc_ns;
    }
};

}  // namespace

template <class Body>
auto SqliteStore::writeDurably(Body&& body) {
    if (failed_) throw std::runtime_error(diskFailureMessage());
    uint64_t commit = 0;
    if constexpr (std::is_void_v<decltype(body())>) {
        {
            std::lock_guard lock(write_mutex_);
            body();
            commit = noteCommit();
        }
        waitDurable(commit);
    } else {
        auto result = [&] {
            std::lock_guard lock(write_mutex_);
            auto r = body();
            commit = noteCommit();
            return r;
        }();
        waitDurable(commit);
        return result;
    }
}

SqliteStore::SqliteStore(const std::string& path) {
    write_ = std::make_unique<SqliteDb>(path, SqliteDb::Access::ReadWrite, 0600);
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
    wal_path_ = path + "-wal";
    writeDurably([&] { migrate(); });
    // After migrate(): never touch the mode of a file that turned out not to be ours.
    restrictToOwner(path);

    read_ = std::make_unique<SqliteDb>(path, SqliteDb::Access::ReadOnly);
    read_->exec("PRAGMA busy_timeout = 10000");
}

SqliteStore::~SqliteStore() {
    if (wal_fd_ >= 0) ::close(wal_fd_);
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
        syncWal();
    } catch (...) {
        // After a failed fsync Linux may drop the dirty pages and report the next fsync as
        // clean: retrying could acknowledge evidence that is not on disk. Refuse every write
        // from now on; agents keep their events until someone has looked at the disk.
        failed_ = true;
        throw;
    }
    synced_ = target;
}

void SqliteStore::syncWal() {
    // The WAL is only replaced if every connection closes it; ours stays open, but check the
    // inode anyway rather than sync a file that is no longer the WAL.
    if (wal_fd_ >= 0) {
        struct stat ours {}, current {};
        if (::fstat(wal_fd_, &ours) != 0 || ::stat(wal_path_.c_str(), &current) != 0 ||
            ours.st_ino != current.st_ino || ours.st_dev != current.st_dev) {
            ::close(wal_fd_);
            wal_fd_ = -1;
        }
    }
    if (wal_fd_ < 0) {
        wal_fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (wal_fd_ < 0) {
            const int err = errno;
            throw std::runtime_error("cannot open the write-ahead log " + wal_path_ + ": " + std::strerror(err));
        }
        // A new WAL's directory entry must be durable too.
        const std::string dir = std::filesystem::path(wal_path_).parent_path().string();
        const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
    if (::fdatasync(wal_fd_) != 0) {
        const int err = errno;
        throw std::runtime_error("cannot flush the write-ahead log " + wal_path_ + " to disk: " +
                                 std::strerror(err));
    }
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
    });
}

// --- enrollment tokens ----------------------------------------------------------------------

void SqliteStore::addEnrollToken(const EnrollToken& t) {
    writeDurably([&] {
        write_->prepare(
                  "INSERT INTO enroll_tokens (token_hash, group_name, expires_unix, created_by) "
                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
            .bindText(1, t.token_hash)
            .bindText(2, t.group)
            .bindInt(3, t.expires_unix)
            .bindText(4, t.created_by)
            .run();
        if (write_->changes() == 0) throw std::invalid_argument("this enrollment token already exists");
    });
}

std::optional<EnrollToken> SqliteStore::consumeEnrollToken(const std::string& token_hash, int64_t now_unix) {
    // One statement marks and reads: SQLite's write lock makes it atomic, even against another
    // process, so of two concurrent consumers exactly one gets the row. Durable before it
    // returns: a token must not become usable again after a crash.
    return writeDurably([&]() -> std::optional<EnrollToken> {
        auto s = write_->prepare(
            "UPDATE enroll_tokens SET used = 1, used_unix = ?2 "
            "WHERE token_hash = ?1 AND used = 0 AND expires_unix > ?2 "
            "RETURNING token_hash, group_name, expires_unix, created_by");
        s.bindText(1, token_hash).bindInt(2, now_unix);
        if (!s.step()) return std::nullopt;
        EnrollToken t;
        t.token_hash = s.columnText(0);
        t.group = s.columnText(1);
        t.expires_unix = s.columnInt(2);
        t.created_by = s.columnText(3);
        s.run();  // the statement commits when it finishes
        return t;
    });
}

// --- terminals ------------------------------------------------------------------------------

void SqliteStore::addTerminal(const TerminalRecord& t) {
    writeDurably([&] {
        write_->prepare("INSERT INTO terminals (" + kTerminalColumns +
                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING")
            .bindText(1, t.id)
            .bindText(2, t.hostname)
            .bindText(3, t.group)
            .bindText(4, t.certificate_pem)
            .bindBlob(5, t.public_key)
            .bindInt(6, t.enrolled_unix)
            .bindInt(7, t.last_seen_unix)
            .bindInt(8, toSql(t.head_seq))
            .bindBlob(9, t.head_hash)
            .bindInt(10, toSql(t.applied_policy_version))
            .bindInt(11, t.clock_skew_ms)
            .bindInt(12, toSql(t.policy_reissue_version))
            .run();
        if (write_->changes() == 0) throw std::invalid_argument("terminal " + t.id + " is already enrolled");
    });
}

std::optional<TerminalRecord> SqliteStore::terminal(const std::string& id) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT " + kTerminalColumns + " FROM terminals WHERE id = ?1");
    s.bindText(1, id);
    if (!s.step()) return std::nullopt;
    return readTerminal(s);
}

std::vector<TerminalRecord> SqliteStore::terminals() {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT " + kTerminalListColumns + " FROM terminals ORDER BY id");
    return readTerminals(s);
}

std::vector<TerminalRecord> SqliteStore::silentTerminals(int64_t before_unix) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT " + kTerminalListColumns +
                            " FROM terminals WHERE max(last_seen_unix, enrolled_unix) < ?1 ORDER BY id");
    s.bindInt(1, before_unix);
    return readTerminals(s);
}

void SqliteStore::recordSync(const std::string& id, int64_t now_unix, uint64_t applied_policy_version,
                             int64_t clock_skew_ms) {
    writeDurably([&] {
        write_->prepare(
                  "UPDATE terminals SET last_seen_unix = max(last_seen_unix, ?2), applied_policy_version = ?3, "
                  "clock_skew_ms = ?4 WHERE id = ?1")
            .bindText(1, id)
            .bindInt(2, now_unix)
            .bindInt(3, toSql(applied_policy_version))
            .bindInt(4, clock_skew_ms)
            .run();
        if (write_->changes() == 0) throw std::invalid_argument("unknown terminal " + id);
    });
}

uint64_t SqliteStore::setTerminalGroup(const std::string& id, const std::string& group) {
    return writeDurably([&] {
        uint64_t version = 0;
        write_->transaction([&] {
            version = nextPolicyVersionLocked();
            write_->prepare("UPDATE terminals SET group_name = ?2, policy_reissue_version = ?3 WHERE id = ?1")
                .bindText(1, id)
                .bindText(2, group)
                .bindInt(3, toSql(version))
                .run();
            if (write_->changes() == 0) throw std::invalid_argument("unknown terminal " + id);
        });
        return version;
    });
}

// --- events ---------------------------------------------------------------------------------

IngestResult SqliteStore::ingest(const IngestBatch& batch) {
    if (batch.issue && batch.issue->local_date.empty())
        throw std::invalid_argument("evidence issue without a local date for terminal " + batch.terminal_id);
    return writeDurably([&] {
        IngestResult result;
        write_->transaction([&] { result = ingestLocked(batch); });
        return result;
    });
}

IngestResult SqliteStore::ingestLocked(const IngestBatch& batch) {
    IngestResult result;
    // First, so a batch for an unknown terminal fails before anything is written.
    {
        auto head = write_->prepare(
            "UPDATE terminals SET "
            "head_hash = CASE WHEN ?2 > head_seq AND length(?3) > 0 THEN ?3 ELSE head_hash END, "
            "head_seq = max(head_seq, ?2), "
            "last_seen_unix = max(last_seen_unix, ?4) "
            "WHERE id = ?1 RETURNING head_seq");
        head.bindText(1, batch.terminal_id)
            .bindInt(2, toSql(batch.new_head_seq))
            .bindBlob(3, batch.new_head_hash)
            .bindInt(4, batch.now_unix);
        if (!head.step()) throw std::invalid_argument("ingest for unknown terminal " + batch.terminal_id);
        result.head_seq = static_cast<uint64_t>(head.columnInt(0));
        head.run();
    }

    // Compliance is summed per (date, control) here and written once per key: a batch is
    // typically one or two dates and a few controls, so 500 events cost a handful of upserts.
    std::map<std::pair<std::string_view, int>, ComplianceDelta> deltas;
    {
        auto insert = write_->prepare(
            "INSERT INTO events (terminal_id, seq, utc_ns, local_date, type, control, violation, outcome, "
            "rule_id, body, prev_hash, hash, signature) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
            "ON CONFLICT (terminal_id, seq) DO NOTHING");
        for (const IngestEvent& e : batch.events) {
            // No copies: the batch outlives the statement, which is reset before the next event.
            insert.reset();
            insert.bindTextNoCopy(1, batch.terminal_id)
                .bindInt(2, toSql(e.seq))
                .bindInt(3, e.utc_ns)
                .bindTextNoCopy(4, e.local_date)
                .bindInt(5, e.type)
                .bindInt(6, e.control)
                .bindInt(7, e.violation ? 1 : 0)
                .bindInt(8, e.outcome)
                .bindTextNoCopy(9, e.rule_id)
                .bindBlobNoCopy(10, e.body)
                .bindBlobNoCopy(11, e.prev_hash)
                .bindBlobNoCopy(12, e.hash)
                .bindBlobNoCopy(13, e.signature)
                .run();
            if (write_->changes() == 0) {
                ++result.duplicates;  // a replay: already stored and already counted
                continue;
            }
            ++result.stored;
            deltas[{e.local_date, e.control}].add(e.utc_ns, e.violation,
                                                  e.outcome == mamori::v1::EXEMPTED);
        }
    }

    if (batch.issue) {
        const EvidenceIssue& issue = *batch.issue;
        const int64_t recorded = issue.recorded_unix != 0 ? issue.recorded_unix : batch.now_unix;
        auto s = write_->prepare(
            "INSERT INTO evidence_issues (terminal_id, kind, first_seq, last_seq, detail, local_date, "
            "recorded_unix) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
            "ON CONFLICT (terminal_id, kind, first_seq, last_seq) DO NOTHING");
        s.bindText(1, batch.terminal_id)
            .bindText(2, issue.kind)
            .bindInt(3, toSql(issue.first_seq))
            .bindInt(4, toSql(issue.last_seq))
            .bindText(5, issue.detail)
            .bindText(6, issue.local_date)
            .bindInt(7, recorded)
            .run();
        if (write_->changes() != 0)
            deltas[{issue.local_date, mamori::v1::EVIDENCE}].add(recorded * 1'000'000'000, true, false);
    }

    auto upsert = write_->prepare(
        "INSERT INTO daily_compliance (date, terminal_id, control, events, violations, exempted, "
        "first_violation_ns, last_event_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (date, terminal_id, control) DO UPDATE SET "
        "events = events + excluded.events, "
        "violations = violations + excluded.violations, "
        "exempted = exempted + excluded.exempted, "
        "first_violation_ns = CASE "
        "  WHEN excluded.first_violation_ns = 0 THEN first_violation_ns "
        "  WHEN first_violation_ns = 0 THEN excluded.first_violation_ns "
        "  ELSE min(first_violation_ns, excluded.first_violation_ns) END, "
        "last_event_ns = max(last_event_ns, excluded.last_event_ns)");
    for (const auto& [key, d] : deltas) {
        upsert.reset();
        upsert.bindText(1, key.first)
            .bindText(2, batch.terminal_id)
            .bindInt(3, key.second)
            .bindInt(4, d.events)
            .bindInt(5, d.violations)
            .bindInt(6, d.exempted)
            .bindInt(7, d.first_violation_ns)
            .bindInt(8, d.last_event_ns)
            .run();
    }
    return result;
}

std::optional<std::string> SqliteStore::eventHash(const std::string& terminal_id, uint64_t seq) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT hash FROM events WHERE terminal_id = ?1 AND seq = ?2");
    s.bindText(1, terminal_id).bindInt(2, toSql(seq));
    if (!s.step()) return std::nullopt;
    return s.columnBlob(0);
}

std::vector<StoredEvent> SqliteStore::events(const std::string& terminal_id, int64_t since_utc_ns,
                                             uint64_t after_seq, uint32_t limit) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(
        "SELECT seq, utc_ns, body, prev_hash, hash, signature FROM events "
        "WHERE terminal_id = ?1 AND seq > ?2 AND utc_ns >= ?3 ORDER BY seq LIMIT ?4");
    s.bindText(1, terminal_id).bindInt(2, toSql(after_seq)).bindInt(3, since_utc_ns).bindInt(4, limit);
    std::vector<StoredEvent> out;
    while (s.step()) {
        StoredEvent e;
        e.seq = static_cast<uint64_t>(s.columnInt(0));
        e.utc_ns = s.columnInt(1);
        e.body = s.columnBlob(2);
        e.prev_hash = s.columnBlob(3);
        e.hash = s.columnBlob(4);
        e.signature = s.columnBlob(5);
        out.push_back(std::move(e));
    }
    return out;
}

std::optional<std::pair<uint64_t, uint64_t>> SqliteStore::seqRangeOfDates(const std::string& terminal_id,
                                                                          const std::string& from_date,
                                                                          const std::string& to_date) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(
        "SELECT min(seq), max(seq) FROM events WHERE terminal_id = ?1 AND local_date >= ?2 AND local_date <= ?3");
    s.bindText(1, terminal_id).bindText(2, from_date).bindText(3, to_date);
    if (!s.step() || s.columnIsNull(0)) return std::nullopt;
    return std::pair{static_cast<uint64_t>(s.columnInt(0)), static_cast<uint64_t>(s.columnInt(1))};
}

std::vector<EvidenceIssue> SqliteStore::evidenceIssues(const std::string& terminal_id) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(
        "SELECT kind, first_seq, last_seq, detail, local_date, recorded_unix FROM evidence_issues "
        "WHERE terminal_id = ?1 ORDER BY id");
    s.bindText(1, terminal_id);
    std::vector<EvidenceIssue> out;
    while (s.step()) {
        EvidenceIssue i;
        i.kind = s.columnText(0);
        i.first_seq = static_cast<uint64_t>(s.columnInt(1));
        i.last_seq = static_cast<uint64_t>(s.columnInt(2));
        i.detail = s.columnText(3);
        i.local_date = s.columnText(4);
        i.recorded_unix = s.columnInt(5);
        out.push_back(std::move(i));
    }
    return out;
}

// --- retention ------------------------------------------------------------------------------

namespace {
// Rows per delete: each is its own short write, so ingest takes turns with a large purge.
constexpr int64_t kPurgeChunk = 2000;
}  // namespace

PurgedEvents SqliteStore::purgeEventsBefore(const std::string& before_date) {
    PurgedEvents out;
    std::vector<std::string> ids;
    {
        std::lock_guard lock(read_mutex_);
        auto s = read_->prepare("SELECT id FROM terminals ORDER BY id");
        while (s.step()) ids.push_back(s.columnText(0));
    }
    // Per terminal: events have no index by date, but each terminal's are one range of the key.
    for (const auto& id : ids) {
        for (int64_t removed = kPurgeChunk; removed == kPurgeChunk;) {
            removed = writeDurably([&] {
                auto s = write_->prepare(
                    "DELETE FROM events WHERE terminal_id = ?1 AND seq IN (SELECT seq FROM events "
                    "WHERE terminal_id = ?1 AND local_date < ?2 ORDER BY seq LIMIT ?3) RETURNING local_date");
                s.bindText(1, id).bindText(2, before_date).bindInt(3, kPurgeChunk);
                int64_t n = 0;
                for (; s.step(); ++n) out.noteDate(s.columnText(0));
                return n;
            });
            out.events += static_cast<uint64_t>(removed);
        }
    }
    // Date leads the key: each chunk is the start of one index range.
    for (int64_t removed = kPurgeChunk; removed == kPurgeChunk;) {
        removed = writeDurably([&] {
            write_->prepare("DELETE FROM daily_compliance WHERE (date, terminal_id, control) IN (SELECT date, "
                            "terminal_id, control FROM daily_compliance WHERE date < ?1 LIMIT ?2)")
                .bindText(1, before_date)
                .bindInt(2, kPurgeChunk)
                .run();
            return write_->changes();
        });
        out.compliance_rows += static_cast<uint64_t>(removed);
    }
    out.evidence_issues = static_cast<uint64_t>(writeDurably([&] {
        write_->prepare("DELETE FROM evidence_issues WHERE local_date < ?1").bindText(1, before_date).run();
        return write_->changes();
    }));
    return out;
}

PurgedExceptions SqliteStore::purgeExceptionsExpiredBy(int64_t expired_by_unix) {
    PurgedExceptions out;
    writeDurably([&] {
        auto s = write_->prepare("DELETE FROM exceptions WHERE expires_unix <= ?1 RETURNING expires_unix");
        s.bindInt(1, expired_by_unix);
        for (; s.step(); ++out.exceptions) out.noteExpiry(s.columnInt(0));
    });
    return out;
}

// --- compliance -----------------------------------------------------------------------------

std::vector<ComplianceRow> SqliteStore::complianceBetween(const std::string& from_date, const std::string& to_date,
                                                          bool all_rows) {
    std::lock_guard lock(read_mutex_);
    // A range of the primary key (date first), or of the index of flagged rows, which holds the
    // key: either way already in (date, terminal, control) order. The terminal's group is one
    // primary-key lookup per row. Two texts, not a parameter: the planner takes the partial index
    // only when the query states its condition.
    auto s = read_->prepare(
        "SELECT c.terminal_id, coalesce(t.group_name, ''), c.control, c.events, c.violations, c.exempted, "
        "c.first_violation_ns, c.last_event_ns, c.date, coalesce(t.last_seen_unix, 0) "
        "FROM daily_compliance c LEFT JOIN terminals t ON t.id = c.terminal_id "
        "WHERE c.date >= ?1 AND c.date <= ?2" +
        std::string(all_rows ? "" : " AND (c.violations > 0 OR c.exempted > 0)") +
        " ORDER BY c.date, c.terminal_id, c.control");
    s.bindText(1, from_date).bindText(2, to_date);
    std::vector<ComplianceRow> out;
    while (s.step()) {
        ComplianceRow r;
        r.terminal_id = s.columnText(0);
        r.group = s.columnText(1);
        r.control = static_cast<mamori::v1::Control>(s.columnInt(2));
        r.events = static_cast<uint32_t>(s.columnInt(3));
        r.violations = static_cast<uint32_t>(s.columnInt(4));
        r.exempted = static_cast<uint32_t>(s.columnInt(5));
        r.first_violation_ns = s.columnInt(6);
        r.last_event_ns = s.columnInt(7);
        r.date = s.columnText(8);
        r.last_seen_unix = s.columnInt(9);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<std::pair<std::string, uint32_t>> SqliteStore::reportingDays(const std::string& from_date,
                                                                         const std::string& to_date) {
    std::lock_guard lock(read_mutex_);
    // Distinct powers of two sum to their OR (SQLite has no bit_or aggregate).
    auto s = read_->prepare(
        "SELECT terminal_id, sum(DISTINCT 1 << (CAST(substr(date, 9, 2) AS INTEGER) - 1)) FROM daily_compliance "
        "WHERE date >= ?1 AND date <= ?2 AND events > 0 GROUP BY terminal_id");
    s.bindText(1, from_date).bindText(2, to_date);
    std::vector<std::pair<std::string, uint32_t>> out;
    while (s.step()) out.emplace_back(s.columnText(0), static_cast<uint32_t>(s.columnInt(1)));
    return out;
}

// --- policies -------------------------------------------------------------------------------

uint64_t SqliteStore::addPolicy(PolicyRecord p) {
    return writeDurably([&] {
        auto s = write_->prepare(
            "INSERT INTO policies (group_name, name, policy, created_unix, created_by) "
            "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING version");
        s.bindText(1, p.group)
            .bindText(2, p.name)
            .bindBlob(3, p.policy)
            .bindInt(4, p.created_unix)
            .bindText(5, p.created_by);
        if (!s.step()) throw std::runtime_error("storing the policy returned no version");
        const auto version = static_cast<uint64_t>(s.columnInt(0));
        s.run();
        return version;
    });
}

std::optional<PolicyRecord> SqliteStore::latestPolicy(const std::string& group) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(
        "SELECT version, group_name, name, policy, created_unix, created_by FROM policies "
        "WHERE group_name = ?1 ORDER BY version DESC LIMIT 1");
    s.bindText(1, group);
    if (!s.step()) return std::nullopt;
    PolicyRecord p;
    p.version = static_cast<uint64_t>(s.columnInt(0));
    p.group = s.columnText(1);
    p.name = s.columnText(2);
    p.policy = s.columnBlob(3);
    p.created_unix = s.columnInt(4);
    p.created_by = s.columnText(5);
    return p;
}

uint64_t SqliteStore::nextPolicyVersionLocked() {
    // Taken from the policies' AUTOINCREMENT counter so the next policy pushed gets a higher
    // one. The row is missing until the first policy.
    write_->prepare("INSERT INTO sqlite_sequence (name, seq) SELECT 'policies', 0 "
                    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'policies')")
        .run();
    auto next = write_->prepare(
        "UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(version), 0) FROM policies)) + 1 "
        "WHERE name = 'policies' RETURNING seq");
    if (!next.step()) throw std::runtime_error("no policy version counter");
    const auto version = static_cast<uint64_t>(next.columnInt(0));
    next.run();
    return version;
}

// --- exceptions -----------------------------------------------------------------------------

namespace {

ExceptionRecord readException(const SqliteStatement& s) {
    ExceptionRecord e;
    e.version = static_cast<uint64_t>(s.columnInt(0));
    e.id = s.columnText(1);
    e.terminal = s.columnText(2);
    e.group = s.columnText(3);
    e.expires_unix = s.columnInt(4);
    e.created_unix = s.columnInt(5);
    e.exception = s.columnBlob(6);
    return e;
}

const std::string kExceptionColumns =
    "version, id, terminal_id, group_name, expires_unix, created_unix, exception";

}  // namespace

uint64_t SqliteStore::addException(ExceptionRecord e) {
    return writeDurably([&] {
        uint64_t version = 0;
        write_->transaction([&] {
            version = nextPolicyVersionLocked();
            write_->prepare("INSERT INTO exceptions (" + kExceptionColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING")
                .bindInt(1, toSql(version))
                .bindText(2, e.id)
                .bindText(3, e.terminal)
                .bindText(4, e.group)
                .bindInt(5, e.expires_unix)
                .bindInt(6, e.created_unix)
                .bindBlob(7, e.exception)
                .run();
            if (write_->changes() == 0) throw std::invalid_argument("exception " + e.id + " already exists");
        });
        return version;
    });
}

std::vector<ExceptionRecord> SqliteStore::exceptionsFor(const std::string& terminal_id, const std::string& group,
                                                        int64_t now_unix) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT " + kExceptionColumns +
                            " FROM exceptions WHERE expires_unix > ?3 AND "
                            "((terminal_id != '' AND terminal_id = ?1) OR (group_name != '' AND group_name = ?2)) "
                            "ORDER BY version");
    s.bindText(1, terminal_id).bindText(2, group).bindInt(3, now_unix);
    std::vector<ExceptionRecord> out;
    while (s.step()) out.push_back(readException(s));
    return out;
}

std::vector<ExceptionRecord> SqliteStore::exceptions(int64_t now_unix, int64_t expiring_before_unix) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT " + kExceptionColumns +
                            " FROM exceptions WHERE expires_unix > ?1 AND expires_unix < ?2 "
                            "ORDER BY expires_unix, version");
    s.bindInt(1, now_unix).bindInt(2, expiring_before_unix);
    std::vector<ExceptionRecord> out;
    while (s.step()) out.push_back(readException(s));
    return out;
}

// --- access log -----------------------------------------------------------------------------

void SqliteStore::recordAccess(const AccessRecord& a) {
    writeDurably([&] {
        write_->prepare("INSERT INTO access_log (at_unix, user_name, role, terminal_id, action) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)")
            .bindInt(1, a.at_unix)
            .bindText(2, a.user)
            .bindText(3, a.role)
            .bindText(4, a.terminal_id)
            .bindText(5, a.action)
            .run();
    });
}

std::vector<AccessRecord> SqliteStore::accessLog(int64_t since_unix, uint32_t limit) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(
        "SELECT at_unix, user_name, role, terminal_id, action FROM access_log WHERE at_unix >= ?1 "
        "ORDER BY id DESC LIMIT ?2");
    s.bindInt(1, since_unix).bindInt(2, limit);
    std::vector<AccessRecord> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2), s.columnText(3), s.columnText(4)});
    return out;
}

// --- whole-store copy -----------------------------------------------------------------------

namespace {

void bindCell(SqliteStatement& s, int index, const StoreColumn& c, const std::optional<std::string>& v) {
    if (!v) s.bindNull(index);
    else if (c.kind == StoreColumn::Kind::Text) s.bindText(index, *v);
    else if (c.kind == StoreColumn::Kind::Blob) s.bindBlob(index, *v);
    else s.bindInt(index, std::stoll(*v));
}

std::string placeholders(size_t count) {
    std::string out;
    for (size_t i = 1; i <= count; ++i) out += (i > 1 ? ", ?" : "?") + std::to_string(i);
    return out;
}

}  // namespace

std::vector<TableRow> SqliteStore::readRows(const StoreTable& t, const TableRow* after, size_t limit) {
    const std::string keys = columnNames(t, t.key_columns);
    std::string sql = "SELECT " + columnNames(t, t.columns.size()) + " FROM " + t.name;
    if (after) sql += " WHERE (" + keys + ") > (" + placeholders(t.key_columns) + ")";
    sql += " ORDER BY " + keys + " LIMIT " + std::to_string(limit);
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(sql);
    if (after)
        for (size_t i = 0; i < t.key_columns; ++i) bindCell(s, static_cast<int>(i + 1), t.columns[i], (*after)[i]);
    std::vector<TableRow> out;
    while (s.step()) {
        TableRow row;
        for (size_t i = 0; i < t.columns.size(); ++i) {
            const int col = static_cast<int>(i);
            if (s.columnIsNull(col)) row.emplace_back();
            else if (t.columns[i].kind == StoreColumn::Kind::Text) row.emplace_back(s.columnText(col));
            else if (t.columns[i].kind == StoreColumn::Kind::Blob) row.emplace_back(s.columnBlob(col));
            else row.emplace_back(std::to_string(s.columnInt(col)));
        }
        out.push_back(std::move(row));
    }
    return out;
}

void SqliteStore::writeRows(const StoreTable& t, const std::vector<TableRow>& rows) {
    const std::string sql = "INSERT INTO " + std::string(t.name) + " (" + columnNames(t, t.columns.size()) +
                            ") VALUES (" + placeholders(t.columns.size()) + ")";
    writeDurably([&] {
        write_->transaction([&] {
            auto s = write_->prepare(sql);
            for (const auto& row : rows) {
                s.reset();
                for (size_t i = 0; i < t.columns.size(); ++i) bindCell(s, static_cast<int>(i + 1), t.columns[i], row.at(i));
                s.run();
            }
        });
    });
}

uint64_t SqliteStore::rowCount(const StoreTable& t) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT count(*) FROM " + std::string(t.name));
    s.step();
    return static_cast<uint64_t>(s.columnInt(0));
}

uint64_t SqliteStore::lastPolicyVersion() {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'policies'), 0), "
        "(SELECT coalesce(max(version), 0) FROM exceptions))");
    s.step();
    return static_cast<uint64_t>(s.columnInt(0));
}

void SqliteStore::finishCopy(uint64_t last_policy_version) {
    // Ids of evidence issues and the access log are rowids: they continue after the largest.
    writeDurably([&] {
        write_->transaction([&] {
            write_->prepare("INSERT INTO sqlite_sequence (name, seq) SELECT 'policies', 0 "
                            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'policies')")
                .run();
            write_->prepare(
                      "UPDATE sqlite_sequence SET seq = max(seq, ?1, (SELECT coalesce(max(version), 0) FROM policies), "
                      "(SELECT coalesce(max(version), 0) FROM exceptions), "
                      "(SELECT coalesce(max(policy_reissue_version), 0) FROM terminals)) WHERE name = 'policies'")
                .bindInt(1, toSql(last_policy_version))
                .run();
        });
    });
}

// --- settings and admin users ---------------------------------------------------------------

std::optional<std::string> SqliteStore::setting(const std::string& key) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT value FROM settings WHERE key = ?1");
    s.bindText(1, key);
    if (!s.step()) return std::nullopt;
    return s.columnText(0);
}

void SqliteStore::putSetting(const std::string& key, const std::string& value) {
    writeDurably([&] {
        write_->prepare("INSERT INTO settings (key, value) VALUES (?1, ?2) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bindText(1, key)
            .bindText(2, value)
            .run();
    });
}

void SqliteStore::addAdminUser(const AdminUser& u) {
    const std::string sections = sectionsToJson(u.sections);
    writeDurably([&] {
        write_->prepare(
                  "INSERT INTO admin_users (name, role, sections, token_hash) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT DO NOTHING")
            .bindText(1, u.name)
            .bindText(2, u.role)
            .bindText(3, sections)
            .bindText(4, u.token_hash)
            .run();
        if (write_->changes() == 0)
            throw std::invalid_argument("admin user " + u.name + " already exists, or its token is already in use");
    });
}

std::optional<AdminUser> SqliteStore::adminByTokenHash(const std::string& token_hash) {
    std::lock_guard lock(read_mutex_);
    auto s = read_->prepare("SELECT name, role, sections, token_hash FROM admin_users WHERE token_hash = ?1");
    s.bindText(1, token_hash);
    if (!s.step()) return std::nullopt;
    AdminUser u;
    u.name = s.columnText(0);
    u.role = s.columnText(1);
    u.sections = sectionsFromJson(s.columnText(2));
    u.token_hash = s.columnText(3);
    return u;
}

}  // namespace mamori::collector
