#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector {

// An exception (例外措置) through its life: requested by one account, approved by another,
// in force until its expiry or its revocation. The agent receives `exception` (a serialized
// mamori::v1::PolicyException) inside its signed policy while it is active; the other fields are
// what the store looks it up by.
//
// version comes from the same counter as policy versions: an approval or a revocation is a change
// to what the terminals in its scope must enforce, so each takes the next version, and the policy
// delivered to them carries max(policy version, versions of the exceptions in scope) and is newer
// than anything they applied before. Agents need no notion of exceptions arriving on their own.
struct ExceptionRecord {
    uint64_t version = 0;  // assigned by the store
    std::string id;
    std::string terminal;  // scope: one terminal ...
    std::string group;     // ... or a group
    int64_t expires_unix = 0;
    int64_t created_unix = 0;
    std::string exception;  // serialized mamori::v1::PolicyException
    std::string state = "requested";  // requested, active or revoked; an active one past expiry has expired
    std::string requested_by, approved_by;  // accounts
    int64_t ended_unix = 0;                 // when it was revoked (or a request withdrawn)
};

// One change of an exception's state, kept as long as the exception (REQUIREMENTS 004:1110-1120):
// who did what, when and why.
struct ExceptionChange {
    std::string exception_id;
    int64_t at_unix = 0;
    std::string actor, role;
    std::string action;  // requested, approved, revoked
    std::string note;
};

// What a retention purge of exceptions removed.
struct PurgedExceptions {
    uint64_t exceptions = 0;
    int64_t first_expiry_unix = 0, last_expiry_unix = 0;  // 0 when none

    void noteExpiry(int64_t unix) {
        if (first_expiry_unix == 0 || unix < first_expiry_unix) first_expiry_unix = unix;
        if (unix > last_expiry_unix) last_expiry_unix = unix;
    }
};

// Exceptions (例外措置) and their history.
class ExceptionStore {
public:
    virtual ~ExceptionStore() = default;

    // Stores a request with its history entry and returns its version; an id already used is
    // refused with common::UserError (Conflict).
    virtual uint64_t addException(ExceptionRecord e, const ExceptionChange& change) = 0;
    // Moves exception change.exception_id from state `from` to `to`, with the next version, and
    // records the change; `exception` (when not empty) replaces the stored message, approved_by
    // is set when not empty, ended_unix when not 0. Returns the new record; refuses with
    // common::UserError: NotFound for an unknown id, Conflict when it is not in state `from`.
    virtual ExceptionRecord changeException(const ExceptionChange& change, const std::string& from, const std::string& to,
                                            const std::string& exception, const std::string& approved_by,
                                            int64_t ended_unix) = 0;
    virtual std::optional<ExceptionRecord> exception(const std::string& id) = 0;
    // Active and revoked ones scoped to this terminal or to its group, not yet expired, oldest
    // version first: the active apply, the revoked ones only raise the version.
    virtual std::vector<ExceptionRecord> exceptionsFor(const std::string& terminal_id, const std::string& group,
                                                       int64_t now_unix) = 0;
    // Every exception kept, soonest expiry first.
    virtual std::vector<ExceptionRecord> exceptions() = 0;
    // The changes of one exception, or of all when id is empty, oldest first.
    virtual std::vector<ExceptionChange> exceptionHistory(const std::string& id) = 0;
    // Retention: deletes the exceptions (and their history) whose expiry is at or before expired_by_unix.
    virtual PurgedExceptions purgeExceptionsExpiredBy(int64_t expired_by_unix) = 0;
};

}  // namespace mamori::collector
