#include "collector/KnownSections.h"

#include <algorithm>

#include "collector/PolicyResolver.h"
#include "mamori/common/NearestWord.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace {

// Up to this many names are listed in a refusal; beyond, only the nearest.
constexpr size_t kListed = 12;

std::string joined(const std::vector<std::string>& names, const std::string& sep) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
    return out;
}

}  // namespace

bool KnownSections::isEveryone(const std::string& name) { return name == PolicyResolver::kDefaultGroup; }

bool KnownSections::contains(const std::string& name) {
    if (isEveryone(name)) return true;
    const auto known = store_.knownGroups();
    return std::binary_search(known.begin(), known.end(), name);
}

std::vector<std::string> KnownSections::names() { return store_.knownGroups(); }

void KnownSections::require(const std::string& name, const std::string& remedy_en, const std::string& remedy_ja) {
    if (contains(name)) return;
    const std::vector<std::string> candidates = names();
    const auto near = common::NearestWord::among(name, candidates);
    std::string en = "no section (group) '" + name + "' is known";
    std::string ja = "所属（グループ）「" + name + "」は登録されていません";
    if (near) {
        en += "; did you mean '" + *near + "'?";
        ja += "。「" + *near + "」の誤りではありませんか";
    }
    if (candidates.empty()) {
        en += "; none is known yet (a section becomes known with its first terminal or enrollment token)";
        ja += "。まだ所属が1つも登録されていません（端末の登録または登録トークンの発行で所属が登録されます）";
    } else if (candidates.size() <= kListed) {
        en += "; known: " + joined(candidates, ", ");
        ja += "。登録済みの所属: " + joined(candidates, "、");
    }
    throw common::UserError::notFound(en + remedy_en, ja + remedy_ja + "。");
}

}  // namespace mamori::collector
