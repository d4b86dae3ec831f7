#pragma once
#include <optional>
#include <set>
#include <string>

#include "collector/AdminScope.h"
#include "collector/HttpsServer.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

// /admin/v1/media...: the media ledger (媒体管理台帳, REQUIREMENTS 000:146) with two people, as
// exceptions have them (004:289). One account registers a stick (typed, or taken from the event of
// the blocked stick itself) and another with the right to approve makes it effective; a retirement
// records who erased or destroyed it, how and why, and is approved the same way. The terminals of
// the owner section (or those listed) receive active entries as registered devices in their signed
// policy (PolicyResolver). Every read of the ledger is recorded in the access log.
class MediaApi {
public:
    MediaApi(Store& store, const LocalCalendar& calendar, AdminScope& scope)
        : store_(store), calendar_(calendar), scope_(scope) {}

    // The answer to a request for one of its paths; nothing for any other path.
    std::optional<HttpResponse> handle(const HttpRequest& req, const std::string& path, const AdminUser& user);

    // A stick has one access, seen from the other side: refuses (Conflict) a profile about to be
    // pushed to `group` that lists a stick an active entry delivers to that group's terminals with
    // another access. Pushing to "all" concerns the groups without a policy of their own.
    void requireAgreesWithLedger(const mamori::v1::Policy& profile, const std::string& group);

private:
    HttpResponse registerMedium(const HttpRequest& req, const AdminUser& user);
    HttpResponse approve(const HttpRequest& req, const AdminUser& user);
    HttpResponse retire(const HttpRequest& req, const AdminUser& user);
    HttpResponse withdraw(const HttpRequest& req, const AdminUser& user);
    HttpResponse list(const HttpRequest& req, const AdminUser& user);
    HttpResponse history(const HttpRequest& req, const AdminUser& user);

    // The stick of a USB device event, "TERMINAL:SEQ": its device id and description into rec,
    // and the terminal's section as the default owner. The read is recorded in the access log.
    void takeDevice(const std::string& event, const AdminUser& user, MediaRecord& rec, std::string& section);
    // A stick has one access: refuses an entry whose device a profile of the terminals concerned
    // lists with another access (Conflict).
    void requireNoProfileConflict(const MediaRecord& rec);
    // The groups whose terminals an entry reaches: its owner section's, or those of its listed terminals.
    std::set<std::string> groupsOf(const MediaRecord& rec);
    // The entry of `id`, or NotFound; a section manager's only when it is of their sections (Forbidden).
    MediaRecord requireEntry(const std::string& id, const AdminUser& user);
    // Records a read of the ledger in the access log.
    void recordRead(const AdminUser& user, const std::string& what);

    Store& store_;
    const LocalCalendar& calendar_;
    AdminScope& scope_;
};

}  // namespace mamori::collector
