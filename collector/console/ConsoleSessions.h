#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collector/Store.h"

namespace mamori::collector {

// Who is signed in to the console, and how one signs in:
// - a password checked against its argon2id hash (PasswordHash); an unknown name costs the same;
// - after kMaxFailures failed attempts in a row the account is locked for kLockSeconds, and the
//   lock is written to the access log (the CISO reads it there and in `mamorictl user list`);
//   every attempt, good or bad, is in the access log too;
// - a session is a random secret in a cookie (only its hash is stored) that ends after `idle`
//   without a request, at sign-out, when the account is disabled, and when its password is set;
// - each session has a CSRF token that every form carries back.
class ConsoleSessions {
public:
    static constexpr int kMaxFailures = 5;
    static constexpr int64_t kLockSeconds = 15 * 60;
    static constexpr const char* kCookie = "mamori_session";

    struct Current {
        ConsoleSession session;
        AdminUser user;
    };
    // The outcome of a sign-in: a cookie value on success, else what to tell the person.
    struct Login {
        std::string cookie;  // empty: refused
        std::string refusal_en, refusal_ja;
    };

    ConsoleSessions(Store& store, std::chrono::seconds idle) : store_(store), idle_(idle) {}

    Login login(const std::string& name, std::string_view password, const std::string& address, int64_t now);
    // The session the request's Cookie header names, if it is live; touched. `expired` is set
    // when it named one that ran out (the sign-in page then says why).
    std::optional<Current> current(std::string_view cookie_header, int64_t now, bool& expired);
    void logout(const Current& c, int64_t now);
    // Whether a form's token is the session's.
    static bool csrfMatches(const ConsoleSession& s, std::string_view token);
    // Whether two secrets are the same, compared in constant time; never for an empty one.
    static bool sameSecret(std::string_view expected, std::string_view given);
    // The value of cookie `name` in a Cookie header; empty when absent.
    static std::string cookie(std::string_view header, std::string_view name);
    std::chrono::seconds idle() const { return idle_; }

private:
    Store& store_;
    std::chrono::seconds idle_;
};

}  // namespace mamori::collector
