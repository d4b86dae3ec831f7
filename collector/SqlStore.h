#pragma once
#include "collector/SqlBackend.h"
#include "collector/Store.h"

#include <string_view>

namespace mamori::collector {

struct ComplianceDelta;
struct StandingCondition;

// The Store written once, in SQL both SQLite and PostgreSQL run, over a SqlBackend that adds
// connections, durability, dialect and schema (SqliteStore, PostgresStore).
class SqlStore : public Store {
public:
    // The backend outlives the store (the implementations are their own backend).
    explicit SqlStore(SqlBackend& backend) : db_(backend) {}

    void addEnrollToken(const EnrollToken& t) override;
    std::optional<EnrollToken> consumeEnrollToken(const std::string& token_hash, int64_t now_unix) override;
    std::optional<EnrollToken> enrollToken(const std::string& token_hash) override;
    std::vector<EnrollToken> enrollTokens() override;
    EnrollToken revokeEnrollToken(const std::string& id, int64_t now_unix, const std::string& by) override;

    void addTerminal(const TerminalRecord& t) override;
    std::optional<TerminalRecord> terminal(const std::string& id) override;
    std::vector<TerminalRecord> terminals() override;
    std::vector<TerminalRecord> silentTerminals(int64_t before_unix) override;
    std::vector<TerminalRecord> tamperingSuspected() override;
    std::vector<std::string> knownGroups() override;
    using TerminalStore::recordSync;
    void recordSync(const std::string& id, const Sync& sync) override;
    std::pair<int64_t, std::string> resolveTampering(const std::string& id) override;
    uint64_t setTerminalGroup(const std::string& id, const std::string& group) override;
    void offerCertificate(const std::string& id, const std::string& current_tls_key,
                          const CertificateOffer& offer) override;
    bool adoptPendingCertificate(const std::string& id, const std::string& pending_key, int64_t now_unix) override;
    TerminalRecord decommissionTerminal(const std::string& id, const Decommission& d) override;

    IngestResult ingest(const IngestBatch& batch) override;
    std::optional<std::string> eventHash(const std::string& terminal_id, uint64_t seq) override;
    std::vector<StoredEvent> events(const std::string& terminal_id, int64_t since_utc_ns, uint64_t after_seq,
                                    uint32_t limit) override;
    std::optional<std::pair<uint64_t, uint64_t>> seqRangeOfDates(const std::string& terminal_id,
                                                                 const std::string& from_date,
                                                                 const std::string& to_date) override;
    std::vector<EvidenceIssue> evidenceIssues(const std::string& terminal_id) override;
    PurgedEvents purgeEventsBefore(const std::string& before_date, int64_t arrived_before_unix) override;

    std::vector<ComplianceRow> complianceBetween(const std::string& from_date, const std::string& to_date,
                                                 bool all_rows) override;
    std::vector<ConditionRow> conditionsBetween(const std::string& from_date, const std::string& to_date) override;
    std::vector<std::pair<std::string, uint32_t>> reportingDays(const std::string& from_date,
                                                                const std::string& to_date) override;

    uint64_t addPolicy(PolicyRecord p) override;
    std::optional<PolicyRecord> latestPolicy(const std::string& group) override;
    std::vector<std::string> policyGroups() override;

    uint64_t addException(ExceptionRecord e, const ExceptionChange& change) override;
    ExceptionRecord changeException(const ExceptionChange& change, const std::string& from, const std::string& to,
                                    const std::string& exception, const std::string& approved_by,
                                    int64_t ended_unix) override;
    std::optional<ExceptionRecord> exception(const std::string& id) override;
    std::vector<ExceptionRecord> exceptionsFor(const std::string& terminal_id, const std::string& group,
                                               int64_t now_unix) override;
    std::vector<ExceptionRecord> exceptions() override;
    std::vector<ExceptionChange> exceptionHistory(const std::string& id) override;
    PurgedExceptions purgeExceptionsExpiredBy(int64_t expired_by_unix) override;

    MediaRecord addMedia(MediaRecord m, const std::string& number_prefix, MediaChange change) override;
    MediaRecord changeMedia(const MediaRecord& m, const std::string& from, const MediaChange& change) override;
    std::optional<MediaRecord> media(const std::string& id) override;
    std::vector<MediaRecord> mediaFor(const std::string& terminal_id, const std::string& group,
                                      int64_t now_unix) override;
    std::vector<MediaRecord> mediaLedger() override;
    std::vector<MediaChange> mediaHistory(const std::string& id) override;
    PurgedMedia purgeMediaEndedBefore(int64_t ended_before_unix) override;

    void addAdminUser(const AdminUser& u) override;
    std::optional<AdminUser> adminByTokenHash(const std::string& token_hash) override;
    std::optional<AdminUser> adminByName(const std::string& name) override;
    std::vector<AdminUser> adminUsers() override;
    bool updateAdminUser(const AdminUser& u) override;
    void recordAccess(const AccessRecord& a) override;
    std::vector<AccessRecord> accessLog(int64_t since_unix, uint32_t limit) override;
    std::optional<std::string> setting(const std::string& key) override;
    void putSetting(const std::string& key, const std::string& value) override;

    std::optional<ConsoleLogin> consoleLogin(const std::string& user) override;
    void putConsoleLogin(const ConsoleLogin& login) override;
    bool failConsoleLogin(const std::string& user, int64_t max_failures, int64_t locked_until_unix) override;
    void passConsoleLogin(const std::string& user) override;
    void addConsoleSession(const ConsoleSession& s) override;
    std::optional<ConsoleSession> consoleSession(const std::string& id_hash) override;
    void touchConsoleSession(const std::string& id_hash, int64_t last_unix) override;
    void dropConsoleSession(const std::string& id_hash) override;
    uint64_t dropConsoleSessions(int64_t before_unix, const std::string& user) override;

    std::vector<TableRow> readRows(const StoreTable& table, const TableRow* after, size_t limit) override;
    void writeRows(const StoreTable& table, const std::vector<TableRow>& rows) override;
    uint64_t rowCount(const StoreTable& table) override;
    uint64_t lastPolicyVersion() override;
    void finishCopy(uint64_t last_policy_version) override;
    uint64_t sizeBytes() override;

private:
    void upsertCompliance(SqlConnection& c, std::string_view date, const std::string& terminal_id, int control,
                          const ComplianceDelta& delta);
    IngestResult ingestIn(SqlConnection& c, const IngestBatch& batch);
    // Opens (at most one open per terminal and key) or clears a standing condition; whether
    // anything changed.
    bool changeCondition(SqlConnection& c, const std::string& terminal_id, const StandingCondition& condition,
                         int64_t at_unix, const std::string& date);
    std::vector<TerminalRecord> terminalList(const std::string& where, std::initializer_list<SqlParam> params);

    SqlBackend& db_;
};

}  // namespace mamori::collector
