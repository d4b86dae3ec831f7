#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector {

// An enrolled terminal. Its id is its certificate's CN: nothing else names a terminal.
struct TerminalRecord {
    std::string id;
    std::string hostname;
    std::string group;        // section (所属) or network tier
    std::string certificate_pem;
    std::string public_key;   // raw Ed25519, from the certificate
    int64_t enrolled_unix = 0;
    int64_t last_seen_unix = 0;
    uint64_t head_seq = 0;
    std::string head_hash = std::string(32, '\0');
    uint64_t applied_policy_version = 0;
    int64_t clock_skew_ms = 0;
    // A version drawn from the policy version counter when the terminal last moved to another
    // group. Agents only take versions newer than the one they applied, and the new group's
    // policy may carry a lower version than the old one's: the delivery to this terminal carries
    // at least this version, so the move always reaches it (see PolicyResolver).
    uint64_t policy_reissue_version = 0;
    // Judged at the last sync against the profile's clock tolerance: while it is wrong, events
    // are filed under the date of their arrival, not the date the terminal claims.
    bool clock_wrong = false;
    // Set when ingest refused events as tampered or saw the chain fork; it stays, in every
    // day's view, until an administrator resolves it (resolveTampering).
    int64_t tampering_since_unix = 0;
    std::string tampering_detail;
    // When a batch last ended on AGENT_STOPPING (a clean shutdown): the terminal is off, not
    // silent, until its next event. 0 while it runs.
    int64_t off_since_unix = 0;
};

struct EnrollToken {
    std::string token_hash;  // SHA-256 hex of the secret: the secret itself is never stored
    std::string group;
    int64_t expires_unix = 0;
    std::string created_by;
};

// Enrolled terminals and the one-time tokens that enroll them.
class TerminalStore {
public:
    virtual ~TerminalStore() = default;

    // Enrollment tokens: single use. consume succeeds once, before expiry. add throws
    // common::UserError (Conflict) for a token that exists.
    virtual void addEnrollToken(const EnrollToken& t) = 0;
    virtual std::optional<EnrollToken> consumeEnrollToken(const std::string& token_hash, int64_t now_unix) = 0;

    // Throws common::UserError (Conflict) if the id exists.
    virtual void addTerminal(const TerminalRecord& t) = 0;
    virtual std::optional<TerminalRecord> terminal(const std::string& id) = 0;
    // All terminals ordered by id, without certificate_pem (terminal(id) has it).
    virtual std::vector<TerminalRecord> terminals() = 0;
    // The terminals whose last sign of life (the later of last seen and enrollment) came before
    // before_unix, ordered by id, without certificate_pem: the fleet's silent few, without
    // listing the fleet.
    virtual std::vector<TerminalRecord> silentTerminals(int64_t before_unix) = 0;
    // Every group (section or tier) the store names anywhere: a terminal's, an enrollment token's,
    // a pushed policy's or an officer's. Sorted, each once.
    virtual std::vector<std::string> knownGroups() = 0;
    // The terminals suspected of tampering (tampering_since_unix set), ordered by id, without
    // certificate_pem.
    virtual std::vector<TerminalRecord> tamperingSuspected() = 0;
    // The terminal's sync: its sign of life, applied version and clock. When the clock was judged
    // (clock_date set: the collector's local date now), a wrong one opens the standing condition
    // "clock", counted as a CLOCK violation of that date when it opens, and a right one clears it.
    // One transaction. Throws common::UserError (NotFound) for an unknown terminal, (Invalid) for
    // a wrong clock without a date.
    struct Sync {
        int64_t now_unix = 0;
        uint64_t applied_policy_version = 0;
        int64_t clock_skew_ms = 0;
        bool clock_wrong = false;
        std::string clock_date;    // empty: the clock was not judged
        std::string clock_reason;  // what is wrong, for the views
    };
    virtual void recordSync(const std::string& id, const Sync& sync) = 0;
    void recordSync(const std::string& id, int64_t now_unix, uint64_t applied_policy_version, int64_t clock_skew_ms) {
        recordSync(id, Sync{now_unix, applied_policy_version, clock_skew_ms, false, {}, {}});
    }
    // Clears a standing tampering suspicion. Returns what was cleared (empty detail and 0 when
    // there was none). Throws common::UserError (NotFound) for an unknown terminal.
    virtual std::pair<int64_t, std::string> resolveTampering(const std::string& id) = 0;
    // Moves the terminal and sets its policy_reissue_version to the next version of the policy
    // version counter, which it returns. Throws common::UserError (NotFound) for an unknown
    // terminal.
    virtual uint64_t setTerminalGroup(const std::string& id, const std::string& group) = 0;
};

}  // namespace mamori::collector
