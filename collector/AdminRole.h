#pragma once
#include <string>
#include <vector>

#include "collector/AdminStore.h"

namespace mamori::collector {

// What each role of the admin endpoint may do. Four roles, as a municipality's security
// organisation has them (REQUIREMENTS 004:289, 004:1070):
// - ciso (最高情報セキュリティ責任者): approves exceptions and media, names who may do what, reads all;
// - security_admin (情報セキュリティ管理者 / 情報システム担当): operates and requests, cannot approve alone;
// - section_manager (所属長): sees and requests for their own sections only;
// - auditor (監査担当): reads everything, the access log included, and changes nothing.
// Everyone but a section manager reads the access log (who read which terminal's evidence).
// Two rights the CISO may grant to other accounts: `approve` (a delegated approver) and
// `person_events` (reading a named person's events). Every check is here, so the rules are read
// in one place.
class AdminRole {
public:
    static const std::vector<std::string>& names();
    static const std::vector<std::string>& rightNames();
    static bool known(const std::string& role);
    // Rights as the store keeps them: words separated by spaces.
    static std::string joinRights(const std::vector<std::string>& rights);
    static std::vector<std::string> splitRights(const std::string& text);

    static bool seesAll(const AdminUser& u);
    // Whether a terminal or exception of `group` is the user's to see.
    static bool inSections(const AdminUser& u, const std::string& group);
    // The sections a listing is limited to: empty for everything.
    static std::vector<std::string> scope(const AdminUser& u);

    static bool reads(const AdminUser& u);
    static bool operates(const AdminUser& u);
    static bool requests(const AdminUser& u);
    static bool approves(const AdminUser& u);
    static bool readsPersonEvents(const AdminUser& u);
    static bool readsAccessLog(const AdminUser& u);
    static bool managesUsers(const AdminUser& u);

    // Nothing when allowed; else a common::UserError (Forbidden) saying who may do what.
    // what_*: the action, e.g. "push policy" / "ポリシーの配布"; who_*: the roles that may.
    static void require(bool allowed, const AdminUser& u, const std::string& what_en, const std::string& what_ja,
                        const std::string& who_en, const std::string& who_ja);
};

}  // namespace mamori::collector
