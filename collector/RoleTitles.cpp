#include "collector/RoleTitles.h"

#include "collector/AdminRole.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

using common::UserError;

namespace {

std::string keyOf(const std::string& role) { return "role_title." + role; }

void requireKnown(const std::string& role) {
    if (!AdminRole::known(role))
        throw UserError::invalid("no role '" + role + "'; the roles are ciso, security_admin, section_manager, auditor",
                                 "役割「" + role + "」はありません（ciso, security_admin, section_manager, auditor）");
}

}  // namespace

std::string RoleTitles::standardTitle(const std::string& role) {
    if (role == "ciso") return "最高情報セキュリティ責任者";
    if (role == "security_admin") return "情報セキュリティ管理者";
    if (role == "section_manager") return "所属長";
    if (role == "auditor") return "監査担当";
    return role;
}

std::string RoleTitles::title(const std::string& role) {
    if (auto own = store_.setting(keyOf(role)); own && !own->empty()) return *own;
    return standardTitle(role);
}

void RoleTitles::set(const std::string& role, const std::string& title) {
    requireKnown(role);
    // One line in a table or a CSV cell: no control characters, and short enough to read.
    constexpr size_t kMaxBytes = 96;  // 32 characters of Japanese
    for (unsigned char c : title)
        if (c < 0x20 || c == 0x7f)
            throw UserError::invalid("the title must be one line of text, without control characters",
                                     "肩書は制御文字を含まない 1 行で指定してください");
    if (title.size() > kMaxBytes)
        throw UserError::invalid("the title is longer than " + std::to_string(kMaxBytes) + " bytes",
                                 "肩書が長すぎます（" + std::to_string(kMaxBytes) + " バイトまで）");
    store_.putSetting(keyOf(role), title);
}

}  // namespace mamori::collector
