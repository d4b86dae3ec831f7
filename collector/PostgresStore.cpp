#include "collector/PostgresStore.h"

#include "collector/AdminRole.h"

#include <boost/json.hpp>
#include <stdexcept>
#include <string_view>

#include "collector/PgSqlConnection.h"

namespace mamori::collector {
namespace {

using P = SqlParam;

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
    // 4: the collector's clock as the evidence clock, and tampering kept standing until resolved.
    // Events stored before this step have no recorded arrival: their own time is the best there is.
    R"sql(
ALTER TABLE terminals ADD COLUMN clock_wrong BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE terminals ADD COLUMN tampering_since_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN tampering_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN arrival_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN filed_by_arrival BOOLEAN NOT NULL DEFAULT false;
UPDATE events SET arrival_unix = utc_ns / 1000000000;
)sql",
    // 5: standing conditions (StandingCondition), and terminals off after a clean stop.
    R"sql(
CREATE TABLE conditions (
  id BIGSERIAL PRIMARY KEY,
  terminal_id TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  control INTEGER NOT NULL,
  reason TEXT NOT NULL,
  since_unix BIGINT NOT NULL,
  since_date TEXT NOT NULL,
  cleared_unix BIGINT NOT NULL DEFAULT 0,
  cleared_date TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX conditions_open ON conditions (terminal_id, condition_key) WHERE cleared_unix = 0;
CREATE INDEX conditions_cleared ON conditions (cleared_date) WHERE cleared_unix <> 0;
ALTER TABLE terminals ADD COLUMN off_since_unix BIGINT NOT NULL DEFAULT 0;
CREATE INDEX terminals_tampering ON terminals (id) WHERE tampering_since_unix <> 0;
CREATE TABLE reporting_days (
  terminal_id TEXT NOT NULL,
  month TEXT NOT NULL,
  days BIGINT NOT NULL,
  PRIMARY KEY (terminal_id, month)
);
INSERT INTO reporting_days (terminal_id, month, days)
  SELECT terminal_id, substr(date, 1, 7), bit_or(1 << (CAST(substr(date, 9, 2) AS INTEGER) - 1))
  FROM daily_compliance WHERE events > 0 GROUP BY terminal_id, substr(date, 1, 7);
)sql",
    // 6: roles as the security organisation has them (AdminRole): administrators become
    // security_admin and officers section_manager; rights the CISO grants; disabled accounts.
    // Exceptions through their life (requested, active, revoked) with every change kept.
    R"sql(
ALTER TABLE admin_users ADD COLUMN rights TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_users ADD COLUMN disabled_unix BIGINT NOT NULL DEFAULT 0;
UPDATE admin_users SET role = 'security_admin' WHERE role = 'admin';
UPDATE admin_users SET role = 'section_manager' WHERE role = 'officer';
ALTER TABLE exceptions ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE exceptions ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN ended_unix BIGINT NOT NULL DEFAULT 0;
CREATE TABLE exception_history (
  id BIGSERIAL PRIMARY KEY,
  exception_id TEXT NOT NULL,
  at_unix BIGINT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX exception_history_by_exception ON exception_history (exception_id, id);
)sql",
    // 7: the terminal's lifecycle: TLS certificates renewed apart from the event key, pending until
    // presented; decommissioned terminals; revoked enrollment tokens (see SqliteStore, step 7).
    R"sql(
ALTER TABLE terminals ADD COLUMN tls_certificate_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN tls_public_key BYTEA NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN pending_certificate_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN pending_public_key BYTEA NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN certificate_renewed_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN decommissioned_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN decommissioned_by TEXT NOT NULL DEFAULT '';
ALTER TABLE terminals ADD COLUMN decommission_reason TEXT NOT NULL DEFAULT '';
UPDATE terminals SET tls_certificate_pem = certificate_pem, tls_public_key = public_key;
ALTER TABLE enroll_tokens ADD COLUMN revoked_unix BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enroll_tokens ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
)sql",
    // 8: the media ledger (媒体管理台帳, MediaStore): registered sticks through their life, the
    // terminals an entry is limited to, and every change. Versions from policy_versions.
    R"sql(
CREATE TABLE media (
  id TEXT PRIMARY KEY,
  version BIGINT NOT NULL UNIQUE,
  device TEXT NOT NULL,
  description TEXT NOT NULL,
  owner_section TEXT NOT NULL,
  purpose TEXT NOT NULL,
  access TEXT NOT NULL,
  encrypted BOOLEAN NOT NULL,
  until_date TEXT NOT NULL,
  expires_unix BIGINT NOT NULL,
  state TEXT NOT NULL,
  source_event TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_unix BIGINT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_unix BIGINT NOT NULL,
  retire_requested_by TEXT NOT NULL,
  retire_requested_unix BIGINT NOT NULL,
  erased_by TEXT NOT NULL,
  erase_method TEXT NOT NULL,
  retire_reason TEXT NOT NULL,
  ended_by TEXT NOT NULL,
  ended_unix BIGINT NOT NULL
);
-- One stick, one live ledger line: the database refuses a second, even from another collector.
CREATE UNIQUE INDEX media_live_device ON media (device) WHERE state IN ('requested', 'active', 'retiring');
CREATE INDEX media_by_section ON media (owner_section);
-- The terminals an entry is limited to; none: every terminal of its owner section.
CREATE TABLE media_terminals (
  media_id TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  PRIMARY KEY (media_id, terminal_id)
);
CREATE INDEX media_terminals_by_terminal ON media_terminals (terminal_id);
CREATE TABLE media_history (
  id BIGSERIAL PRIMARY KEY,
  media_id TEXT NOT NULL,
  at_unix BIGINT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX media_history_by_media ON media_history (media_id, id);
)sql",
    // 9: the console (ConsoleStore): accounts' passwords and failed attempts, and signed-in
    // browsers, kept here so that collectors sharing a database share them.
    R"sql(
CREATE TABLE console_logins (
  user_name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  failed BIGINT NOT NULL,
  locked_until_unix BIGINT NOT NULL,
  changed_unix BIGINT NOT NULL
);
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_unix BIGINT NOT NULL,
  last_unix BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_name);
)sql",
};
static_assert(std::size(kMigrations) == PostgresStore::kSchemaVersion);


bool isAdminUsers(const StoreTable& t) { return std::string_view(t.name) == "admin_users"; }

}  // namespace

PostgresStore::PostgresStore(const std::string& url, size_t connections)
    : SqlStore(static_cast<SqlBackend&>(*this)), pool_(url, connections) {
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
                    {PgParam::text(std::to_string(kApplicationId)), PgParam::text(std::to_string(kSchemaVersion))});
        }
    });
}

const SqlDialect& PostgresStore::dialect() const {
    // A sequence never hands out a number twice, even after a rollback.
    static const SqlDialect postgres{
        "greatest", "least", " COLLATE \"C\"", "SELECT nextval('policy_versions')",
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM policy_versions",
        "SELECT (SELECT setval('policy_versions', m) FROM (SELECT greatest(?1, "
        "(SELECT coalesce(max(version), 0) FROM policies), (SELECT coalesce(max(version), 0) FROM exceptions), "
        "(SELECT coalesce(max(version), 0) FROM media), "
        "(SELECT coalesce(max(policy_reissue_version), 0) FROM terminals)) AS m) x WHERE m > 0), "
        "(SELECT setval(pg_get_serial_sequence('evidence_issues', 'id'), max(id)) FROM evidence_issues "
        "HAVING max(id) IS NOT NULL), "
        "(SELECT setval(pg_get_serial_sequence('access_log', 'id'), max(id)) FROM access_log HAVING max(id) IS NOT NULL), "
        "(SELECT setval(pg_get_serial_sequence('conditions', 'id'), max(id)) FROM conditions HAVING max(id) IS NOT NULL), "
        "(SELECT setval(pg_get_serial_sequence('exception_history', 'id'), max(id)) FROM exception_history "
        "HAVING max(id) IS NOT NULL), "
        "(SELECT setval(pg_get_serial_sequence('media_history', 'id'), max(id)) FROM media_history "
        "HAVING max(id) IS NOT NULL)",
        "SELECT section FROM admin_user_sections", "SELECT pg_database_size(current_database())"};
    return postgres;
}

void PostgresStore::read(const Work& work) {
    auto c = pool_.acquire();
    PgSqlConnection connection(*c);
    work(connection);
}

// Any pooled connection writes: each statement outside a transaction, and each transaction,
// is on the server's disk once its COMMIT returns.
void PostgresStore::write(const Work& work) { read(work); }

bool PostgresStore::insertAdminUser(SqlConnection& c, const AdminUser& u) {
    bool added = false;
    c.transaction([&] {
        added = c.run("INSERT INTO admin_users (name, role, token_hash, rights, disabled_unix) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                      {P::text(u.name), P::text(u.role), P::text(u.token_hash),
                       P::text(AdminRole::joinRights(u.rights)), P::integer(u.disabled_unix)}) != 0;
        if (added) writeSections(c, u.name, u.sections);
    });
    return added;
}

std::vector<AdminUser> PostgresStore::selectAdminUsers(SqlConnection& c, const std::string& where,
                                                       const std::vector<SqlParam>& params) {
    std::vector<AdminUser> users;
    c.run("SELECT name, role, token_hash, rights, disabled_unix FROM admin_users" +
              (where.empty() ? "" : " WHERE " + where) + " ORDER BY name",
          params, [&](const SqlRow& r) {
              users.push_back(
                  AdminUser{r.text(0), r.text(1), {}, r.text(2), AdminRole::splitRights(r.text(3)), r.integer(4)});
          });
    for (auto& u : users)
        c.run("SELECT section FROM admin_user_sections WHERE user_name = ?1 ORDER BY position", {P::text(u.name)},
              [&](const SqlRow& r) { u.sections.push_back(r.text(0)); });
    return users;
}

void PostgresStore::writeSections(SqlConnection& c, const std::string& name, const std::vector<std::string>& sections) {
    c.run("DELETE FROM admin_user_sections WHERE user_name = ?1", {P::text(name)});
    for (size_t i = 0; i < sections.size(); ++i)
        c.run("INSERT INTO admin_user_sections (user_name, position, section) VALUES (?1, ?2, ?3)",
              {P::text(name), P::integer(i), P::text(sections[i])});
}

// What SELECT reads for a copied column: booleans as 0/1 as SQLite keeps them, and a section manager's
// sections (a table of their own here) as the JSON array SQLite keeps in admin_users.sections.
std::string PostgresStore::selectExpression(const StoreTable& t, const StoreColumn& c) {
    if (c.kind == StoreColumn::Kind::Boolean) return std::string(c.name) + "::int";
    if (isAdminUsers(t) && std::string_view(c.name) == "sections")
        return "coalesce((SELECT json_agg(s.section ORDER BY s.position)::text FROM admin_user_sections s "
               "WHERE s.user_name = admin_users.name), '[]')";
    return c.name;
}

void PostgresStore::normalizeRow(const StoreTable& t, TableRow& row) {
    // The sections in the JSON spelling SqliteStore stores, not json_agg's.
    if (isAdminUsers(t)) row.at(2) = boost::json::serialize(boost::json::parse(row.at(2).value_or("[]")));
}

bool PostgresStore::writeRowsSpecially(SqlConnection& c, const StoreTable& t, const std::vector<TableRow>& rows) {
    if (!isAdminUsers(t)) return false;
    // Through insertAdminUser, which knows where the sections go.
    for (const auto& row : rows) {
        AdminUser u{row.at(0).value(), row.at(1).value(), {}, row.at(3).value(),
                    AdminRole::splitRights(row.at(4).value_or("")), std::stoll(row.at(5).value_or("0"))};
        const boost::json::value sections = boost::json::parse(row.at(2).value_or("[]"));
        for (const auto& s : sections.as_array()) u.sections.emplace_back(s.as_string());
        if (!insertAdminUser(c, u))
            throw std::runtime_error("admin user " + u.name + " is already in the target store");
    }
    return true;
}

}  // namespace mamori::collector
