#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector {

// An approved exception (例外措置), as granted. The agent receives `exception` (a serialized
// mamori::v1::PolicyException) inside its signed policy; the other fields are what the store
// looks it up by.
//
// version comes from the same counter as policy versions: a grant is a change to what the
// terminals in its scope must enforce, so the policy delivered to them carries
// max(policy version, versions of the exceptions that apply) and is newer than anything they
// applied before the grant. Agents need no notion of exceptions arriving on their own.
struct ExceptionRecord {
    uint64_t version = 0;  // assigned by the store
    std::string id;
    std::string terminal;  // scope: one terminal ...
    std::string group;     // ... or a group
    int64_t expires_unix = 0;
    int64_t created_unix = 0;
    std::string exception;  // serialized mamori::v1::PolicyException
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

// Exceptions (例外措置). Only unexpired exceptions are returned.
class ExceptionStore {
public:
    virtual ~ExceptionStore() = default;

    // Assigns the next version of the policy version counter and returns it; an id already
    // used is refused with common::UserError (Conflict).
    virtual uint64_t addException(ExceptionRecord e) = 0;
    // Those scoped to this terminal or to its group, oldest version first.
    virtual std::vector<ExceptionRecord> exceptionsFor(const std::string& terminal_id, const std::string& group,
                                                       int64_t now_unix) = 0;
    // All that expire before expiring_before_unix, soonest first.
    virtual std::vector<ExceptionRecord> exceptions(int64_t now_unix, int64_t expiring_before_unix) = 0;
    // Retention: deletes the exceptions whose expiry is at or before expired_by_unix.
    virtual PurgedExceptions purgeExceptionsExpiredBy(int64_t expired_by_unix) = 0;
};

}  // namespace mamori::collector
