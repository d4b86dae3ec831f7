#include "collector/PostgresStore.h"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace mamori::collector {
namespace {

// 'mamo', as SQLite's application_id: tells a mamori database from any other.
constexpr int64_t kApplicationId = 0x6D616D6F;

// kMigrations[v] takes the schema from version v to v + 1. Never edit a released step: add the
// next one and raise PostgresStore::kSchemaVersion.
//
// Policy versions come from a sequence of their own, not from an identity column, so that
// anything else an agent must see as "newer than what you applied" can draw from the same
// counter. Sequences never hand out a number twice, even after a rollback.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE mamori_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE terminals (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  group_name TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  public_key BYTEA NOT NULL,
  enrolled_unix BIGINT NOT NULL,
  last_seen_unix BIGINT NOT NULL,
  head_seq BIGINT NOT NULL,
  head_hash BYTEA NOT NULL,
  applied_policy_version BIGINT NOT NULL,
  clock_skew_ms BIGINT NOT NULL
);

CREATE TABLE enroll_tokens (
  token_hash TEXT PRIMARY KEY,
  group_name TEXT NOT NULL,
  expires_unix BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  used BOOLEAN NOT NULL DEFAULT false,
  used_unix BIGINT
);

-- No foreign key to terminals: ingest checks the terminal once per batch (it locks its row).
CREATE TABLE events (
  terminal_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  utc_ns BIGINT NOT NULL,
  local_date TEXT NOT NULL,
  type INTEGER NOT NULL,
  control INTEGER NOT NULL,
  violation BOOLEAN NOT NULL,
  outcome INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  body BYTEA NOT NULL,
  prev_hash BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  signature BYTEA NOT NULL,
  PRIMARY KEY (terminal_id, seq)
);

-- Date first: the daily report reads all rows of one date as a single index range.
CREATE TABLE daily_compliance (
  date TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  control INTEGER NOT NULL,
  events BIGINT NOT NULL,
  violations BIGINT NOT NULL,
  exempted BIGINT NOT NULL,
  first_violation_ns BIGINT NOT NULL,  -- 0: no violation that day
  last_event_ns BIGINT NOT NULL,
  PRIMARY KEY (date, terminal_id, control)
);

-- The unique key makes recording idempotent: a batch replayed after a lost acknowledgement
-- must not count the same gap twice.
CREATE TABLE evidence_issues (
  id BIGSERIAL PRIMARY KEY,
  terminal_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  detail TEXT NOT NULL,
  local_date TEXT NOT NULL,
  recorded_unix BIGINT NOT NULL,
  UNIQUE (terminal_id, kind, first_seq, last_seq)
);

CREATE SEQUENCE policy_versions AS BIGINT;
CREATE TABLE policies (
  version BIGINT PRIMARY KEY DEFAULT nextval('policy_versions'),
  group_name TEXT NOT NULL,
  name TEXT NOT NULL,
  policy BYTEA NOT NULL,
  created_unix BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
ALTER SEQUENCE policy_versions OWNED BY policies.version;
CREATE INDEX policies_by_group ON policies (group_name, version);

-- Exceptions (例外措置); their versions come from policy_versions, the one version counter.
CREATE TABLE exceptions (
  id TEXT PRIMARY KEY,
  version BIGINT NOT NULL UNIQUE DEFAULT nextval('policy_versions'),
  terminal_id TEXT NOT NULL,  -- '' when scoped to a group
  group_name TEXT NOT NULL,   -- '' when scoped to a terminal
  expires_unix BIGINT NOT NULL,
  created_unix BIGINT NOT NULL,
  exception BYTEA NOT NULL
);
CREATE INDEX exceptions_by_expiry ON exceptions (expires_unix);

-- Who read which terminal's evidence, in the order it happened.
CREATE TABLE access_log (
  id BIGSERIAL PRIMARY KEY,
  at_unix BIGINT NOT NULL,
  user_name TEXT NOT NULL,
  role TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  action TEXT NOT NULL
);
CREATE INDEX access_log_by_time ON access_log (at_unix);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE admin_users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE
);
-- An officer's sections, in the order given.
CREATE TABLE admin_user_sections (
  user_name TEXT NOT NULL REFERENCES admin_users (name) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  section TEXT NOT NULL,
  PRIMARY KEY (user_name, position)
);
)sql",
    // 2: the version re-issued to a terminal that moved to another group (TerminalRecord).
    R"sql(
ALTER TABLE terminals ADD COLUMN policy_reissue_version BIGINT NOT NULL DEFAULT 0;
)sql",
    // 3: the compliance views read a day's violations straight from an index of just them (a
    // day of a 10,000-terminal fleet is some 40,000 rows, a few hundred of them violations).
    R"sql(
CREATE INDEX daily_compliance_flagged ON daily_compliance (date) WHERE violations > 0 OR exempted > 0;
)sql",
};
static_assert(std::size(kMigrations) == PostgresStore::kSchemaVersion);

// Columns are BIGINT: a seq or version past int64 cannot be stored and must not wrap.
int64_t toSql(uint64_t v) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw std::out_of_range("value " + std::to_string(v) + " does not fit a PostgreSQL bigint");
    return static_cast<int64_t>(v);
}

// Each event is 13 parameters; PostgreSQL allows 65535 per statement.
constexpr size_t kEventsPerInsert = 1000;

const std::string kTerminalColumns =
    "id, hostname, group_name, certificate_pem, public_key, enrolled_unix, last_seen_unix, head_seq, "
    "head_hash, applied_policy_version, clock_skew_ms, policy_reissue_version";
// The same for lists, without the certificate: views of the whole fleet (compliance, status) read
// every terminal, and 10,000 certificates are most of those bytes.
const std::string kTerminalListColumns =
    "id, hostname, group_name, '' AS certificate_pem, public_key, enrolled_unix, last_seen_unix, head_seq, "
    "head_hash, applied_policy_version, clock_skew_ms, policy_reissue_version";

TerminalRecord readTerminal(const PgResult& r, int row) {
    TerminalRecord t;
    t.id = r.text(row, 0);
    t.hostname = r.text(row, 1);
    t.group = r.text(row, 2);
    t.certificate_pem = r.text(row, 3);
    t.public_key = r.bytes(row, 4);
    t.enrolled_unix = r.integer(row, 5);
    t.last_seen_unix = r.integer(row, 6);
    t.head_seq = static_cast<uint64_t>(r.integer(row, 7));
    t.head_hash = r.bytes(row, 8);
    t.applied_policy_version = static_cast<uint64_t>(r.integer(row, 9));
    t.clock_skew_ms = r.integer(row, 10);
    t.policy_reissue_version = static_cast<uint64_t>(r.integer(row, 11));
    return t;
}

std::vector<TerminalRecord> readTerminals(const PgResult& r) {
    std::vector<TerminalRecord> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(readTerminal(r, i));
    return out;
}

// Counts of one (date, control) within a batch, written as one upsert.
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

PostgresStore::PostgresStore(const std::string& url, size_t connections) : pool_(url, connections) {
    migrate();
}

void PostgresStore::migrate() {
    auto c = pool_.acquire();
    c->transaction([&] {
        // Collectors started together must not both create the schema.
        c->exec("SELECT pg_advisory_xact_lock($1)", {PgParam::integer(kApplicationId)});
        int64_t version = 0;
        if (c->exec("SELECT to_regclass('mamori_meta') IS NOT NULL").boolean(0, 0)) {
            const PgResult meta = c->exec("SELECT key, value FROM mamori_meta");
            std::string application;
            for (int i = 0; i < meta.rows(); ++i) {
                if (meta.text(i, 0) == "application_id") application = meta.text(i, 1);
                if (meta.text(i, 0) == "schema_version") version = std::stoll(meta.text(i, 1));
            }
            if (application != std::to_string(kApplicationId))
                throw std::runtime_error("this PostgreSQL database is not a mamori collector database\n"
                                         "この PostgreSQL データベースは mamori コレクターのものではありません。");
        } else if (c->exec("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
                       .integer(0, 0) != 0) {
            throw std::runtime_error(
                "this PostgreSQL database already holds other tables; give the collector an empty database\n"
                "この PostgreSQL データベースには他のテーブルがあります。空のデータベースを指定してください。");
        }
        if (version > kSchemaVersion)
            throw std::runtime_error(
                "the PostgreSQL database has schema version " + std::to_string(version) +
                ", newer than this collector (" + std::to_string(kSchemaVersion) +
                "); run the newer collector\nデータベースのスキーマ版 " + std::to_string(version) +
                " はこのコレクター（" + std::to_string(kSchemaVersion) + "）より新しいものです。");
        for (int64_t v = version; v < kSchemaVersion; ++v) c->execScript(kMigrations[v]);
        if (version != kSchemaVersion) {
            c->exec("INSERT INTO mamori_meta (key, value) VALUES ('application_id', $1), ('schema_version', $2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    {PgParam::integer(kApplicationId), PgParam::integer(kSchemaVersion)});
        }
    });
}

// --- enrollment tokens ----------------------------------------------------------------------

void PostgresStore::addEnrollToken(const EnrollToken& t) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "INSERT INTO enroll_tokens (token_hash, group_name, expires_unix, created_by) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        {PgParam::text(t.token_hash), PgParam::text(t.group), PgParam::integer(t.expires_unix),
         PgParam::text(t.created_by)});
    if (r.affected() == 0) throw std::invalid_argument("this enrollment token already exists");
}

std::optional<EnrollToken> PostgresStore::consumeEnrollToken(const std::string& token_hash, int64_t now_unix) {
    // One statement: a concurrent consumer waits for our row lock, then re-checks `used`.
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "UPDATE enroll_tokens SET used = true, used_unix = $2 "
        "WHERE token_hash = $1 AND NOT used AND expires_unix > $2 "
        "RETURNING token_hash, group_name, expires_unix, created_by",
        {PgParam::text(token_hash), PgParam::integer(now_unix)});
    if (r.rows() == 0) return std::nullopt;
    return EnrollToken{r.text(0, 0), r.text(0, 1), r.integer(0, 2), r.text(0, 3)};
}

// --- terminals ------------------------------------------------------------------------------

void PostgresStore::addTerminal(const TerminalRecord& t) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "INSERT INTO terminals (" + kTerminalColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
        {PgParam::text(t.id), PgParam::text(t.hostname), PgParam::text(t.group), PgParam::text(t.certificate_pem),
         PgParam::bytes(t.public_key), PgParam::integer(t.enrolled_unix), PgParam::integer(t.last_seen_unix),
         PgParam::integer(toSql(t.head_seq)), PgParam::bytes(t.head_hash),
         PgParam::integer(toSql(t.applied_policy_version)), PgParam::integer(t.clock_skew_ms),
         PgParam::integer(toSql(t.policy_reissue_version))});
    if (r.affected() == 0) throw std::invalid_argument("terminal " + t.id + " is already enrolled");
}

std::optional<TerminalRecord> PostgresStore::terminal(const std::string& id) {
    auto c = pool_.acquire();
    const PgResult r = c->exec("SELECT " + kTerminalColumns + " FROM terminals WHERE id = $1", {PgParam::text(id)});
    if (r.rows() == 0) return std::nullopt;
    return readTerminal(r, 0);
}

std::vector<TerminalRecord> PostgresStore::terminals() {
    auto c = pool_.acquire();
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    return readTerminals(c->exec("SELECT " + kTerminalListColumns + " FROM terminals ORDER BY id COLLATE \"C\""));
}

std::vector<TerminalRecord> PostgresStore::silentTerminals(int64_t before_unix) {
    auto c = pool_.acquire();
    return readTerminals(c->exec("SELECT " + kTerminalListColumns +
                                     " FROM terminals WHERE greatest(last_seen_unix, enrolled_unix) < $1 "
                                     "ORDER BY id COLLATE \"C\"",
                                 {PgParam::integer(before_unix)}));
}

void PostgresStore::recordSync(const std::string& id, int64_t now_unix, uint64_t applied_policy_version,
                               int64_t clock_skew_ms) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "UPDATE terminals SET last_seen_unix = greatest(last_seen_unix, $2), applied_policy_version = $3, "
        "clock_skew_ms = $4 WHERE id = $1",
        {PgParam::text(id), PgParam::integer(now_unix), PgParam::integer(toSql(applied_policy_version)),
         PgParam::integer(clock_skew_ms)});
    if (r.affected() == 0) throw std::invalid_argument("unknown terminal " + id);
}

uint64_t PostgresStore::setTerminalGroup(const std::string& id, const std::string& group) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "UPDATE terminals SET group_name = $2, policy_reissue_version = nextval('policy_versions') WHERE id = $1 "
        "RETURNING policy_reissue_version",
        {PgParam::text(id), PgParam::text(group)});
    if (r.rows() == 0) throw std::invalid_argument("unknown terminal " + id);
    return static_cast<uint64_t>(r.integer(0, 0));
}

// --- events ---------------------------------------------------------------------------------

IngestResult PostgresStore::ingest(const IngestBatch& batch) {
    if (batch.issue && batch.issue->local_date.empty())
        throw std::invalid_argument("evidence issue without a local date for terminal " + batch.terminal_id);
    auto c = pool_.acquire();
    return c->transaction([&] { return ingestIn(*c, batch); });
}

IngestResult PostgresStore::ingestIn(PgConnection& c, const IngestBatch& batch) {
    IngestResult result;
    // First, and it serializes: the UPDATE holds this terminal's row lock until COMMIT, so a
    // batch of the same terminal arriving at another collector waits here, then sees our events.
    // An unknown terminal fails before anything is written.
    {
        const PgResult head = c.exec(
            "UPDATE terminals SET "
            "head_hash = CASE WHEN $2::bigint > head_seq AND length($3::bytea) > 0 THEN $3::bytea "
            "ELSE head_hash END, "
            "head_seq = greatest(head_seq, $2::bigint), "
            "last_seen_unix = greatest(last_seen_unix, $4::bigint) "
            "WHERE id = $1 RETURNING head_seq",
            {PgParam::text(batch.terminal_id), PgParam::integer(toSql(batch.new_head_seq)),
             PgParam::bytes(batch.new_head_hash), PgParam::integer(batch.now_unix)});
        if (head.rows() == 0) throw std::invalid_argument("ingest for unknown terminal " + batch.terminal_id);
        result.head_seq = static_cast<uint64_t>(head.integer(0, 0));
    }

    // One multi-row INSERT per chunk: a round trip per event would cost more than the insert.
    // RETURNING names the rows actually inserted; the others were already stored and counted.
    std::unordered_map<uint64_t, int> inserted;  // seq → times inserted (a batch may repeat a seq)
    for (size_t start = 0; start < batch.events.size(); start += kEventsPerInsert) {
        const size_t end = std::min(batch.events.size(), start + kEventsPerInsert);
        std::string sql =
            "INSERT INTO events (terminal_id, seq, utc_ns, local_date, type, control, violation, outcome, "
            "rule_id, body, prev_hash, hash, signature) VALUES ";
        std::vector<PgParam> params;
        params.reserve((end - start) * 12 + 1);
        params.push_back(PgParam::text(batch.terminal_id));
        for (size_t i = start; i < end; ++i) {
            const IngestEvent& e = batch.events[i];
            const size_t p = params.size() + 1;  // $p is this event's first parameter
            if (i != start) sql += ',';
            sql += "($1";
            for (size_t k = 0; k < 12; ++k) sql += ",$" + std::to_string(p + k);
            sql += ')';
            params.push_back(PgParam::integer(toSql(e.seq)));
            params.push_back(PgParam::integer(e.utc_ns));
            params.push_back(PgParam::text(e.local_date));
            params.push_back(PgParam::integer(e.type));
            params.push_back(PgParam::integer(e.control));
            params.push_back(PgParam::boolean(e.violation));
            params.push_back(PgParam::integer(e.outcome));
            params.push_back(PgParam::text(e.rule_id));
            params.push_back(PgParam::bytes(e.body));
            params.push_back(PgParam::bytes(e.prev_hash));
            params.push_back(PgParam::bytes(e.hash));
            params.push_back(PgParam::bytes(e.signature));
        }
        sql += " ON CONFLICT (terminal_id, seq) DO NOTHING RETURNING seq";
        const PgResult r = c.exec(sql, params);
        for (int i = 0; i < r.rows(); ++i) ++inserted[static_cast<uint64_t>(r.integer(i, 0))];
    }

    // Compliance is summed per (date, control) here and written once per key: a batch is
    // typically one or two dates and a few controls.
    std::map<std::pair<std::string_view, int>, ComplianceDelta> deltas;
    for (const IngestEvent& e : batch.events) {
        auto it = inserted.find(e.seq);
        if (it == inserted.end() || it->second == 0) {
            ++result.duplicates;  // a replay: already stored and already counted
            continue;
        }
        --it->second;
        ++result.stored;
        deltas[{e.local_date, e.control}].add(e.utc_ns, e.violation, e.outcome == mamori::v1::EXEMPTED);
    }

    if (batch.issue) {
        const EvidenceIssue& issue = *batch.issue;
        const int64_t recorded = issue.recorded_unix != 0 ? issue.recorded_unix : batch.now_unix;
        const PgResult r = c.exec(
            "INSERT INTO evidence_issues (terminal_id, kind, first_seq, last_seq, detail, local_date, "
            "recorded_unix) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (terminal_id, kind, first_seq, last_seq) DO NOTHING",
            {PgParam::text(batch.terminal_id), PgParam::text(issue.kind), PgParam::integer(toSql(issue.first_seq)),
             PgParam::integer(toSql(issue.last_seq)), PgParam::text(issue.detail), PgParam::text(issue.local_date),
             PgParam::integer(recorded)});
        if (r.affected() != 0)
            deltas[{issue.local_date, mamori::v1::EVIDENCE}].add(recorded * 1'000'000'000, true, false);
    }

    for (const auto& [key, d] : deltas) {
        c.exec(
            "INSERT INTO daily_compliance AS dc (date, terminal_id, control, events, violations, exempted, "
            "first_violation_ns, last_event_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (date, terminal_id, control) DO UPDATE SET "
            "events = dc.events + excluded.events, "
            "violations = dc.violations + excluded.violations, "
            "exempted = dc.exempted + excluded.exempted, "
            "first_violation_ns = CASE "
            "  WHEN excluded.first_violation_ns = 0 THEN dc.first_violation_ns "
            "  WHEN dc.first_violation_ns = 0 THEN excluded.first_violation_ns "
            "  ELSE least(dc.first_violation_ns, excluded.first_violation_ns) END, "
            "last_event_ns = greatest(dc.last_event_ns, excluded.last_event_ns)",
            {PgParam::text(key.first), PgParam::text(batch.terminal_id), PgParam::integer(key.second),
             PgParam::integer(d.events), PgParam::integer(d.violations), PgParam::integer(d.exempted),
             PgParam::integer(d.first_violation_ns), PgParam::integer(d.last_event_ns)});
    }
    return result;
}

std::optional<std::string> PostgresStore::eventHash(const std::string& terminal_id, uint64_t seq) {
    auto c = pool_.acquire();
    const PgResult r = c->exec("SELECT hash FROM events WHERE terminal_id = $1 AND seq = $2",
                               {PgParam::text(terminal_id), PgParam::integer(toSql(seq))});
    if (r.rows() == 0) return std::nullopt;
    return r.bytes(0, 0);
}

std::vector<StoredEvent> PostgresStore::events(const std::string& terminal_id, int64_t since_utc_ns,
                                               uint64_t after_seq, uint32_t limit) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "SELECT seq, utc_ns, body, prev_hash, hash, signature FROM events "
        "WHERE terminal_id = $1 AND seq > $2 AND utc_ns >= $3 ORDER BY seq LIMIT $4",
        {PgParam::text(terminal_id), PgParam::integer(toSql(after_seq)), PgParam::integer(since_utc_ns),
         PgParam::integer(limit)});
    std::vector<StoredEvent> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        StoredEvent e;
        e.seq = static_cast<uint64_t>(r.integer(i, 0));
        e.utc_ns = r.integer(i, 1);
        e.body = r.bytes(i, 2);
        e.prev_hash = r.bytes(i, 3);
        e.hash = r.bytes(i, 4);
        e.signature = r.bytes(i, 5);
        out.push_back(std::move(e));
    }
    return out;
}

std::optional<std::pair<uint64_t, uint64_t>> PostgresStore::seqRangeOfDates(const std::string& terminal_id,
                                                                            const std::string& from_date,
                                                                            const std::string& to_date) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "SELECT min(seq), max(seq) FROM events WHERE terminal_id = $1 AND local_date >= $2 AND local_date <= $3",
        {PgParam::text(terminal_id), PgParam::text(from_date), PgParam::text(to_date)});
    if (r.isNull(0, 0)) return std::nullopt;
    return std::pair{static_cast<uint64_t>(r.integer(0, 0)), static_cast<uint64_t>(r.integer(0, 1))};
}

std::vector<EvidenceIssue> PostgresStore::evidenceIssues(const std::string& terminal_id) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "SELECT kind, first_seq, last_seq, detail, local_date, recorded_unix FROM evidence_issues "
        "WHERE terminal_id = $1 ORDER BY id",
        {PgParam::text(terminal_id)});
    std::vector<EvidenceIssue> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0), static_cast<uint64_t>(r.integer(i, 1)), static_cast<uint64_t>(r.integer(i, 2)),
                       r.text(i, 3), r.text(i, 4), r.integer(i, 5)});
    return out;
}

// --- retention ------------------------------------------------------------------------------

namespace {
// Rows per delete: each is its own short transaction, so ingest takes turns with a large purge.
constexpr int64_t kPurgeChunk = 2000;
}  // namespace

PurgedEvents PostgresStore::purgeEventsBefore(const std::string& before_date) {
    PurgedEvents out;
    auto c = pool_.acquire();
    const PgResult ids = c->exec("SELECT id FROM terminals ORDER BY id COLLATE \"C\"");
    // Per terminal: events have no index by date, but each terminal's are one range of the key.
    for (int t = 0; t < ids.rows(); ++t) {
        for (int removed = kPurgeChunk; removed == kPurgeChunk;) {
            const PgResult r = c->exec(
                "DELETE FROM events WHERE terminal_id = $1 AND seq IN (SELECT seq FROM events "
                "WHERE terminal_id = $1 AND local_date < $2 ORDER BY seq LIMIT $3) RETURNING local_date",
                {PgParam::text(ids.text(t, 0)), PgParam::text(before_date), PgParam::integer(kPurgeChunk)});
            removed = r.rows();
            for (int i = 0; i < removed; ++i) out.noteDate(r.text(i, 0));
            out.events += static_cast<uint64_t>(removed);
        }
    }
    for (int64_t removed = kPurgeChunk; removed == kPurgeChunk;) {
        removed = c->exec("DELETE FROM daily_compliance WHERE (date, terminal_id, control) IN (SELECT date, "
                          "terminal_id, control FROM daily_compliance WHERE date < $1 LIMIT $2)",
                          {PgParam::text(before_date), PgParam::integer(kPurgeChunk)})
                      .affected();
        out.compliance_rows += static_cast<uint64_t>(removed);
    }
    out.evidence_issues = static_cast<uint64_t>(
        c->exec("DELETE FROM evidence_issues WHERE local_date < $1", {PgParam::text(before_date)}).affected());
    return out;
}

PurgedExceptions PostgresStore::purgeExceptionsExpiredBy(int64_t expired_by_unix) {
    PurgedExceptions out;
    auto c = pool_.acquire();
    const PgResult r = c->exec("DELETE FROM exceptions WHERE expires_unix <= $1 RETURNING expires_unix",
                               {PgParam::integer(expired_by_unix)});
    for (int i = 0; i < r.rows(); ++i, ++out.exceptions) out.noteExpiry(r.integer(i, 0));
    return out;
}

// --- compliance -----------------------------------------------------------------------------

std::vector<ComplianceRow> PostgresStore::complianceBetween(const std::string& from_date, const std::string& to_date,
                                                            bool all_rows) {
    auto c = pool_.acquire();
    // Two texts, not a parameter: the planner takes the index of flagged rows only when the
    // query states its condition.
    const PgResult r = c->exec(
        "SELECT c.terminal_id, coalesce(t.group_name, ''), c.control, c.events, c.violations, c.exempted, "
        "c.first_violation_ns, c.last_event_ns, c.date, coalesce(t.last_seen_unix, 0) "
        "FROM daily_compliance c LEFT JOIN terminals t ON t.id = c.terminal_id "
        "WHERE c.date >= $1 AND c.date <= $2" +
            std::string(all_rows ? "" : " AND (c.violations > 0 OR c.exempted > 0)") +
            " ORDER BY c.date COLLATE \"C\", c.terminal_id COLLATE \"C\", c.control",
        {PgParam::text(from_date), PgParam::text(to_date)});
    std::vector<ComplianceRow> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        ComplianceRow row;
        row.terminal_id = r.text(i, 0);
        row.group = r.text(i, 1);
        row.control = static_cast<mamori::v1::Control>(r.integer(i, 2));
        row.events = static_cast<uint32_t>(r.integer(i, 3));
        row.violations = static_cast<uint32_t>(r.integer(i, 4));
        row.exempted = static_cast<uint32_t>(r.integer(i, 5));
        row.first_violation_ns = r.integer(i, 6);
        row.last_event_ns = r.integer(i, 7);
        row.date = r.text(i, 8);
        row.last_seen_unix = r.integer(i, 9);
        out.push_back(std::move(row));
    }
    return out;
}

std::vector<std::pair<std::string, uint32_t>> PostgresStore::reportingDays(const std::string& from_date,
                                                                           const std::string& to_date) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "SELECT terminal_id, bit_or(1 << (substr(date, 9, 2)::integer - 1)) FROM daily_compliance "
        "WHERE date >= $1 AND date <= $2 AND events > 0 GROUP BY terminal_id",
        {PgParam::text(from_date), PgParam::text(to_date)});
    std::vector<std::pair<std::string, uint32_t>> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), static_cast<uint32_t>(r.integer(i, 1)));
    return out;
}

// --- policies -------------------------------------------------------------------------------

uint64_t PostgresStore::addPolicy(PolicyRecord p) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "INSERT INTO policies (group_name, name, policy, created_unix, created_by) VALUES ($1, $2, $3, $4, $5) "
        "RETURNING version",
        {PgParam::text(p.group), PgParam::text(p.name), PgParam::bytes(p.policy), PgParam::integer(p.created_unix),
         PgParam::text(p.created_by)});
    return static_cast<uint64_t>(r.integer(0, 0));
}

std::optional<PolicyRecord> PostgresStore::latestPolicy(const std::string& group) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "SELECT version, group_name, name, policy, created_unix, created_by FROM policies "
        "WHERE group_name = $1 ORDER BY version DESC LIMIT 1",
        {PgParam::text(group)});
    if (r.rows() == 0) return std::nullopt;
    PolicyRecord p;
    p.version = static_cast<uint64_t>(r.integer(0, 0));
    p.group = r.text(0, 1);
    p.name = r.text(0, 2);
    p.policy = r.bytes(0, 3);
    p.created_unix = r.integer(0, 4);
    p.created_by = r.text(0, 5);
    return p;
}

// --- exceptions -----------------------------------------------------------------------------

namespace {

const std::string kExceptionColumns = "version, id, terminal_id, group_name, expires_unix, created_unix, exception";

std::vector<ExceptionRecord> readExceptions(const PgResult& r) {
    std::vector<ExceptionRecord> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({static_cast<uint64_t>(r.integer(i, 0)), r.text(i, 1), r.text(i, 2), r.text(i, 3),
                       r.integer(i, 4), r.integer(i, 5), r.bytes(i, 6)});
    return out;
}

}  // namespace

uint64_t PostgresStore::addException(ExceptionRecord e) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "INSERT INTO exceptions (id, terminal_id, group_name, expires_unix, created_unix, exception) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING version",
        {PgParam::text(e.id), PgParam::text(e.terminal), PgParam::text(e.group), PgParam::integer(e.expires_unix),
         PgParam::integer(e.created_unix), PgParam::bytes(e.exception)});
    if (r.rows() == 0) throw std::invalid_argument("exception " + e.id + " already exists");
    return static_cast<uint64_t>(r.integer(0, 0));
}

std::vector<ExceptionRecord> PostgresStore::exceptionsFor(const std::string& terminal_id, const std::string& group,
                                                          int64_t now_unix) {
    auto c = pool_.acquire();
    return readExceptions(c->exec(
        "SELECT " + kExceptionColumns +
            " FROM exceptions WHERE expires_unix > $3 AND "
            "((terminal_id <> '' AND terminal_id = $1) OR (group_name <> '' AND group_name = $2)) ORDER BY version",
        {PgParam::text(terminal_id), PgParam::text(group), PgParam::integer(now_unix)}));
}

std::vector<ExceptionRecord> PostgresStore::exceptions(int64_t now_unix, int64_t expiring_before_unix) {
    auto c = pool_.acquire();
    return readExceptions(c->exec("SELECT " + kExceptionColumns +
                                      " FROM exceptions WHERE expires_unix > $1 AND expires_unix < $2 "
                                      "ORDER BY expires_unix, version",
                                  {PgParam::integer(now_unix), PgParam::integer(expiring_before_unix)}));
}

// --- access log -----------------------------------------------------------------------------

void PostgresStore::recordAccess(const AccessRecord& a) {
    auto c = pool_.acquire();
    c->exec("INSERT INTO access_log (at_unix, user_name, role, terminal_id, action) VALUES ($1, $2, $3, $4, $5)",
            {PgParam::integer(a.at_unix), PgParam::text(a.user), PgParam::text(a.role), PgParam::text(a.terminal_id),
             PgParam::text(a.action)});
}

std::vector<AccessRecord> PostgresStore::accessLog(int64_t since_unix, uint32_t limit) {
    auto c = pool_.acquire();
    const PgResult r = c->exec(
        "SELECT at_unix, user_name, role, terminal_id, action FROM access_log WHERE at_unix >= $1 "
        "ORDER BY id DESC LIMIT $2",
        {PgParam::integer(since_unix), PgParam::integer(limit)});
    std::vector<AccessRecord> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4)});
    return out;
}

// --- whole-store copy -----------------------------------------------------------------------

namespace {

// What SELECT reads for a column: booleans as 0/1 as SQLite keeps them, and an officer's
// sections (a table of their own here) as the JSON array SQLite keeps in admin_users.sections.
std::string selectExpression(const StoreTable& t, const StoreColumn& c) {
    if (c.kind == StoreColumn::Kind::Boolean) return std::string(c.name) + "::int";
    if (std::string_view(t.name) == "admin_users" && std::string_view(c.name) == "sections")
        return "coalesce((SELECT json_agg(s.section ORDER BY s.position)::text FROM admin_user_sections s "
               "WHERE s.user_name = admin_users.name), '[]')";
    return c.name;
}

PgParam cell(const StoreColumn& c, const std::optional<std::string>& v) {
    if (!v) return PgParam::null();
    // Integers and booleans as decimal text: PostgreSQL reads '0' and '1' as booleans.
    return c.kind == StoreColumn::Kind::Blob ? PgParam::bytes(*v) : PgParam::text(*v);
}

}  // namespace

std::vector<TableRow> PostgresStore::readRows(const StoreTable& t, const TableRow* after, size_t limit) {
    const std::string keys = columnNames(t, t.key_columns);
    std::string select;
    for (const auto& c : t.columns) select += (select.empty() ? "" : ", ") + selectExpression(t, c);
    std::string sql = "SELECT " + select + " FROM " + t.name;
    std::vector<PgParam> params;
    if (after) {
        std::string marks;
        for (size_t i = 0; i < t.key_columns; ++i) {
            marks += (i ? ", $" : "$") + std::to_string(i + 1);
            params.push_back(cell(t.columns[i], (*after)[i]));
        }
        sql += " WHERE (" + keys + ") > (" + marks + ")";
    }
    sql += " ORDER BY " + keys + " LIMIT " + std::to_string(limit);
    auto c = pool_.acquire();
    const PgResult r = c->exec(sql, params);
    std::vector<TableRow> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        TableRow values;
        for (size_t i = 0; i < t.columns.size(); ++i) {
            const int col = static_cast<int>(i);
            if (r.isNull(row, col)) values.emplace_back();
            else if (t.columns[i].kind == StoreColumn::Kind::Blob) values.emplace_back(r.bytes(row, col));
            else values.emplace_back(r.text(row, col));
        }
        // The sections in the JSON spelling SqliteStore stores, not json_agg's.
        if (std::string_view(t.name) == "admin_users")
            values.at(2) = boost::json::serialize(boost::json::parse(values.at(2).value_or("[]")));
        out.push_back(std::move(values));
    }
    return out;
}

void PostgresStore::writeRows(const StoreTable& t, const std::vector<TableRow>& rows) {
    if (std::string_view(t.name) == "admin_users") {
        // Through addAdminUser, which knows where the sections go.
        for (const auto& row : rows) {
            AdminUser u{row.at(0).value(), row.at(1).value(), {}, row.at(3).value()};
            const boost::json::value sections = boost::json::parse(row.at(2).value_or("[]"));
            for (const auto& s : sections.as_array()) u.sections.emplace_back(s.as_string());
            addAdminUser(u);
        }
        return;
    }
    const size_t n = t.columns.size();
    const size_t per_statement = std::max<size_t>(1, std::min<size_t>(500, 60000 / n));  // 65535 parameters at most
    auto c = pool_.acquire();
    c->transaction([&] {
        for (size_t start = 0; start < rows.size(); start += per_statement) {
            const size_t end = std::min(rows.size(), start + per_statement);
            std::string sql = "INSERT INTO " + std::string(t.name) + " (" + columnNames(t, n) + ") VALUES ";
            std::vector<PgParam> params;
            params.reserve((end - start) * n);
            for (size_t r = start; r < end; ++r) {
                sql += r == start ? "(" : ",(";
                for (size_t i = 0; i < n; ++i) {
                    sql += (i ? ",$" : "$") + std::to_string(params.size() + 1);
                    params.push_back(cell(t.columns[i], rows[r].at(i)));
                }
                sql += ')';
            }
            c->exec(sql, params);
        }
    });
}

uint64_t PostgresStore::rowCount(const StoreTable& t) {
    auto c = pool_.acquire();
    return static_cast<uint64_t>(c->exec("SELECT count(*) FROM " + std::string(t.name)).integer(0, 0));
}

uint64_t PostgresStore::lastPolicyVersion() {
    auto c = pool_.acquire();
    return static_cast<uint64_t>(
        c->exec("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM policy_versions").integer(0, 0));
}

void PostgresStore::finishCopy(uint64_t last_policy_version) {
    auto c = pool_.acquire();
    c->transaction([&] {
        c->exec("SELECT setval('policy_versions', m) FROM (SELECT greatest($1::bigint, "
                "(SELECT coalesce(max(version), 0) FROM policies), (SELECT coalesce(max(version), 0) FROM exceptions), "
                "(SELECT coalesce(max(policy_reissue_version), 0) FROM terminals)) AS m) x WHERE m > 0",
                {PgParam::integer(toSql(last_policy_version))});
        for (const char* table : {"evidence_issues", "access_log"})
            c->exec(std::string("SELECT setval(pg_get_serial_sequence('") + table + "', 'id'), m) FROM (SELECT max(id) AS m FROM " +
                    table + ") x WHERE m IS NOT NULL");
    });
}

// --- settings and admin users ---------------------------------------------------------------

std::optional<std::string> PostgresStore::setting(const std::string& key) {
    auto c = pool_.acquire();
    const PgResult r = c->exec("SELECT value FROM settings WHERE key = $1", {PgParam::text(key)});
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
}

void PostgresStore::putSetting(const std::string& key, const std::string& value) {
    auto c = pool_.acquire();
    c->exec("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {PgParam::text(key), PgParam::text(value)});
}

void PostgresStore::addAdminUser(const AdminUser& u) {
    auto c = pool_.acquire();
    c->transaction([&] {
        const PgResult r = c->exec(
            "INSERT INTO admin_users (name, role, token_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            {PgParam::text(u.name), PgParam::text(u.role), PgParam::text(u.token_hash)});
        if (r.affected() == 0)
            throw std::invalid_argument("admin user " + u.name + " already exists, or its token is already in use");
        for (size_t i = 0; i < u.sections.size(); ++i)
            c->exec("INSERT INTO admin_user_sections (user_name, position, section) VALUES ($1, $2, $3)",
                    {PgParam::text(u.name), PgParam::integer(static_cast<int64_t>(i)), PgParam::text(u.sections[i])});
    });
}

std::optional<AdminUser> PostgresStore::adminByTokenHash(const std::string& token_hash) {
    auto c = pool_.acquire();
    const PgResult r =
        c->exec("SELECT name, role, token_hash FROM admin_users WHERE token_hash = $1", {PgParam::text(token_hash)});
    if (r.rows() == 0) return std::nullopt;
    AdminUser u;
    u.name = r.text(0, 0);
    u.role = r.text(0, 1);
    u.token_hash = r.text(0, 2);
    const PgResult s = c->exec("SELECT section FROM admin_user_sections WHERE user_name = $1 ORDER BY position",
                               {PgParam::text(u.name)});
    for (int i = 0; i < s.rows(); ++i) u.sections.push_back(s.text(i, 0));
    return u;
}

}  // namespace mamori::collector
