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
    // Throws common::UserError (NotFound) for an unknown terminal.
    virtual void recordSync(const std::string& id, int64_t now_unix, uint64_t applied_policy_version,
                            int64_t clock_skew_ms) = 0;
    // Moves the terminal and sets its policy_reissue_version to the next version of the policy
    // version counter, which it returns. Throws common::UserError (NotFound) for an unknown
    // terminal.
    virtual uint64_t setTerminalGroup(const std::string& id, const std::string& group) = 0;
};

}  // namespace mamori::collector
