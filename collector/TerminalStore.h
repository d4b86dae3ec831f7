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
    // The key that signs the terminal's events (raw Ed25519), made at enrollment and never
    // replaced, and the certificate that vouches for it (put into evidence bundles; re-issued at
    // each renewal so that it is valid whenever evidence is exported). The TLS key is renewed,
    // the evidence key is not, so the chain of events never changes its signer.
    std::string certificate_pem;
    std::string public_key;
    // The certificate the terminal authenticates with over TLS, and its key: at enrollment the
    // same as above (addTerminal takes them from there when empty); renewal replaces them.
    std::string tls_certificate_pem;
    std::string tls_public_key;
    // A renewed certificate issued but not yet presented. The current one stays good until the
    // terminal first connects with this one, which then takes its place: a terminal that crashed
    // before installing it is never locked out.
    std::string pending_certificate_pem;
    std::string pending_public_key;
    int64_t certificate_renewed_unix = 0;  // when a renewed certificate was last taken into use
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
    // Decommissioned (廃止): its certificates are refused from then on, it is expected nowhere,
    // and its evidence is kept, exported and verified as before. 0 while in service.
    int64_t decommissioned_unix = 0;
    std::string decommissioned_by;
    std::string decommission_reason;
};

struct EnrollToken {
    EnrollToken() = default;
    EnrollToken(std::string hash, std::string group_name, int64_t expires, std::string creator, int64_t used = 0,
                int64_t revoked = 0, std::string revoker = {})
        : token_hash(std::move(hash)), group(std::move(group_name)), expires_unix(expires),
          created_by(std::move(creator)), used_unix(used), revoked_unix(revoked), revoked_by(std::move(revoker)) {}

    std::string token_hash;  // SHA-256 hex of the secret: the secret itself is never stored
    std::string group;
    int64_t expires_unix = 0;
    std::string created_by;
    int64_t used_unix = 0;     // 0: not used
    int64_t revoked_unix = 0;  // 0: not revoked
    std::string revoked_by;

    // What administrators call a token (list, revoke): the first hex digits of its hash, which
    // say nothing about the secret.
    static constexpr size_t kIdLength = 12;
    static std::string idOf(const std::string& token_hash) { return token_hash.substr(0, kIdLength); }
    std::string id() const { return idOf(token_hash); }
};

// Enrolled terminals and the one-time tokens that enroll them.
class TerminalStore {
public:
    virtual ~TerminalStore() = default;

    // Enrollment tokens: single use. consume succeeds once, before expiry. add throws
    // common::UserError (Conflict) for a token that exists.
    virtual void addEnrollToken(const EnrollToken& t) = 0;
    virtual std::optional<EnrollToken> consumeEnrollToken(const std::string& token_hash, int64_t now_unix) = 0;
    // One token as stored, whatever its state (to say why it was refused).
    virtual std::optional<EnrollToken> enrollToken(const std::string& token_hash) = 0;
    // Every token, newest expiry first.
    virtual std::vector<EnrollToken> enrollTokens() = 0;
    // Revokes the unused, unexpired token with this id (EnrollToken::id) and returns it as it is
    // now. Throws common::UserError: NotFound for no such id, Conflict for a token already used,
    // revoked or expired.
    virtual EnrollToken revokeEnrollToken(const std::string& id, int64_t now_unix, const std::string& by) = 0;

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
    // a pushed policy's or a section manager's. Sorted, each once.
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

    // Certificate renewal, first half: the terminal, authenticated with the TLS key
    // current_tls_key, is issued a pending certificate, and its evidence certificate is replaced
    // by a re-issued one. Throws common::UserError: NotFound for an unknown terminal, Conflict
    // when it is decommissioned or its current TLS key is no longer current_tls_key.
    struct CertificateOffer {
        std::string pending_certificate_pem;
        std::string pending_public_key;
        std::string evidence_certificate_pem;  // for public_key, which stays
    };
    virtual void offerCertificate(const std::string& id, const std::string& current_tls_key,
                                  const CertificateOffer& offer) = 0;
    // Second half: the terminal presented its pending certificate (key pending_key), which
    // becomes its current one; the one before is refused from now on. False when it is not
    // pending (any more): adopted meanwhile by another collector, or replaced by a newer offer.
    virtual bool adoptPendingCertificate(const std::string& id, const std::string& pending_key, int64_t now_unix) = 0;

    // Takes the terminal out of service, and closes its standing conditions (dated local_date):
    // a terminal that is gone violates nothing more. evidence_certificate_pem, when given,
    // replaces the certificate that vouches for its event key (see LifecycleApi). Returns it as
    // it is now. Throws common::UserError: NotFound for an unknown terminal, Conflict if it
    // already is.
    struct Decommission {
        int64_t now_unix = 0;
        std::string local_date;
        std::string by;
        std::string reason;
        std::string evidence_certificate_pem;
    };
    virtual TerminalRecord decommissionTerminal(const std::string& id, const Decommission& d) = 0;
};

}  // namespace mamori::collector
