#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mamori::collector {

// One line of the media ledger (媒体管理台帳, REQUIREMENTS 000:146): a registered removable medium
// through its life. Registered by one account and approved by another (004:289), delivered as a
// registered device to the terminals of its owner section (or to those listed) while active and
// unexpired; retired with a record of who erased or destroyed it, how and why, which another
// account approves too. Kept 5 years after it ends (RetentionPurge).
//
// States: requested -> active (approved) -> retiring (retirement requested) -> retired (approved);
// requested -> withdrawn (a request never approved). Only active entries reach terminals: a
// retirement request stops delivery at once (taking access away is never a risk, and a lost stick
// must stop working now), the approval makes the disposal record final.
//
// version comes from the one policy version counter, as exceptions' do: each change takes the
// next, and the policy delivered to the terminals concerned carries the largest, so a retirement
// reaches them as a newer policy without the device.
struct MediaRecord {
    uint64_t version = 0;              // assigned by the store
    std::string id;                    // ledger number, M-<fiscal year>-<4 digits>; assigned by the store
    std::string device;                // VID:PID[:SERIAL] in UsbDeviceId's normal form
    std::string description;           // maker and model as the stick reports them, or as typed
    std::string owner_section;         // the section (所属) that keeps it
    std::vector<std::string> terminals;  // where it may be used; empty: every terminal of owner_section
    std::string purpose;
    std::string access = "read-only";  // or read-write
    bool encrypted = false;            // as claimed by the requester
    std::string until;                 // last local day it may be used, YYYY-MM-DD
    int64_t expires_unix = 0;          // the first second after `until` in the municipality's zone
    std::string state = "requested";   // requested, active, retiring, retired, withdrawn
    std::string source_event;          // TERMINAL:SEQ of the blocked-stick event it was registered from
    std::string requested_by;
    int64_t requested_unix = 0;
    std::string approved_by;
    int64_t approved_unix = 0;
    // The disposal record (廃棄記録): who asked, who erased or destroyed it, how, why.
    std::string retire_requested_by;
    int64_t retire_requested_unix = 0;
    std::string erased_by, erase_method, retire_reason;
    // Who approved the retirement (or withdrew the request), and when: the entry's end.
    std::string ended_by;
    int64_t ended_unix = 0;
};

// One change of a ledger entry, kept as long as the entry: who did what, when and why.
struct MediaChange {
    std::string media_id;
    int64_t at_unix = 0;
    std::string actor, role;
    std::string action;  // requested, approved, retirement requested, retired, withdrawn
    std::string note;
};

// What a retention purge of the ledger removed.
struct PurgedMedia {
    uint64_t entries = 0;
    int64_t first_end_unix = 0, last_end_unix = 0;  // 0 when none

    void noteEnd(int64_t unix) {
        if (first_end_unix == 0 || unix < first_end_unix) first_end_unix = unix;
        if (unix > last_end_unix) last_end_unix = unix;
    }
};

// The media ledger (媒体管理台帳) and its history.
class MediaStore {
public:
    virtual ~MediaStore() = default;

    // Stores a registration request under the next ledger number beginning with number_prefix
    // ("M-2026-": numbered per fiscal year) and the next version, with its history entry
    // (change.media_id is filled in). Returns the stored record. A device that already has an
    // entry requested, active or retiring is refused with common::UserError (Conflict), naming it:
    // one stick, one live ledger line.
    virtual MediaRecord addMedia(MediaRecord m, const std::string& number_prefix, MediaChange change) = 0;
    // Writes the state and the approval and retirement fields of m (by m.id) with the next
    // version, on condition that the stored entry is still in state `from`, and records the
    // change. Returns the stored record; refuses with common::UserError: NotFound for an unknown
    // id, Conflict when it is no longer in state `from` (of two approvers at once, one wins).
    virtual MediaRecord changeMedia(const MediaRecord& m, const std::string& from, const MediaChange& change) = 0;
    virtual std::optional<MediaRecord> media(const std::string& id) = 0;
    // Entries that concern this terminal (listed, or of its section when none are listed), not
    // yet expired and past their request, lowest version first: the active apply, the others only
    // raise the version (a retirement must reach the terminal).
    virtual std::vector<MediaRecord> mediaFor(const std::string& terminal_id, const std::string& group,
                                              int64_t now_unix) = 0;
    // The whole ledger, in the order the entries were requested.
    virtual std::vector<MediaRecord> mediaLedger() = 0;
    // The changes of one entry, or of all when id is empty, oldest first.
    virtual std::vector<MediaChange> mediaHistory(const std::string& id) = 0;
    // Retention: deletes the retired and withdrawn entries (and their history) that ended before
    // ended_before_unix. Entries still in use, or expired without a disposal record, stay: a stick
    // the ledger cannot account for is exactly what an auditor must see.
    virtual PurgedMedia purgeMediaEndedBefore(int64_t ended_before_unix) = 0;
};

}  // namespace mamori::collector
