#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace mamori::collector {

// How an account signs in to the console: its password's hash (PasswordHash) and the failed
// attempts that lock it (ConsoleSessions).
struct ConsoleLogin {
    std::string user;
    std::string password_hash;  // argon2id, in the PHC string form
    int64_t failed = 0;         // consecutive failed attempts since the last success or lock
    int64_t locked_until_unix = 0;
    int64_t changed_unix = 0;   // when the password was last set
};

// One browser signed in. Only a hash of the cookie's secret is kept, so a copy of the store
// signs nobody in.
struct ConsoleSession {
    std::string id_hash;  // SHA-256 hex of the cookie's value
    std::string user;
    std::string csrf;     // the token every form of this session carries
    int64_t created_unix = 0;
    int64_t last_unix = 0;  // the last request: idle time counts from here
};

// The console's records, kept in the store so that collectors sharing one database share their
// sessions (a load balancer may send each request elsewhere).
class ConsoleStore {
public:
    virtual ~ConsoleStore() = default;

    virtual std::optional<ConsoleLogin> consoleLogin(const std::string& user) = 0;
    // Adds or replaces the account's record (a new password).
    virtual void putConsoleLogin(const ConsoleLogin& login) = 0;
    // A failed sign-in of an account with a password, counted in the database itself so that
    // guesses made at once are all counted: at the `max_failures`th in a row the account is
    // locked until `locked_until_unix` and the count starts again. Whether this one locked it.
    virtual bool failConsoleLogin(const std::string& user, int64_t max_failures, int64_t locked_until_unix) = 0;
    // A sign-in that succeeded: the count of failures starts again. The password is not touched,
    // so one set meanwhile stays.
    virtual void passConsoleLogin(const std::string& user) = 0;

    virtual void addConsoleSession(const ConsoleSession& s) = 0;
    virtual std::optional<ConsoleSession> consoleSession(const std::string& id_hash) = 0;
    virtual void touchConsoleSession(const std::string& id_hash, int64_t last_unix) = 0;
    virtual void dropConsoleSession(const std::string& id_hash) = 0;
    // Sessions idle since before `before_unix`, and every session of `user` when it is not empty
    // (a new password, a disabled account): how many went.
    virtual uint64_t dropConsoleSessions(int64_t before_unix, const std::string& user) = 0;
};

}  // namespace mamori::collector
