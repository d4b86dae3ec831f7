#pragma once
#include <stdexcept>
#include <string>

namespace mamori::common {

// What a person or a client did wrong: a bad argument, an unknown name, a refused right.
// It carries a kind, which the admin API turns into an HTTP status and the command-line tools
// into an exit code, and the message in English and Japanese, both of which reach the person.
// Anything else that is thrown is internal: a 500 and a log line with its context, never shown
// as the client's fault.
class UserError : public std::runtime_error {
public:
    enum class Kind {
        Invalid,       // 400: malformed or out-of-range input
        Unauthorized,  // 401: no or unknown credentials
        Forbidden,     // 403: known, but not allowed
        NotFound,      // 404: names something that does not exist
        Conflict,      // 409: contradicts what is stored (a duplicate, a stale state)
        TooLarge,      // 413
        Busy,          // 409 for a client; for a command line, exit code 3: another process holds
                       // what the command needs (a second agent on one state directory)
    };

    UserError(Kind kind, std::string english, std::string japanese);

    static UserError invalid(std::string english, std::string japanese) {
        return {Kind::Invalid, std::move(english), std::move(japanese)};
    }
    static UserError notFound(std::string english, std::string japanese) {
        return {Kind::NotFound, std::move(english), std::move(japanese)};
    }
    static UserError conflict(std::string english, std::string japanese) {
        return {Kind::Conflict, std::move(english), std::move(japanese)};
    }
    static UserError busy(std::string english, std::string japanese) {
        return {Kind::Busy, std::move(english), std::move(japanese)};
    }
    static UserError forbidden(std::string english, std::string japanese) {
        return {Kind::Forbidden, std::move(english), std::move(japanese)};
    }

    Kind kind() const { return kind_; }
    const std::string& english() const { return english_; }
    const std::string& japanese() const { return japanese_; }
    // The HTTP status of this kind.
    unsigned httpStatus() const;

private:
    Kind kind_;
    std::string english_, japanese_;
};

}  // namespace mamori::common
