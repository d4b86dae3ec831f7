#include "collector/SqlStore.h"

#include "collector/AdminRole.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <string_view>
#include <type_traits>
#include <utility>

#include "collector/ComplianceDelta.h"
#include "collector/StandingCondition.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {
namespace {

using common::UserError;
using P = SqlParam;

// Runs f on a connection of the backend and hands back what it returned.
template <class F>
auto reading(SqlBackend& db, F&& f) {
    std::invoke_result_t<F, SqlConnection&> out{};
    db.read([&](SqlConnection& c) { out = f(c); });
    return out;
}
template <class F>
auto writing(SqlBackend& db, F&& f) {
    std::invoke_result_t<F, SqlConnection&> out{};
    db.write([&](SqlConnection& c) { out = f(c); });
    return out;
}

// Runs a statement that returns one number; 0 when it returns no row.
uint64_t numberOf(SqlConnection& c, const std::string& sql, SqlConnection::Params params = {}) {
    uint64_t n = 0;
    c.run(sql, params, [&](const SqlRow& r) { n = r.count(0); });
    return n;
}

// Reads every row of a statement with `read`.
template <class T, class Read>
std::vector<T> rowsOf(SqlConnection& c, const std::string& sql, SqlConnection::Params params, Read read) {
    std::vector<T> out;
    c.run(sql, params, [&](const SqlRow& r) { out.push_back(read(r)); });
    return out;
}

UserError unknownTerminal(const std::string& id) {
    return UserError::notFound("unknown terminal " + id, "端末 " + id + " は登録されていません");
}

const std::string kTerminalColumns =
    "id, hostname, group_name, certificate_pem, public_key, enrolled_unix, last_seen_unix, head_seq, "
    "head_hash, applied_policy_version, clock_skew_ms, policy_reissue_version, clock_wrong, tampering_since_unix, "
    "tampering_detail, off_since_unix, tls_certificate_pem, tls_public_key, pending_certificate_pem, "
    "pending_public_key, certificate_renewed_unix, decommissioned_unix, decommissioned_by, decommission_reason";
// The same for lists, without the certificates: views of the whole fleet (compliance, status) read
// every terminal, and 10,000 certificates are most of those bytes.
const std::string kTerminalListColumns =
    "id, hostname, group_name, '' AS certificate_pem, public_key, enrolled_unix, last_seen_unix, head_seq, "
    "head_hash, applied_policy_version, clock_skew_ms, policy_reissue_version, clock_wrong, tampering_since_unix, "
    "tampering_detail, off_since_unix, '' AS tls_certificate_pem, tls_public_key, '' AS pending_certificate_pem, "
    "pending_public_key, certificate_renewed_unix, decommissioned_unix, decommissioned_by, decommission_reason";

TerminalRecord readTerminal(const SqlRow& r) {
    TerminalRecord t;
    t.id = r.text(0);
    t.hostname = r.text(1);
    t.group = r.text(2);
    t.certificate_pem = r.text(3);
    t.public_key = r.blob(4);
    t.enrolled_unix = r.integer(5);
    t.last_seen_unix = r.integer(6);
    t.head_seq = r.count(7);
    t.head_hash = r.blob(8);
    t.applied_policy_version = r.count(9);
    t.clock_skew_ms = r.integer(10);
    t.policy_reissue_version = r.count(11);
    t.clock_wrong = r.boolean(12);
    t.tampering_since_unix = r.integer(13);
    t.tampering_detail = r.text(14);
    t.off_since_unix = r.integer(15);
    t.tls_certificate_pem = r.text(16);
    t.tls_public_key = r.blob(17);
    t.pending_certificate_pem = r.text(18);
    t.pending_public_key = r.blob(19);
    t.certificate_renewed_unix = r.integer(20);
    t.decommissioned_unix = r.integer(21);
    t.decommissioned_by = r.text(22);
    t.decommission_reason = r.text(23);
    return t;
}

const std::string kEnrollTokenColumns =
    "token_hash, group_name, expires_unix, created_by, coalesce(used_unix, 0), revoked_unix, revoked_by";

EnrollToken readEnrollToken(const SqlRow& r) {
    return EnrollToken{r.text(0), r.text(1), r.integer(2), r.text(3), r.integer(4), r.integer(5), r.text(6)};
}

const std::string kExceptionColumns =
    "version, id, terminal_id, group_name, expires_unix, created_unix, exception, state, requested_by, approved_by, "
    "ended_unix";

ExceptionRecord readException(const SqlRow& r) {
    return {r.count(0), r.text(1), r.text(2), r.text(3), r.integer(4),  r.integer(5),
            r.blob(6),  r.text(7), r.text(8), r.text(9), r.integer(10)};
}

void insertChange(SqlConnection& c, const ExceptionChange& x) {
    c.run("INSERT INTO exception_history (exception_id, at_unix, actor, role, action, note) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
          {SqlParam::text(x.exception_id), SqlParam::integer(x.at_unix), SqlParam::text(x.actor),
           SqlParam::text(x.role), SqlParam::text(x.action), SqlParam::text(x.note)});
}

const std::string kMediaColumns =
    "version, id, device, description, owner_section, purpose, access, encrypted, until_date, expires_unix, state, "
    "source_event, requested_by, requested_unix, approved_by, approved_unix, retire_requested_by, "
    "retire_requested_unix, erased_by, erase_method, retire_reason, ended_by, ended_unix";

MediaRecord readMedia(const SqlRow& r) {
    MediaRecord m;
    m.version = r.count(0);
    m.id = r.text(1);
    m.device = r.text(2);
    m.description = r.text(3);
    m.owner_section = r.text(4);
    m.purpose = r.text(5);
    m.access = r.text(6);
    m.encrypted = r.boolean(7);
    m.until = r.text(8);
    m.expires_unix = r.integer(9);
    m.state = r.text(10);
    m.source_event = r.text(11);
    m.requested_by = r.text(12);
    m.requested_unix = r.integer(13);
    m.approved_by = r.text(14);
    m.approved_unix = r.integer(15);
    m.retire_requested_by = r.text(16);
    m.retire_requested_unix = r.integer(17);
    m.erased_by = r.text(18);
    m.erase_method = r.text(19);
    m.retire_reason = r.text(20);
    m.ended_by = r.text(21);
    m.ended_unix = r.integer(22);
    return m;
}

// The entries with the terminals each is limited to (few: one query each).
std::vector<MediaRecord> mediaRows(SqlConnection& c, const SqlDialect& d, const std::string& sql,
                                   SqlConnection::Params params) {
    auto rows = rowsOf<MediaRecord>(c, sql, params, readMedia);
    for (auto& m : rows)
        m.terminals = rowsOf<std::string>(
            c, "SELECT terminal_id FROM media_terminals WHERE media_id = ?1 ORDER BY terminal_id" + d.byte_order,
            {P::text(m.id)}, [](const SqlRow& r) { return r.text(0); });
    return rows;
}

void insertMediaChange(SqlConnection& c, const MediaChange& x) {
    c.run("INSERT INTO media_history (media_id, at_unix, actor, role, action, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
          {SqlParam::text(x.media_id), SqlParam::integer(x.at_unix), SqlParam::text(x.actor), SqlParam::text(x.role),
           SqlParam::text(x.action), SqlParam::text(x.note)});
}

// The live entry (requested, active or retiring) of a device, if any.
std::string liveEntryOf(SqlConnection& c, const std::string& device) {
    std::string id;
    c.run("SELECT id FROM media WHERE device = ?1 AND state IN ('requested', 'active', 'retiring')",
          {SqlParam::text(device)}, [&](const SqlRow& r) { id = r.text(0); });
    return id;
}

UserError deviceAlreadyRegistered(const std::string& device, const std::string& id) {
    return UserError::conflict("device " + device + " is already in the media ledger as " + id +
                                   "; one stick has one entry in force: retire or withdraw " + id + " first",
                               "媒体 " + device + " は既に媒体管理台帳に " + id + " として登録されています。1 本の媒体に" +
                                   "有効な登録は 1 件です。先に " + id + " を廃棄または取り下げてください");
}

constexpr const char* kEventColumns =
    "terminal_id, seq, utc_ns, local_date, type, control, violation, outcome, rule_id, body, prev_hash, hash, signature, "
    "arrival_unix, filed_by_arrival";
constexpr size_t kEventColumnCount = 15;

// Issue kinds that only an altered journal or a forked chain produces: the terminal is shown as
// "tampering suspected" until an administrator resolves it. A gap may be lost evidence.
bool suspectsTampering(const std::string& kind) { return kind == "tampered" || kind == "fork"; }

// Rows per delete: each is its own short write, so ingest takes turns with a large purge.
constexpr int64_t kPurgeChunk = 2000;

// A cell of a copied table as a parameter of its column's type. It borrows the cell's text.
SqlParam cell(const StoreColumn& c, const std::optional<std::string>& v) {
    if (!v) return P::null();
    switch (c.kind) {
        case StoreColumn::Kind::Text: return P::text(*v);
        case StoreColumn::Kind::Blob: return P::blob(*v);
        case StoreColumn::Kind::Boolean: return P::boolean(std::stoll(*v) != 0);
        case StoreColumn::Kind::Integer: break;
    }
    return P::integer(static_cast<int64_t>(std::stoll(*v)));
}

}  // namespace

// --- enrollment tokens ----------------------------------------------------------------------

void SqlStore::addEnrollToken(const EnrollToken& t) {
    db_.write([&](SqlConnection& c) {
        if (c.run("INSERT INTO enroll_tokens (token_hash, group_name, expires_unix, created_by) "
                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                  {P::text(t.token_hash), P::text(t.group), P::integer(t.expires_unix), P::text(t.created_by)}) == 0)
            throw UserError::conflict("this enrollment token already exists", "この登録トークンは既にあります");
    });
}

std::optional<EnrollToken> SqlStore::consumeEnrollToken(const std::string& token_hash, int64_t now_unix) {
    // One statement marks and reads: SQLite's write lock, or PostgreSQL's row lock (a concurrent
    // consumer waits for it, then re-checks `used`), gives the row to exactly one of two
    // concurrent consumers, even in another process. Durable before it returns: a token must
    // not become usable again after a crash.
    return writing(db_, [&](SqlConnection& c) {
        std::optional<EnrollToken> t;
        c.run("UPDATE enroll_tokens SET used = TRUE, used_unix = ?2 "
              "WHERE token_hash = ?1 AND NOT used AND expires_unix > ?2 "
              "RETURNING token_hash, group_name, expires_unix, created_by",
              {P::text(token_hash), P::integer(now_unix)},
              [&](const SqlRow& r) { t = EnrollToken{r.text(0), r.text(1), r.integer(2), r.text(3)}; });
        return t;
    });
}

std::optional<EnrollToken> SqlStore::enrollToken(const std::string& token_hash) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<EnrollToken> t;
        c.run("SELECT " + kEnrollTokenColumns + " FROM enroll_tokens WHERE token_hash = ?1", {P::text(token_hash)},
              [&](const SqlRow& r) { t = readEnrollToken(r); });
        return t;
    });
}

std::vector<EnrollToken> SqlStore::enrollTokens() {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<EnrollToken>(c,
                                   "SELECT " + kEnrollTokenColumns + " FROM enroll_tokens ORDER BY expires_unix DESC, "
                                   "token_hash" + db_.dialect().byte_order,
                                   {}, readEnrollToken);
    });
}

EnrollToken SqlStore::revokeEnrollToken(const std::string& id, int64_t now_unix, const std::string& by) {
    if (id.size() != EnrollToken::kIdLength)
        throw UserError::invalid("a token id is the " + std::to_string(EnrollToken::kIdLength) +
                                     " characters `mamorictl token list` shows; '" + id + "' is not one",
                                 "トークンIDは `mamorictl token list` に表示される " +
                                     std::to_string(EnrollToken::kIdLength) + " 文字です（「" + id + "」は違います）");
    return writing(db_, [&](SqlConnection& c) {
        std::vector<EnrollToken> found;
        c.transaction([&] {
            // Ids are short: two tokens may share one, and then neither is revoked by it.
            found = rowsOf<EnrollToken>(c,
                                        "SELECT " + kEnrollTokenColumns +
                                            " FROM enroll_tokens WHERE substr(token_hash, 1, " +
                                            std::to_string(EnrollToken::kIdLength) + ") = lower(?1)",
                                        {P::text(id)}, readEnrollToken);
            if (found.empty())
                throw UserError::notFound("no enrollment token has the id " + id + " (see mamorictl token list)",
                                          "ID " + id + " の登録トークンはありません（mamorictl token list で確認できます）");
            if (found.size() > 1)
                throw UserError::conflict("more than one token has the id " + id + "; none was revoked",
                                          "ID " + id + " のトークンが複数あるため、失効させませんでした");
            const EnrollToken& t = found.front();
            if (t.revoked_unix != 0)
                throw UserError::conflict("token " + id + " is already revoked (by " + t.revoked_by + ")",
                                          "トークン " + id + " は既に失効しています（" + t.revoked_by + "）");
            if (t.used_unix != 0)
                throw UserError::conflict("token " + id + " was already used to enroll a terminal; to take that "
                                              "terminal out of service, use mamorictl terminal decommission",
                                          "トークン " + id + " は既に端末の登録に使われています。その端末を停止するには "
                                              "mamorictl terminal decommission を使ってください");
            if (t.expires_unix <= now_unix)
                throw UserError::conflict("token " + id + " has already expired; it can enroll nothing",
                                          "トークン " + id + " は既に期限切れで、登録には使えません");
            // `used` is set too: the one statement that consumes tokens then refuses it as well.
            c.run("UPDATE enroll_tokens SET used = TRUE, revoked_unix = ?2, revoked_by = ?3 "
                  "WHERE token_hash = ?1 AND NOT used",
                  {P::text(t.token_hash), P::integer(now_unix), P::text(by)});
            found.front().revoked_unix = now_unix;
            found.front().revoked_by = by;
        });
        return found.front();
    });
}

// --- terminals ------------------------------------------------------------------------------

void SqlStore::addTerminal(const TerminalRecord& t) {
    // At enrollment one certificate does both: it is the TLS identity and vouches for the event key.
    const bool same = t.tls_public_key.empty();
    db_.write([&](SqlConnection& c) {
        if (c.run("INSERT INTO terminals (" + kTerminalColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                      "?20, ?21, ?22, ?23, ?24) ON CONFLICT DO NOTHING",
                  {P::text(t.id), P::text(t.hostname), P::text(t.group), P::text(t.certificate_pem),
                   P::blob(t.public_key), P::integer(t.enrolled_unix), P::integer(t.last_seen_unix),
                   P::integer(t.head_seq), P::blob(t.head_hash), P::integer(t.applied_policy_version),
                   P::integer(t.clock_skew_ms), P::integer(t.policy_reissue_version), P::boolean(t.clock_wrong),
                   P::integer(t.tampering_since_unix), P::text(t.tampering_detail),
                   P::integer(t.off_since_unix), P::text(same ? t.certificate_pem : t.tls_certificate_pem),
                   P::blob(same ? t.public_key : t.tls_public_key), P::text(t.pending_certificate_pem),
                   P::blob(t.pending_public_key), P::integer(t.certificate_renewed_unix),
                   P::integer(t.decommissioned_unix), P::text(t.decommissioned_by),
                   P::text(t.decommission_reason)}) == 0)
            throw UserError::conflict("terminal " + t.id + " is already enrolled",
                                      "端末 " + t.id + " は既に登録されています");
    });
}

std::optional<TerminalRecord> SqlStore::terminal(const std::string& id) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<TerminalRecord> t;
        c.run("SELECT " + kTerminalColumns + " FROM terminals WHERE id = ?1", {P::text(id)},
              [&](const SqlRow& r) { t = readTerminal(r); });
        return t;
    });
}

std::vector<TerminalRecord> SqlStore::terminalList(const std::string& where, std::initializer_list<SqlParam> params) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<TerminalRecord>(
            c, "SELECT " + kTerminalListColumns + " FROM terminals" + where + " ORDER BY id" + db_.dialect().byte_order,
            params, readTerminal);
    });
}

std::vector<TerminalRecord> SqlStore::terminals() { return terminalList("", {}); }

std::vector<TerminalRecord> SqlStore::silentTerminals(int64_t before_unix) {
    // A decommissioned terminal is expected nowhere: its silence is no news.
    return terminalList(" WHERE " + db_.dialect().greatest +
                            "(last_seen_unix, enrolled_unix) < ?1 AND decommissioned_unix = 0",
                        {P::integer(before_unix)});
}

std::vector<TerminalRecord> SqlStore::tamperingSuspected() {
    return terminalList(" WHERE tampering_since_unix <> 0", {});
}

std::vector<std::string> SqlStore::knownGroups() {
    auto groups = reading(db_, [&](SqlConnection& c) {
        return rowsOf<std::string>(c,
                                   "SELECT group_name FROM terminals UNION SELECT group_name FROM enroll_tokens "
                                   "UNION SELECT group_name FROM policies UNION " +
                                       db_.dialect().manager_sections,
                                   {}, [](const SqlRow& r) { return r.text(0); });
    });
    // Byte order, as every list of the store is sorted, whatever the database's locale.
    std::sort(groups.begin(), groups.end());
    return groups;
}

void SqlStore::recordSync(const std::string& id, const Sync& s) {
    if (s.clock_wrong && s.clock_date.empty())
        throw UserError::invalid("a wrong clock without the date to count it on, for terminal " + id,
                                 "端末 " + id + " の時計の違反に日付がありません");
    // Every sync writes when the terminal was seen and its clock's skew again: not worth an fsync
    // per sync, which at fleet scale was a tenth of the collector's time. A clock that went wrong
    // or right is a finding, though: that one is made durable before the sync is answered.
    db_.writeDurableWhen([&](SqlConnection& c) {
        bool changed = false;
        c.transaction([&] {
            if (c.run("UPDATE terminals SET last_seen_unix = " + db_.dialect().greatest +
                          "(last_seen_unix, ?2), applied_policy_version = ?3, clock_skew_ms = ?4, clock_wrong = ?5 "
                          "WHERE id = ?1",
                      {P::text(id), P::integer(s.now_unix), P::integer(s.applied_policy_version),
                       P::integer(s.clock_skew_ms), P::boolean(s.clock_wrong)}) == 0)
                throw unknownTerminal(id);
            if (s.clock_date.empty()) return;
            const StandingCondition clock{StandingCondition::kClockKey, mamori::v1::CLOCK, s.clock_wrong,
                                          s.clock_reason};
            changed = changeCondition(c, id, clock, s.now_unix, s.clock_date);
            // Counted on the day it goes wrong; the days after, it stands.
            if (changed && s.clock_wrong) {
                ComplianceDelta delta;
                delta.add(s.now_unix * 1'000'000'000, true, false);
                upsertCompliance(c, s.clock_date, id, mamori::v1::CLOCK, delta);
            }
        });
        return changed;
    });
}

bool SqlStore::changeCondition(SqlConnection& c, const std::string& terminal_id, const StandingCondition& condition,
                               int64_t at_unix, const std::string& date) {
    if (condition.open)
        return c.run("INSERT INTO conditions (terminal_id, condition_key, control, reason, since_unix, since_date) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (terminal_id, condition_key) WHERE cleared_unix = 0 DO NOTHING",
                     {P::text(terminal_id), P::text(condition.key), P::integer(condition.control),
                      P::text(condition.reason), P::integer(at_unix), P::text(date)}) > 0;
    return c.run("UPDATE conditions SET cleared_unix = ?3, cleared_date = ?4 "
                 "WHERE terminal_id = ?1 AND condition_key = ?2 AND cleared_unix = 0",
                 {P::text(terminal_id), P::text(condition.key), P::integer(std::max<int64_t>(at_unix, 1)),
                  P::text(date)}) > 0;
}

std::pair<int64_t, std::string> SqlStore::resolveTampering(const std::string& id) {
    return writing(db_, [&](SqlConnection& c) {
        std::optional<std::pair<int64_t, std::string>> was;
        c.transaction([&] {
            c.run("SELECT tampering_since_unix, tampering_detail FROM terminals WHERE id = ?1", {P::text(id)},
                  [&](const SqlRow& r) { was = std::pair{r.integer(0), r.text(1)}; });
            if (!was) throw unknownTerminal(id);
            // Clears only the suspicion read above: one raised meanwhile by another collector
            // (PostgreSQL) stands, to be resolved on its own.
            c.run("UPDATE terminals SET tampering_since_unix = 0, tampering_detail = '' "
                  "WHERE id = ?1 AND tampering_since_unix = ?2",
                  {P::text(id), P::integer(was->first)});
        });
        return *was;
    });
}

uint64_t SqlStore::setTerminalGroup(const std::string& id, const std::string& group) {
    return writing(db_, [&](SqlConnection& c) {
        uint64_t version = 0;
        c.transaction([&] {
            version = numberOf(c, db_.dialect().next_policy_version);
            if (c.run("UPDATE terminals SET group_name = ?2, policy_reissue_version = ?3 WHERE id = ?1",
                      {P::text(id), P::text(group), P::integer(version)}) == 0)
                throw unknownTerminal(id);
        });
        return version;
    });
}

void SqlStore::offerCertificate(const std::string& id, const std::string& current_tls_key,
                                const CertificateOffer& offer) {
    db_.write([&](SqlConnection& c) {
        c.transaction([&] {
            // A newer offer replaces one never presented: the terminal asks again with a new key
            // only when it lost the answer to the last request.
            if (c.run("UPDATE terminals SET pending_certificate_pem = ?3, pending_public_key = ?4, certificate_pem = ?5 "
                      "WHERE id = ?1 AND tls_public_key = ?2 AND decommissioned_unix = 0",
                      {P::text(id), P::blob(current_tls_key), P::text(offer.pending_certificate_pem),
                       P::blob(offer.pending_public_key), P::text(offer.evidence_certificate_pem)}) != 0)
                return;
            bool known = false, decommissioned = false;
            c.run("SELECT decommissioned_unix FROM terminals WHERE id = ?1", {P::text(id)}, [&](const SqlRow& r) {
                known = true;
                decommissioned = r.integer(0) != 0;
            });
            if (!known) throw unknownTerminal(id);
            if (decommissioned)
                throw UserError::conflict("terminal " + id + " is decommissioned", "端末 " + id + " は廃止されています");
            throw UserError::conflict("terminal " + id + " has renewed its certificate meanwhile; the one presented "
                                          "is no longer its current one",
                                      "端末 " + id + " の証明書はその間に更新されました。提示された証明書は現在のものではありません");
        });
    });
}

bool SqlStore::adoptPendingCertificate(const std::string& id, const std::string& pending_key, int64_t now_unix) {
    if (pending_key.empty()) return false;
    return writing(db_, [&](SqlConnection& c) {
        return c.run("UPDATE terminals SET tls_certificate_pem = pending_certificate_pem, "
                     "tls_public_key = pending_public_key, pending_certificate_pem = '', pending_public_key = ?4, "
                     "certificate_renewed_unix = ?3 "
                     "WHERE id = ?1 AND pending_public_key = ?2 AND decommissioned_unix = 0",
                     {P::text(id), P::blob(pending_key), P::integer(now_unix), P::blob(std::string())}) != 0;
    });
}

TerminalRecord SqlStore::decommissionTerminal(const std::string& id, const Decommission& d) {
    if (d.local_date.size() != 10)
        throw UserError::invalid("decommissioning terminal " + id + " needs the local date",
                                 "端末 " + id + " の廃止に日付がありません");
    const int64_t at = std::max<int64_t>(d.now_unix, 1);
    db_.write([&](SqlConnection& c) {
        c.transaction([&] {
            if (c.run("UPDATE terminals SET decommissioned_unix = ?2, decommissioned_by = ?3, decommission_reason = ?4, "
                      "certificate_pem = CASE WHEN ?5 = '' THEN certificate_pem ELSE ?5 END "
                      "WHERE id = ?1 AND decommissioned_unix = 0",
                      {P::text(id), P::integer(at), P::text(d.by), P::text(d.reason),
                       P::text(d.evidence_certificate_pem)}) == 0) {
                bool known = false;
                c.run("SELECT 1 FROM terminals WHERE id = ?1", {P::text(id)}, [&](const SqlRow&) { known = true; });
                if (!known) throw unknownTerminal(id);
                throw UserError::conflict("terminal " + id + " is already decommissioned",
                                          "端末 " + id + " は既に廃止されています");
            }
            c.run("UPDATE conditions SET cleared_unix = ?2, cleared_date = ?3 WHERE terminal_id = ?1 AND cleared_unix = 0",
                  {P::text(id), P::integer(at), P::text(d.local_date)});
        });
    });
    return *terminal(id);
}

// --- events ---------------------------------------------------------------------------------

IngestResult SqlStore::ingest(const IngestBatch& batch) {
    for (const EvidenceIssue& issue : batch.issues)
        if (issue.local_date.empty())
            throw UserError::invalid("evidence issue without a local date for terminal " + batch.terminal_id,
                                     "端末 " + batch.terminal_id + " の証跡の問題に日付がありません");
    return writing(db_, [&](SqlConnection& c) {
        IngestResult result;
        c.transaction([&] { result = ingestIn(c, batch); });
        return result;
    });
}

IngestResult SqlStore::ingestIn(SqlConnection& c, const IngestBatch& batch) {
    const SqlDialect& d = db_.dialect();
    IngestResult result;
    // First, and it serializes: the UPDATE holds this terminal's row lock until COMMIT, so a
    // batch of the same terminal arriving at another collector sharing a PostgreSQL database
    // waits here, then sees our events (SQLite has one writer anyway). An unknown terminal
    // fails before anything is written.
    bool known = false;
    // The newest event says whether the agent stopped cleanly: until it speaks again, the
    // terminal is off rather than silent. Only an event past the stored head is news (SET reads
    // the row as it was), so a replayed batch changes nothing.
    const uint64_t newest = batch.events.empty() ? 0 : batch.events.back().seq;
    const bool stopped = !batch.events.empty() && batch.events.back().type == mamori::v1::AGENT_STOPPING;
    c.run("UPDATE terminals SET "
          // An empty hash is a head whose link is unknown (its event was refused): see EventIngest.
          "head_hash = CASE WHEN ?2 > head_seq THEN ?3 ELSE head_hash END, "
          "off_since_unix = CASE WHEN ?5 > head_seq THEN ?6 ELSE off_since_unix END, "
          "head_seq = " + d.greatest + "(head_seq, ?2), "
          "last_seen_unix = " + d.greatest + "(last_seen_unix, ?4) WHERE id = ?1 RETURNING head_seq",
          {P::text(batch.terminal_id), P::integer(batch.new_head_seq), P::blob(batch.new_head_hash),
           P::integer(batch.now_unix), P::integer(newest), P::integer(stopped ? batch.now_unix : 0)},
          [&](const SqlRow& r) {
              known = true;
              result.head_seq = r.count(0);
          });
    if (!known) throw unknownTerminal(batch.terminal_id);

    // Which of the batch's seqs are stored already (a batch sent again after a lost
    // acknowledgement): one range of the primary key. The terminal's row, locked above, keeps
    // every other writer of its events waiting until COMMIT, so the rest go in with a plain
    // INSERT. A check per row (ON CONFLICT) cost PostgreSQL a second index descent and a
    // speculative lock for each row; a row stored after all would now fail the batch, loudly,
    // and the agent's next attempt finds it here.
    std::vector<bool> inserted(batch.events.size(), true);
    if (!batch.events.empty()) {
        // The range is the batch's own lowest and highest seq, whatever its order.
        const auto [lowest, highest] = std::minmax_element(
            batch.events.begin(), batch.events.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
        std::vector<uint64_t> stored;  // ascending
        c.run("SELECT seq FROM events WHERE terminal_id = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
              {P::text(batch.terminal_id), P::integer(lowest->seq), P::integer(highest->seq)},
              [&](const SqlRow& r) { stored.push_back(r.count(0)); });
        for (size_t i = 0; i < batch.events.size() && !stored.empty(); ++i)
            inserted[i] = !std::binary_search(stored.begin(), stored.end(), batch.events[i].seq);
    }
    // The views borrow the batch, which outlives the insert.
    std::vector<SqlParam> values;
    values.reserve(batch.events.size() * kEventColumnCount);
    for (size_t i = 0; i < batch.events.size(); ++i) {
        if (!inserted[i]) continue;
        const IngestEvent& e = batch.events[i];
        values.insert(values.end(),
                      {P::text(batch.terminal_id), P::integer(e.seq), P::integer(e.utc_ns), P::text(e.local_date),
                       P::integer(e.type), P::integer(e.control), P::boolean(e.violation), P::integer(e.outcome),
                       P::text(e.rule_id), P::blob(e.body), P::blob(e.prev_hash), P::blob(e.hash),
                       P::blob(e.signature), P::integer(e.arrival_unix), P::boolean(e.filed_by_arrival)});
    }
    c.insertRows({"events", kEventColumns, kEventColumnCount, values});

    std::map<std::pair<std::string_view, int>, ComplianceDelta> deltas;
    for (size_t i = 0; i < batch.events.size(); ++i) {
        const IngestEvent& e = batch.events[i];
        if (!inserted[i]) {
            ++result.duplicates;  // a replay: already stored and already counted
            continue;
        }
        ++result.stored;
        deltas[{e.local_date, e.control}].add(e.utc_ns, e.violation, e.outcome == mamori::v1::EXEMPTED);
        if (e.condition) changeCondition(c, batch.terminal_id, *e.condition, e.filedUnix(), e.local_date);
    }
    // The days this batch reported on: usually one. The WHERE skips the write when the day is
    // already marked, as it is for every batch of a day but its first.
    std::string_view marked;
    for (size_t i = 0; i < batch.events.size(); ++i) {
        const std::string& date = batch.events[i].local_date;
        if (!inserted[i] || date == marked || date.size() != 10) continue;
        marked = date;
        c.run("INSERT INTO reporting_days AS r (terminal_id, month, days) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (terminal_id, month) DO UPDATE SET days = r.days | excluded.days "
              "WHERE (r.days & excluded.days) = 0",
              {P::text(batch.terminal_id), P::text(std::string_view(date).substr(0, 7)),
               P::integer(int64_t{1} << (std::stoi(date.substr(8, 2)) - 1))});
    }

    for (const EvidenceIssue& issue : batch.issues) {
        const int64_t recorded = issue.recorded_unix != 0 ? issue.recorded_unix : batch.now_unix;
        if (c.run("INSERT INTO evidence_issues (terminal_id, kind, first_seq, last_seq, detail, local_date, "
                  "recorded_unix) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                  "ON CONFLICT (terminal_id, kind, first_seq, last_seq) DO NOTHING",
                  {P::text(batch.terminal_id), P::text(issue.kind), P::integer(issue.first_seq),
                   P::integer(issue.last_seq), P::text(issue.detail), P::text(issue.local_date),
                   P::integer(recorded)}) == 0)
            continue;  // already recorded by an earlier copy of this batch
        deltas[{issue.local_date, mamori::v1::EVIDENCE}].add(recorded * 1'000'000'000, true, false);
        // The first suspicion stands (with when and what) until an administrator resolves it.
        if (suspectsTampering(issue.kind))
            c.run("UPDATE terminals SET tampering_since_unix = ?2, tampering_detail = ?3 "
                  "WHERE id = ?1 AND tampering_since_unix = 0",
                  {P::text(batch.terminal_id), P::integer(recorded),
                   P::text(issue.kind + " seq " + std::to_string(issue.first_seq) + "-" +
                           std::to_string(issue.last_seq) + ": " + issue.detail)});
    }

    for (const auto& [key, delta] : deltas) upsertCompliance(c, key.first, batch.terminal_id, key.second, delta);
    return result;
}

void SqlStore::upsertCompliance(SqlConnection& c, std::string_view date, const std::string& terminal_id, int control,
                                const ComplianceDelta& delta) {
    const SqlDialect& d = db_.dialect();
    const std::string upsert =
        "INSERT INTO daily_compliance AS dc (date, terminal_id, control, events, violations, exempted, "
        "first_violation_ns, last_event_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (date, terminal_id, control) DO UPDATE SET "
        "events = dc.events + excluded.events, "
        "violations = dc.violations + excluded.violations, "
        "exempted = dc.exempted + excluded.exempted, "
        "first_violation_ns = CASE "
        "  WHEN excluded.first_violation_ns = 0 THEN dc.first_violation_ns "
        "  WHEN dc.first_violation_ns = 0 THEN excluded.first_violation_ns "
        "  ELSE " + d.least + "(dc.first_violation_ns, excluded.first_violation_ns) END, "
        "last_event_ns = " + d.greatest + "(dc.last_event_ns, excluded.last_event_ns)";
    c.run(upsert, {P::text(date), P::text(terminal_id), P::integer(control), P::integer(delta.events),
                   P::integer(delta.violations), P::integer(delta.exempted), P::integer(delta.first_violation_ns),
                   P::integer(delta.last_event_ns)});
}

std::optional<std::string> SqlStore::eventHash(const std::string& terminal_id, uint64_t seq) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<std::string> hash;
        c.run("SELECT hash FROM events WHERE terminal_id = ?1 AND seq = ?2", {P::text(terminal_id), P::integer(seq)},
              [&](const SqlRow& r) { hash = r.blob(0); });
        return hash;
    });
}

std::vector<StoredEvent> SqlStore::events(const std::string& terminal_id, int64_t since_utc_ns, uint64_t after_seq,
                                          uint32_t limit) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<StoredEvent>(
            c,
            "SELECT seq, utc_ns, body, prev_hash, hash, signature, arrival_unix, filed_by_arrival, local_date FROM events "
            // By the time each event is filed by: its own, or its arrival's when that was not believed.
            "WHERE terminal_id = ?1 AND seq > ?2 AND "
            "CASE WHEN filed_by_arrival THEN arrival_unix * 1000000000 ELSE utc_ns END >= ?3 ORDER BY seq LIMIT ?4",
            {P::text(terminal_id), P::integer(after_seq), P::integer(since_utc_ns), P::integer(limit)},
            [](const SqlRow& r) {
                return StoredEvent{r.count(0), r.integer(1), r.blob(2), r.blob(3), r.blob(4), r.blob(5),
                                   r.integer(6), r.boolean(7),   r.text(8)};
            });
    });
}

std::optional<std::pair<uint64_t, uint64_t>> SqlStore::seqRangeOfDates(const std::string& terminal_id,
                                                                       const std::string& from_date,
                                                                       const std::string& to_date) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<std::pair<uint64_t, uint64_t>> range;
        c.run("SELECT min(seq), max(seq) FROM events WHERE terminal_id = ?1 AND local_date >= ?2 AND local_date <= ?3",
              {P::text(terminal_id), P::text(from_date), P::text(to_date)}, [&](const SqlRow& r) {
                  if (!r.isNull(0)) range = std::pair{r.count(0), r.count(1)};
              });
        return range;
    });
}

std::vector<EvidenceIssue> SqlStore::evidenceIssues(const std::string& terminal_id) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<EvidenceIssue>(c,
                                     "SELECT kind, first_seq, last_seq, detail, local_date, recorded_unix "
                                     "FROM evidence_issues WHERE terminal_id = ?1 ORDER BY id",
                                     {P::text(terminal_id)}, [](const SqlRow& r) {
                                         return EvidenceIssue{r.text(0), r.count(1), r.count(2),
                                                              r.text(3), r.text(4),  r.integer(5)};
                                     });
    });
}

// --- retention ------------------------------------------------------------------------------

PurgedEvents SqlStore::purgeEventsBefore(const std::string& before_date, int64_t arrived_before_unix) {
    PurgedEvents out;
    // A terminal's chain is taken only in order, so its events arrive in the order of their seqs:
    // those to remove are a run at the start of its key, and the first event young enough to stay
    // ends it. One index lookup per terminal tells one with nothing to remove, which most are on
    // most days; before, each took a write and a scan of all its events, a second of a worker at
    // 10,000 terminals with nothing to remove. A collector's clock set back may leave an event
    // out of that order: it is kept a little longer, never removed early (arrival is checked again).
    const auto due = reading(db_, [&](SqlConnection& c) {
        return rowsOf<std::string>(c,
                                   "SELECT t.id FROM terminals t WHERE (SELECT e.arrival_unix FROM events e WHERE "
                                   "e.terminal_id = t.id ORDER BY e.seq LIMIT 1) < ?1 ORDER BY t.id" +
                                       db_.dialect().byte_order,
                                   {P::integer(arrived_before_unix)}, [](const SqlRow& r) { return r.text(0); });
    });
    for (const auto& id : due) {
        const auto stays = reading(db_, [&](SqlConnection& c) {
            return rowsOf<int64_t>(c,
                                   "SELECT seq FROM events WHERE terminal_id = ?1 AND arrival_unix >= ?2 ORDER BY seq "
                                   "LIMIT 1",
                                   {P::text(id), P::integer(arrived_before_unix)},
                                   [](const SqlRow& r) { return r.integer(0); });
        });
        const int64_t end = stays.empty() ? std::numeric_limits<int64_t>::max() : stays.front();
        for (int64_t removed = kPurgeChunk; removed == kPurgeChunk;) {
            removed = writing(db_, [&](SqlConnection& c) {
                int64_t n = 0;
                c.run("DELETE FROM events WHERE terminal_id = ?1 AND seq IN (SELECT seq FROM events "
                      "WHERE terminal_id = ?1 AND seq < ?4 AND arrival_unix < ?2 ORDER BY seq LIMIT ?3) "
                      "RETURNING local_date",
                      {P::text(id), P::integer(arrived_before_unix), P::integer(kPurgeChunk), P::integer(end)},
                      [&](const SqlRow& r) {
                          out.noteDate(r.text(0));
                          ++n;
                      });
                return n;
            });
            out.events += static_cast<uint64_t>(removed);
        }
    }
    // Date leads the key: each chunk is the start of one index range.
    for (int64_t removed = kPurgeChunk; removed == kPurgeChunk;) {
        removed = writing(db_, [&](SqlConnection& c) {
            return c.run("DELETE FROM daily_compliance WHERE (date, terminal_id, control) IN (SELECT date, "
                         "terminal_id, control FROM daily_compliance WHERE date < ?1 LIMIT ?2)",
                         {P::text(before_date), P::integer(kPurgeChunk)});
        });
        out.compliance_rows += static_cast<uint64_t>(removed);
    }
    out.evidence_issues = static_cast<uint64_t>(writing(db_, [&](SqlConnection& c) {
        return c.run("DELETE FROM evidence_issues WHERE local_date < ?1", {P::text(before_date)});
    }));
    // Whole months only: the month of before_date is still being reported on.
    writing(db_, [&](SqlConnection& c) {
        return c.run("DELETE FROM reporting_days WHERE month < ?1", {P::text(before_date.substr(0, 7))});
    });
    return out;
}

PurgedExceptions SqlStore::purgeExceptionsExpiredBy(int64_t expired_by_unix) {
    PurgedExceptions out;
    db_.write([&](SqlConnection& c) {
        c.transaction([&] {
            c.run("DELETE FROM exception_history WHERE exception_id IN "
                  "(SELECT id FROM exceptions WHERE expires_unix <= ?1)",
                  {P::integer(expired_by_unix)});
            c.run("DELETE FROM exceptions WHERE expires_unix <= ?1 RETURNING expires_unix",
                  {P::integer(expired_by_unix)}, [&](const SqlRow& r) {
                      ++out.exceptions;
                      out.noteExpiry(r.integer(0));
                  });
        });
    });
    return out;
}

// --- compliance -----------------------------------------------------------------------------

std::vector<ComplianceRow> SqlStore::complianceBetween(const std::string& from_date, const std::string& to_date,
                                                       bool all_rows) {
    const std::string& byte_order = db_.dialect().byte_order;
    // A range of the primary key (date first), or of the index of flagged rows, which holds the
    // key: either way already in (date, terminal, control) order. The terminal's group is one
    // primary-key lookup per row. Two texts, not a parameter: the planner takes the partial index
    // only when the query states its condition.
    const std::string sql =
        "SELECT c.terminal_id, coalesce(t.group_name, ''), c.date, c.control, c.events, c.violations, c.exempted, "
        "c.first_violation_ns, c.last_event_ns, coalesce(t.last_seen_unix, 0), coalesce(t.clock_skew_ms, 0) "
        "FROM daily_compliance c LEFT JOIN terminals t ON t.id = c.terminal_id "
        "WHERE c.date >= ?1 AND c.date <= ?2" +
        std::string(all_rows ? "" : " AND (c.violations > 0 OR c.exempted > 0)") + " ORDER BY c.date" + byte_order +
        ", c.terminal_id" + byte_order + ", c.control";
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<ComplianceRow>(c, sql, {P::text(from_date), P::text(to_date)}, [](const SqlRow& r) {
            return ComplianceRow{r.text(0),
                                 r.text(1),
                                 r.text(2),
                                 static_cast<mamori::v1::Control>(r.integer(3)),
                                 static_cast<uint32_t>(r.integer(4)),
                                 static_cast<uint32_t>(r.integer(5)),
                                 static_cast<uint32_t>(r.integer(6)),
                                 r.integer(7),
                                 r.integer(8),
                                 r.integer(9),
                                 r.integer(10)};
        });
    });
}

std::vector<ConditionRow> SqlStore::conditionsBetween(const std::string& from_date, const std::string& to_date) {
    // Open ones from the unique index of open conditions, cleared ones from the index by the
    // date they were cleared: neither reads the history of conditions long gone. Sorted here:
    // PostgreSQL orders a UNION only by bare result columns, in its locale's order.
    const std::string columns =
        "SELECT c.terminal_id, t.group_name, c.control, c.condition_key, c.reason, c.since_unix, c.since_date, "
        "c.cleared_unix, c.cleared_date, t.last_seen_unix, t.clock_skew_ms "
        "FROM conditions c JOIN terminals t ON t.id = c.terminal_id ";
    const std::string sql = columns + "WHERE c.cleared_unix = 0 AND c.since_date <= ?2 UNION ALL " + columns +
                            "WHERE c.cleared_unix <> 0 AND c.cleared_date >= ?1 AND c.since_date <= ?2";
    auto rows = reading(db_, [&](SqlConnection& c) {
        return rowsOf<ConditionRow>(c, sql, {P::text(from_date), P::text(to_date)}, [](const SqlRow& r) {
            return ConditionRow{r.text(0),    r.text(1), static_cast<mamori::v1::Control>(r.integer(2)),
                                r.text(3),    r.text(4), r.integer(5),
                                r.text(6),    r.integer(7), r.text(8),
                                r.integer(9), r.integer(10)};
        });
    });
    std::sort(rows.begin(), rows.end(), [](const ConditionRow& a, const ConditionRow& b) {
        return std::tie(a.terminal_id, a.control, a.since_unix, a.key) <
               std::tie(b.terminal_id, b.control, b.since_unix, b.key);
    });
    return rows;
}

std::vector<std::pair<std::string, uint32_t>> SqlStore::reportingDays(const std::string& from_date,
                                                                      const std::string& to_date) {
    // from and to are days of one month: the mask of the days between them.
    const int from_day = std::stoi(from_date.substr(8, 2)), to_day = std::stoi(to_date.substr(8, 2));
    const uint32_t range = static_cast<uint32_t>(((uint64_t{1} << to_day) - 1) & ~((uint64_t{1} << (from_day - 1)) - 1));
    auto rows = reading(db_, [&](SqlConnection& c) {
        return rowsOf<std::pair<std::string, uint32_t>>(
            c, "SELECT terminal_id, days FROM reporting_days WHERE month = ?1", {P::text(from_date.substr(0, 7))},
            [&](const SqlRow& r) { return std::pair{r.text(0), static_cast<uint32_t>(r.integer(1)) & range}; });
    });
    std::erase_if(rows, [](const auto& r) { return r.second == 0; });
    return rows;
}

// --- policies -------------------------------------------------------------------------------

uint64_t SqlStore::addPolicy(PolicyRecord p) {
    return writing(db_, [&](SqlConnection& c) {
        std::optional<uint64_t> version;
        c.run("INSERT INTO policies (group_name, name, policy, created_unix, created_by) "
              "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING version",
              {P::text(p.group), P::text(p.name), P::blob(p.policy), P::integer(p.created_unix), P::text(p.created_by)},
              [&](const SqlRow& r) { version = r.count(0); });
        if (!version) throw std::runtime_error("storing the policy returned no version");
        return *version;
    });
}

std::vector<std::string> SqlStore::policyGroups() {
    return reading(db_, [&](SqlConnection& c) {
        // policies_by_group: one step per group, not per version.
        return rowsOf<std::string>(c, "SELECT DISTINCT group_name FROM policies", {},
                                   [](const SqlRow& r) { return r.text(0); });
    });
}

std::optional<PolicyRecord> SqlStore::latestPolicy(const std::string& group) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<PolicyRecord> p;
        c.run("SELECT version, group_name, name, policy, created_unix, created_by FROM policies "
              "WHERE group_name = ?1 ORDER BY version DESC LIMIT 1",
              {P::text(group)}, [&](const SqlRow& r) {
                  p = PolicyRecord{r.count(0), r.text(1), r.text(2), r.blob(3), r.integer(4), r.text(5)};
              });
        return p;
    });
}

// --- exceptions -----------------------------------------------------------------------------

uint64_t SqlStore::addException(ExceptionRecord e, const ExceptionChange& change) {
    return writing(db_, [&](SqlConnection& c) {
        uint64_t version = 0;
        c.transaction([&] {
            version = numberOf(c, db_.dialect().next_policy_version);
            if (c.run("INSERT INTO exceptions (" + kExceptionColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
                      {P::integer(version), P::text(e.id), P::text(e.terminal), P::text(e.group),
                       P::integer(e.expires_unix), P::integer(e.created_unix), P::blob(e.exception), P::text(e.state),
                       P::text(e.requested_by), P::text(e.approved_by), P::integer(e.ended_unix)}) == 0)
                throw UserError::conflict("exception " + e.id + " already exists", "例外措置 " + e.id + " は既にあります");
            insertChange(c, change);
        });
        return version;
    });
}

ExceptionRecord SqlStore::changeException(const ExceptionChange& change, const std::string& from, const std::string& to,
                                          const std::string& exception, const std::string& approved_by,
                                          int64_t ended_unix) {
    return writing(db_, [&](SqlConnection& c) {
        std::optional<ExceptionRecord> out;
        c.transaction([&] {
            const uint64_t version = numberOf(c, db_.dialect().next_policy_version);
            // Conditional on the state it was read in: of two approvers at once, one wins.
            c.run("UPDATE exceptions SET version = ?3, state = ?4, "
                  "exception = CASE WHEN ?5 = '' THEN exception ELSE ?6 END, "
                  "approved_by = CASE WHEN ?7 = '' THEN approved_by ELSE ?7 END, "
                  "ended_unix = CASE WHEN ?8 = 0 THEN ended_unix ELSE ?8 END "
                  "WHERE id = ?1 AND state = ?2 RETURNING " +
                      kExceptionColumns,
                  {P::text(change.exception_id), P::text(from), P::integer(version), P::text(to),
                   P::text(exception.empty() ? "" : "x"), P::blob(exception), P::text(approved_by),
                   P::integer(ended_unix)},
                  [&](const SqlRow& r) { out = readException(r); });
            if (!out) {
                bool known = false;
                std::string state;
                c.run("SELECT state FROM exceptions WHERE id = ?1", {P::text(change.exception_id)},
                      [&](const SqlRow& r) {
                          known = true;
                          state = r.text(0);
                      });
                if (!known)
                    throw UserError::notFound("no exception " + change.exception_id + " (see mamorictl exception list)",
                                              "例外措置 " + change.exception_id +
                                                  " はありません（mamorictl exception list で確認できます）");
                throw UserError::conflict("exception " + change.exception_id + " is " + state + ", not " + from,
                                          "例外措置 " + change.exception_id + " は " + state + " です（" + from +
                                              " ではありません）");
            }
            insertChange(c, change);
        });
        return *out;
    });
}

std::optional<ExceptionRecord> SqlStore::exception(const std::string& id) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<ExceptionRecord> out;
        c.run("SELECT " + kExceptionColumns + " FROM exceptions WHERE id = ?1", {P::text(id)},
              [&](const SqlRow& r) { out = readException(r); });
        return out;
    });
}

std::vector<ExceptionRecord> SqlStore::exceptionsFor(const std::string& terminal_id, const std::string& group,
                                                     int64_t now_unix) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<ExceptionRecord>(
            c,
            "SELECT " + kExceptionColumns +
                " FROM exceptions WHERE expires_unix > ?3 AND state <> 'requested' AND "
                "((terminal_id <> '' AND terminal_id = ?1) OR (group_name <> '' AND group_name = ?2)) ORDER BY version",
            {P::text(terminal_id), P::text(group), P::integer(now_unix)}, readException);
    });
}

std::vector<ExceptionRecord> SqlStore::exceptions() {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<ExceptionRecord>(
            c, "SELECT " + kExceptionColumns + " FROM exceptions ORDER BY expires_unix, version", {}, readException);
    });
}

std::vector<ExceptionChange> SqlStore::exceptionHistory(const std::string& id) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<ExceptionChange>(
            c,
            "SELECT exception_id, at_unix, actor, role, action, note FROM exception_history" +
                std::string(id.empty() ? " WHERE ?1 = ''" : " WHERE exception_id = ?1") + " ORDER BY id",
            {P::text(id)}, [](const SqlRow& r) {
                return ExceptionChange{r.text(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5)};
            });
    });
}

// --- media ledger ---------------------------------------------------------------------------

MediaRecord SqlStore::addMedia(MediaRecord m, const std::string& number_prefix, MediaChange change) {
    return writing(db_, [&](SqlConnection& c) {
        c.transaction([&] {
            if (const std::string live = liveEntryOf(c, m.device); !live.empty()) throw deviceAlreadyRegistered(m.device, live);
            // As they are read back: in byte order, each once.
            std::sort(m.terminals.begin(), m.terminals.end());
            m.terminals.erase(std::unique(m.terminals.begin(), m.terminals.end()), m.terminals.end());
            m.version = numberOf(c, db_.dialect().next_policy_version);
            // The next number of the fiscal year. Two collectors numbering at once: the loser of
            // the primary key tries the number after the winner's.
            for (int attempt = 0;; ++attempt) {
                uint64_t last = 0;
                c.run("SELECT id FROM media WHERE id LIKE ?1", {P::text(number_prefix + "%")}, [&](const SqlRow& r) {
                    const std::string id = r.text(0);
                    const std::string digits = id.substr(std::min(id.size(), number_prefix.size()));
                    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos)
                        last = std::max<uint64_t>(last, std::stoull(digits));
                });
                std::string number = std::to_string(last + 1);
                if (number.size() < 4) number.insert(0, 4 - number.size(), '0');
                m.id = number_prefix + number;
                if (c.run("INSERT INTO media (" + kMediaColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
                              "?19, ?20, ?21, ?22, ?23) ON CONFLICT DO NOTHING",
                          {P::integer(m.version), P::text(m.id), P::text(m.device), P::text(m.description),
                           P::text(m.owner_section), P::text(m.purpose), P::text(m.access), P::boolean(m.encrypted),
                           P::text(m.until), P::integer(m.expires_unix), P::text(m.state), P::text(m.source_event),
                           P::text(m.requested_by), P::integer(m.requested_unix), P::text(m.approved_by),
                           P::integer(m.approved_unix), P::text(m.retire_requested_by),
                           P::integer(m.retire_requested_unix), P::text(m.erased_by), P::text(m.erase_method),
                           P::text(m.retire_reason), P::text(m.ended_by), P::integer(m.ended_unix)}) == 1)
                    break;
                // The same stick registered at the same moment elsewhere: the unique index refused it.
                if (const std::string live = liveEntryOf(c, m.device); !live.empty())
                    throw deviceAlreadyRegistered(m.device, live);
                if (attempt == 100) throw std::runtime_error("no free ledger number after " + m.id);
            }
            for (const auto& t : m.terminals)
                c.run("INSERT INTO media_terminals (media_id, terminal_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                      {P::text(m.id), P::text(t)});
            change.media_id = m.id;
            insertMediaChange(c, change);
        });
        return m;
    });
}

MediaRecord SqlStore::changeMedia(const MediaRecord& m, const std::string& from, const MediaChange& change) {
    return writing(db_, [&](SqlConnection& c) {
        std::optional<MediaRecord> out;
        c.transaction([&] {
            const uint64_t version = numberOf(c, db_.dialect().next_policy_version);
            // Conditional on the state it was read in: of two approvers at once, one wins.
            auto rows = mediaRows(
                c, db_.dialect(),
                "UPDATE media SET version = ?3, state = ?4, approved_by = ?5, approved_unix = ?6, "
                "retire_requested_by = ?7, retire_requested_unix = ?8, erased_by = ?9, erase_method = ?10, "
                "retire_reason = ?11, ended_by = ?12, ended_unix = ?13 WHERE id = ?1 AND state = ?2 RETURNING " +
                    kMediaColumns,
                {P::text(m.id), P::text(from), P::integer(version), P::text(m.state), P::text(m.approved_by),
                 P::integer(m.approved_unix), P::text(m.retire_requested_by), P::integer(m.retire_requested_unix),
                 P::text(m.erased_by), P::text(m.erase_method), P::text(m.retire_reason), P::text(m.ended_by),
                 P::integer(m.ended_unix)});
            if (rows.empty()) {
                std::optional<std::string> state;
                c.run("SELECT state FROM media WHERE id = ?1", {P::text(m.id)}, [&](const SqlRow& r) { state = r.text(0); });
                if (!state)
                    throw UserError::notFound("no media ledger entry " + m.id + " (see mamorictl media list)",
                                              "媒体管理台帳に " + m.id + " はありません（mamorictl media list で確認できます）");
                throw UserError::conflict("media ledger entry " + m.id + " is " + *state + ", not " + from,
                                          "媒体管理台帳の " + m.id + " は " + *state + " です（" + from + " ではありません）");
            }
            out = std::move(rows.front());
            insertMediaChange(c, change);
        });
        return *out;
    });
}

std::optional<MediaRecord> SqlStore::media(const std::string& id) {
    auto rows = reading(db_, [&](SqlConnection& c) {
        return mediaRows(c, db_.dialect(), "SELECT " + kMediaColumns + " FROM media WHERE id = ?1", {P::text(id)});
    });
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::vector<MediaRecord> SqlStore::mediaFor(const std::string& terminal_id, const std::string& group, int64_t now_unix) {
    return reading(db_, [&](SqlConnection& c) {
        return mediaRows(c, db_.dialect(),
                         "SELECT " + kMediaColumns +
                             " FROM media m WHERE m.expires_unix > ?3 AND m.state IN ('active', 'retiring', 'retired') "
                             "AND (EXISTS (SELECT 1 FROM media_terminals t WHERE t.media_id = m.id AND t.terminal_id = ?1) "
                             "OR (m.owner_section = ?2 AND NOT EXISTS (SELECT 1 FROM media_terminals t "
                             "WHERE t.media_id = m.id))) ORDER BY m.version",
                         {P::text(terminal_id), P::text(group), P::integer(now_unix)});
    });
}

std::vector<MediaRecord> SqlStore::mediaLedger() {
    return reading(db_, [&](SqlConnection& c) {
        return mediaRows(c, db_.dialect(),
                         "SELECT " + kMediaColumns + " FROM media ORDER BY requested_unix, id" + db_.dialect().byte_order,
                         {});
    });
}

std::vector<MediaChange> SqlStore::mediaHistory(const std::string& id) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<MediaChange>(
            c,
            "SELECT media_id, at_unix, actor, role, action, note FROM media_history" +
                std::string(id.empty() ? " WHERE ?1 = ''" : " WHERE media_id = ?1") + " ORDER BY id",
            {P::text(id)}, [](const SqlRow& r) {
                return MediaChange{r.text(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5)};
            });
    });
}

PurgedMedia SqlStore::purgeMediaEndedBefore(int64_t ended_before_unix) {
    PurgedMedia out;
    const std::string ended = "SELECT id FROM media WHERE state IN ('retired', 'withdrawn') AND ended_unix < ?1";
    db_.write([&](SqlConnection& c) {
        c.transaction([&] {
            c.run("DELETE FROM media_history WHERE media_id IN (" + ended + ")", {P::integer(ended_before_unix)});
            c.run("DELETE FROM media_terminals WHERE media_id IN (" + ended + ")", {P::integer(ended_before_unix)});
            c.run("DELETE FROM media WHERE state IN ('retired', 'withdrawn') AND ended_unix < ?1 RETURNING ended_unix",
                  {P::integer(ended_before_unix)}, [&](const SqlRow& r) {
                      ++out.entries;
                      out.noteEnd(r.integer(0));
                  });
        });
    });
    return out;
}

// --- admin users, access log, settings ------------------------------------------------------

void SqlStore::addAdminUser(const AdminUser& u) {
    db_.write([&](SqlConnection& c) {
        if (!db_.insertAdminUser(c, u))
            throw UserError::conflict("admin user " + u.name + " already exists, or its token is already in use",
                                      "管理ユーザー " + u.name + " は既にあるか、そのトークンは使用中です");
    });
}

std::optional<AdminUser> SqlStore::adminByTokenHash(const std::string& token_hash) {
    auto users = reading(db_, [&](SqlConnection& c) {
        return db_.selectAdminUsers(c, "token_hash = ?1", {P::text(token_hash)});
    });
    if (users.empty()) return std::nullopt;
    return std::move(users.front());
}

std::optional<AdminUser> SqlStore::adminByName(const std::string& name) {
    auto users = reading(db_, [&](SqlConnection& c) { return db_.selectAdminUsers(c, "name = ?1", {P::text(name)}); });
    if (users.empty()) return std::nullopt;
    return std::move(users.front());
}

std::vector<AdminUser> SqlStore::adminUsers() {
    return reading(db_, [&](SqlConnection& c) { return db_.selectAdminUsers(c, "", {}); });
}

bool SqlStore::updateAdminUser(const AdminUser& u) {
    return writing(db_, [&](SqlConnection& c) {
        bool found = false;
        c.transaction([&] {
            found = c.run("UPDATE admin_users SET role = ?2, rights = ?3, disabled_unix = ?4 WHERE name = ?1",
                          {P::text(u.name), P::text(u.role), P::text(AdminRole::joinRights(u.rights)),
                           P::integer(u.disabled_unix)}) != 0;
            if (found) db_.writeSections(c, u.name, u.sections);
        });
        return found;
    });
}

void SqlStore::recordAccess(const AccessRecord& a) {
    db_.write([&](SqlConnection& c) {
        c.run("INSERT INTO access_log (at_unix, user_name, role, terminal_id, action) VALUES (?1, ?2, ?3, ?4, ?5)",
              {P::integer(a.at_unix), P::text(a.user), P::text(a.role), P::text(a.terminal_id), P::text(a.action)});
    });
}

std::vector<AccessRecord> SqlStore::accessLog(int64_t since_unix, uint32_t limit) {
    return reading(db_, [&](SqlConnection& c) {
        return rowsOf<AccessRecord>(c,
                                    "SELECT at_unix, user_name, role, terminal_id, action FROM access_log "
                                    "WHERE at_unix >= ?1 ORDER BY id DESC LIMIT ?2",
                                    {P::integer(since_unix), P::integer(limit)}, [](const SqlRow& r) {
                                        return AccessRecord{r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4)};
                                    });
    });
}

std::optional<std::string> SqlStore::setting(const std::string& key) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<std::string> value;
        c.run("SELECT value FROM settings WHERE key = ?1", {P::text(key)},
              [&](const SqlRow& r) { value = r.text(0); });
        return value;
    });
}

void SqlStore::putSetting(const std::string& key, const std::string& value) {
    db_.write([&](SqlConnection& c) {
        c.run("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
              {P::text(key), P::text(value)});
    });
}

// --- console ---------------------------------------------------------------------------------

std::optional<ConsoleLogin> SqlStore::consoleLogin(const std::string& user) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<ConsoleLogin> login;
        c.run("SELECT user_name, password_hash, failed, locked_until_unix, changed_unix FROM console_logins "
              "WHERE user_name = ?1",
              {P::text(user)}, [&](const SqlRow& r) {
                  login = ConsoleLogin{r.text(0), r.text(1), r.integer(2), r.integer(3), r.integer(4)};
              });
        return login;
    });
}

void SqlStore::putConsoleLogin(const ConsoleLogin& l) {
    db_.write([&](SqlConnection& c) {
        c.run("INSERT INTO console_logins (user_name, password_hash, failed, locked_until_unix, changed_unix) "
              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_name) DO UPDATE SET password_hash = excluded.password_hash, "
              "failed = excluded.failed, locked_until_unix = excluded.locked_until_unix, "
              "changed_unix = excluded.changed_unix",
              {P::text(l.user), P::text(l.password_hash), P::integer(l.failed), P::integer(l.locked_until_unix),
               P::integer(l.changed_unix)});
    });
}

bool SqlStore::failConsoleLogin(const std::string& user, int64_t max_failures, int64_t locked_until_unix) {
    bool locked = false;
    db_.write([&](SqlConnection& c) {
        c.run("UPDATE console_logins SET failed = failed + 1 WHERE user_name = ?1", {P::text(user)});
        locked = c.run("UPDATE console_logins SET failed = 0, locked_until_unix = ?2 WHERE user_name = ?1 AND failed >= ?3",
                       {P::text(user), P::integer(locked_until_unix), P::integer(max_failures)}) > 0;
    });
    return locked;
}

void SqlStore::passConsoleLogin(const std::string& user) {
    db_.write([&](SqlConnection& c) {
        c.run("UPDATE console_logins SET failed = 0, locked_until_unix = 0 WHERE user_name = ?1", {P::text(user)});
    });
}

void SqlStore::addConsoleSession(const ConsoleSession& s) {
    db_.write([&](SqlConnection& c) {
        c.run("INSERT INTO console_sessions (id_hash, user_name, csrf, created_unix, last_unix) "
              "VALUES (?1, ?2, ?3, ?4, ?5)",
              {P::text(s.id_hash), P::text(s.user), P::text(s.csrf), P::integer(s.created_unix),
               P::integer(s.last_unix)});
    });
}

std::optional<ConsoleSession> SqlStore::consoleSession(const std::string& id_hash) {
    return reading(db_, [&](SqlConnection& c) {
        std::optional<ConsoleSession> session;
        c.run("SELECT id_hash, user_name, csrf, created_unix, last_unix FROM console_sessions WHERE id_hash = ?1",
              {P::text(id_hash)}, [&](const SqlRow& r) {
                  session = ConsoleSession{r.text(0), r.text(1), r.text(2), r.integer(3), r.integer(4)};
              });
        return session;
    });
}

void SqlStore::touchConsoleSession(const std::string& id_hash, int64_t last_unix) {
    // A touch lost to a power cut only shortens a session: no need to wait for the disk.
    db_.writeDurableWhen([&](SqlConnection& c) {
        c.run("UPDATE console_sessions SET last_unix = ?2 WHERE id_hash = ?1 AND last_unix < ?2",
              {P::text(id_hash), P::integer(last_unix)});
        return false;
    });
}

void SqlStore::dropConsoleSession(const std::string& id_hash) {
    db_.write([&](SqlConnection& c) { c.run("DELETE FROM console_sessions WHERE id_hash = ?1", {P::text(id_hash)}); });
}

uint64_t SqlStore::dropConsoleSessions(int64_t before_unix, const std::string& user) {
    int64_t dropped = 0;
    db_.write([&](SqlConnection& c) {
        dropped = c.run("DELETE FROM console_sessions WHERE last_unix < ?1", {P::integer(before_unix)});
        if (!user.empty()) dropped += c.run("DELETE FROM console_sessions WHERE user_name = ?1", {P::text(user)});
    });
    return static_cast<uint64_t>(dropped);
}

// --- whole-store copy -----------------------------------------------------------------------

std::vector<TableRow> SqlStore::readRows(const StoreTable& t, const TableRow* after, size_t limit) {
    const std::string keys = columnNames(t, t.key_columns);
    std::string select, marks;
    for (const auto& c : t.columns) select += (select.empty() ? "" : ", ") + db_.selectExpression(t, c);
    std::vector<SqlParam> params;
    for (size_t i = 0; after && i < t.key_columns; ++i) {
        marks += (i ? ", ?" : "?") + std::to_string(i + 1);
        params.push_back(cell(t.columns[i], (*after)[i]));
    }
    const std::string sql = "SELECT " + select + " FROM " + t.name + (after ? " WHERE (" + keys + ") > (" + marks + ")" : "") +
                            " ORDER BY " + keys + " LIMIT " + std::to_string(limit);
    std::vector<TableRow> out;
    db_.read([&](SqlConnection& c) {
        c.run(sql, params, [&](const SqlRow& r) {
            TableRow row;
            for (size_t i = 0; i < t.columns.size(); ++i) {
                const int col = static_cast<int>(i);
                if (r.isNull(col)) row.emplace_back();
                else if (t.columns[i].kind == StoreColumn::Kind::Text) row.emplace_back(r.text(col));
                else if (t.columns[i].kind == StoreColumn::Kind::Blob) row.emplace_back(r.blob(col));
                else row.emplace_back(std::to_string(r.integer(col)));
            }
            db_.normalizeRow(t, row);
            out.push_back(std::move(row));
        });
    });
    return out;
}

void SqlStore::writeRows(const StoreTable& t, const std::vector<TableRow>& rows) {
    const std::string columns = columnNames(t, t.columns.size());
    db_.write([&](SqlConnection& c) {
        if (db_.writeRowsSpecially(c, t, rows)) return;
        std::vector<SqlParam> values;
        values.reserve(rows.size() * t.columns.size());
        for (const auto& row : rows)
            for (size_t i = 0; i < t.columns.size(); ++i) values.push_back(cell(t.columns[i], row.at(i)));
        c.transaction([&] { c.insertRows({t.name, columns, t.columns.size(), values}); });
    });
}

uint64_t SqlStore::rowCount(const StoreTable& t) {
    return reading(db_, [&](SqlConnection& c) { return numberOf(c, "SELECT count(*) FROM " + std::string(t.name)); });
}

uint64_t SqlStore::lastPolicyVersion() {
    return reading(db_, [&](SqlConnection& c) { return numberOf(c, db_.dialect().last_policy_version); });
}

uint64_t SqlStore::sizeBytes() {
    return reading(db_, [&](SqlConnection& c) { return numberOf(c, db_.dialect().store_bytes); });
}

void SqlStore::finishCopy(uint64_t last_policy_version) {
    db_.write([&](SqlConnection& c) { c.run(db_.dialect().continue_after_copy, {P::integer(last_policy_version)}); });
}

}  // namespace mamori::collector
