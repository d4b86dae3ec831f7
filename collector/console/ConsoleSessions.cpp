#include "collector/console/ConsoleSessions.h"

#include <openssl/crypto.h>

#include "collector/PasswordHash.h"
#include "mamori/common/Log.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/proto/Sha256.h"

namespace mamori::collector {

namespace {

std::string hashOf(std::string_view secret) {
    return mamori::proto::Sha256::hex(mamori::proto::Sha256::of(std::string(secret)));
}

// 192 random bits, base64url: the same kind of secret as the admin tokens.
std::string secret() { return mamori::proto::EnrollmentToken::generate("").secret; }

}  // namespace

ConsoleSessions::Login ConsoleSessions::login(const std::string& typed, std::string_view password,
                                              const std::string& address, int64_t now) {
    // What a guesser typed is kept in the access log, not more of it than a name needs.
    const std::string name = typed.substr(0, 64);
    const Login wrong{"", "wrong user name or password", "利用者名またはパスワードが違います"};
    const auto user = store_.adminByName(name);
    const auto login = user ? store_.consoleLogin(name) : std::nullopt;
    if (login && login->locked_until_unix > now) {
        store_.recordAccess({now, name, user->role, "", "console login refused: locked"});
        Log::warn("console: sign-in as " + name + " from " + address + " refused: the account is locked");
        return {"", "the account is locked after " + std::to_string(kMaxFailures) +
                        " failed sign-ins; try again in 15 minutes or ask the CISO to set a new password",
                "サインインに " + std::to_string(kMaxFailures) +
                    " 回失敗したためロックされています。15 分後に再度試すか、CISO にパスワードの再設定を依頼してください"};
    }
    // The decoy is checked for a name without a password, so both cost one argon2id.
    const bool matches = PasswordHash::matches(login ? login->password_hash : PasswordHash::decoy(), password);
    if (!matches || !login || user->disabled_unix != 0) {
        if (login && user->disabled_unix == 0 && store_.failConsoleLogin(name, kMaxFailures, now + kLockSeconds)) {
            store_.recordAccess({now, name, user->role, "", "console account locked after " +
                                                                std::to_string(kMaxFailures) + " failed sign-ins"});
            Log::warn("console: the account " + name + " is locked for 15 minutes after " + std::to_string(kMaxFailures) +
                      " failed sign-ins (the last from " + address + ")");
        }
        store_.recordAccess({now, name, user ? user->role : "", "", "console login failed from " + address});
        Log::info("console: sign-in as " + name + " from " + address + " refused");
        return wrong;
    }
    store_.passConsoleLogin(name);
    const std::string cookie = secret();
    store_.addConsoleSession({hashOf(cookie), name, secret(), now, now});
    store_.recordAccess({now, name, user->role, "", "console login from " + address});
    Log::info("console: " + name + " (" + user->role + ") signed in from " + address);
    return {cookie, "", ""};
}

std::optional<ConsoleSessions::Current> ConsoleSessions::current(std::string_view cookie_header, int64_t now,
                                                                 bool& expired) {
    expired = false;
    const std::string value = cookie(cookie_header, kCookie);
    if (value.empty()) return std::nullopt;
    auto session = store_.consoleSession(hashOf(value));
    if (!session) return std::nullopt;
    if (session->last_unix + idle_.count() <= now) {
        store_.dropConsoleSession(session->id_hash);
        expired = true;
        return std::nullopt;
    }
    auto user = store_.adminByName(session->user);
    if (!user || user->disabled_unix != 0) {
        store_.dropConsoleSession(session->id_hash);
        return std::nullopt;
    }
    // Touched at most every few seconds: a page's several requests write once.
    if (now - session->last_unix >= 5) store_.touchConsoleSession(session->id_hash, now);
    session->last_unix = now;
    return Current{std::move(*session), std::move(*user)};
}

void ConsoleSessions::logout(const Current& c, int64_t now) {
    store_.dropConsoleSession(c.session.id_hash);
    store_.recordAccess({now, c.user.name, c.user.role, "", "console logout"});
}

bool ConsoleSessions::csrfMatches(const ConsoleSession& s, std::string_view token) { return sameSecret(s.csrf, token); }

bool ConsoleSessions::sameSecret(std::string_view expected, std::string_view given) {
    return !expected.empty() && given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::string ConsoleSessions::cookie(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto end = header.find(';');
        std::string_view pair = header.substr(0, end);
        header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    }
    return {};
}

}  // namespace mamori::collector
