#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector {

// A person who uses the admin endpoint, in one of the roles of AdminRole.
struct AdminUser {
    std::string name;
    std::string role;
    std::vector<std::string> sections;  // for section managers
    std::string token_hash;             // SHA-256 hex of the bearer token
    std::vector<std::string> rights;    // granted by the CISO (AdminRole::rightNames)
    int64_t disabled_unix = 0;          // 0: may sign in
};

// One read of a terminal's evidence through the admin endpoint: who, when, which terminal.
// Kept so the readers themselves can be audited (REQUIREMENTS 004:1070).
struct AccessRecord {
    int64_t at_unix = 0;
    std::string user;
    std::string role;
    std::string terminal_id;
    std::string action;  // "events", or "events (refused)" for a read outside the reader's sections
};

// The admin endpoint's own records: its users, who read which evidence, small settings.
class AdminStore {
public:
    virtual ~AdminStore() = default;

    // Throws common::UserError (Conflict) when the name or the token is taken.
    virtual void addAdminUser(const AdminUser& u) = 0;
    virtual std::optional<AdminUser> adminByTokenHash(const std::string& token_hash) = 0;
    virtual std::optional<AdminUser> adminByName(const std::string& name) = 0;
    // Every user, disabled ones included, by name.
    virtual std::vector<AdminUser> adminUsers() = 0;
    // Role, sections, rights and disabled_unix of the user of that name; false when there is none.
    virtual bool updateAdminUser(const AdminUser& u) = 0;

    // Reads of terminals' evidence. accessLog returns the newest first.
    virtual void recordAccess(const AccessRecord& a) = 0;
    virtual std::vector<AccessRecord> accessLog(int64_t since_unix, uint32_t limit) = 0;

    // Small settings (heartbeat deadline, time zone).
    virtual std::optional<std::string> setting(const std::string& key) = 0;
    virtual void putSetting(const std::string& key, const std::string& value) = 0;
};

}  // namespace mamori::collector
