#include "collector/AdminScope.h"

#include "collector/AdminRole.h"
#include "mamori/common/NearestWord.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

using common::UserError;

namespace {

std::string joined(const std::vector<std::string>& names, const std::string& sep) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
    return out;
}

}  // namespace

void AdminScope::requireSection(const std::string& name, const AdminUser& user) {
    if (name.empty()) return;
    if (!AdminRole::seesAll(user)) {
        // A section manager's sections are known by definition; any other name is not theirs to read.
        if (AdminRole::inSections(user, name)) return;
        const auto near = common::NearestWord::among(name, user.sections);
        throw UserError::forbidden(
            "section '" + name + "' is not one of yours (" + joined(user.sections, ", ") + ")" +
                (near ? "; did you mean '" + *near + "'?" : ""),
            "所属「" + name + "」は所管外です（所管: " + joined(user.sections, "、") + "）" +
                (near ? "。「" + *near + "」の誤りではありませんか" : ""));
    }
    sections_.require(name);
}

TerminalRecord AdminScope::requireTerminal(const std::string& id, const AdminUser& user) {
    if (auto t = store_.terminal(id)) return std::move(*t);
    // Suggestions only among what the user may see: a section manager learns no other section's ids.
    std::vector<std::string> ids;
    for (const auto& t : store_.terminals())
        if (AdminRole::inSections(user, t.group)) ids.push_back(t.id);
    const auto near = common::NearestWord::among(id, ids);
    throw UserError::notFound(
        "no terminal '" + id + "' is enrolled" + (near ? "; did you mean '" + *near + "'?" : "") +
            " (see mamorictl terminals)",
        "端末「" + id + "」は登録されていません" + (near ? "。「" + *near + "」の誤りではありませんか" : "") +
            "（mamorictl terminals で確認できます）");
}

}  // namespace mamori::collector
