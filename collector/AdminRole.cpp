#include "collector/AdminRole.h"

#include <algorithm>
#include <sstream>

#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace {

bool has(const std::vector<std::string>& list, const std::string& word) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

const std::vector<std::string>& AdminRole::names() {
    static const std::vector<std::string> roles{"ciso", "security_admin", "section_manager", "auditor"};
    return roles;
}

const std::vector<std::string>& AdminRole::rightNames() {
    static const std::vector<std::string> rights{"approve", "person_events"};
    return rights;
}

bool AdminRole::known(const std::string& role) { return has(names(), role); }

std::string AdminRole::joinRights(const std::vector<std::string>& rights) {
    std::string out;
    for (const auto& r : rights) out += (out.empty() ? "" : " ") + r;
    return out;
}

std::vector<std::string> AdminRole::splitRights(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream words(text);
    for (std::string w; words >> w;) out.push_back(w);
    return out;
}

bool AdminRole::seesAll(const AdminUser& u) { return u.role == "ciso" || u.role == "security_admin" || u.role == "auditor"; }

bool AdminRole::inSections(const AdminUser& u, const std::string& group) {
    return seesAll(u) || (u.role == "section_manager" && has(u.sections, group));
}

std::vector<std::string> AdminRole::scope(const AdminUser& u) {
    // A section manager without sections sees nothing, not everything: a sentinel no group has.
    if (seesAll(u)) return {};
    return u.sections.empty() ? std::vector<std::string>{std::string(1, '\0')} : u.sections;
}

bool AdminRole::reads(const AdminUser& u) { return known(u.role); }

bool AdminRole::operates(const AdminUser& u) { return u.role == "ciso" || u.role == "security_admin"; }

bool AdminRole::requests(const AdminUser& u) { return operates(u) || u.role == "section_manager"; }

// An auditor changes nothing, whatever was granted to the account.
bool AdminRole::approves(const AdminUser& u) {
    return u.role == "ciso" || (u.role != "auditor" && has(u.rights, "approve"));
}

bool AdminRole::readsPersonEvents(const AdminUser& u) { return u.role == "ciso" || has(u.rights, "person_events"); }

bool AdminRole::readsAccessLog(const AdminUser& u) { return seesAll(u); }

bool AdminRole::managesUsers(const AdminUser& u) { return operates(u); }

void AdminRole::require(bool allowed, const AdminUser& u, const std::string& what_en, const std::string& what_ja,
                        const std::string& who_en, const std::string& who_ja) {
    if (allowed) return;
    throw common::UserError::forbidden(u.name + " (" + u.role + ") may not " + what_en + "; " + who_en + " may",
                                       what_ja + "は" + who_ja + "のみ可能です（" + u.name + " の役割は " + u.role +
                                           "）");
}

}  // namespace mamori::collector
