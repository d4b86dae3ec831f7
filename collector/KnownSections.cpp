#include "collector/KnownSections.h"

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "collector/PolicyResolver.h"
#include "mamori/common/NearestWord.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace json = boost::json;

namespace {

// The setting that holds declared names, a JSON array.
constexpr const char* kSetting = "known_sections";
// Up to this many names are listed in a refusal; beyond, only the nearest.
constexpr size_t kListed = 12;

// Declaring is read-modify-write of one setting: one at a time in this process.
std::mutex& declaring() {
    static std::mutex m;
    return m;
}

std::string joined(const std::vector<std::string>& names, const std::string& sep) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
    return out;
}

}  // namespace

bool KnownSections::isEveryone(const std::string& name) { return name == PolicyResolver::kDefaultGroup; }

std::vector<std::string> KnownSections::declared() {
    std::vector<std::string> out;
    const auto text = store_.setting(kSetting);
    if (!text) return out;
    boost::system::error_code ec;
    const json::value v = json::parse(*text, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& n : v.as_array())
        if (n.is_string()) out.emplace_back(n.as_string());
    return out;
}

bool KnownSections::contains(const std::string& name) {
    if (isEveryone(name)) return true;
    const auto d = declared();
    if (std::find(d.begin(), d.end(), name) != d.end()) return true;
    if (store_.latestPolicy(name)) return true;
    const auto terminals = store_.terminals();
    return std::any_of(terminals.begin(), terminals.end(), [&](const auto& t) { return t.group == name; });
}

std::vector<std::string> KnownSections::names() {
    std::set<std::string> all;
    for (auto& n : declared()) all.insert(std::move(n));
    for (const auto& t : store_.terminals()) all.insert(t.group);
    return {all.begin(), all.end()};
}

void KnownSections::declare(const std::string& name) {
    if (name.empty() || isEveryone(name)) return;
    std::lock_guard lock(declaring());
    auto d = declared();
    if (std::find(d.begin(), d.end(), name) != d.end()) return;
    d.push_back(name);
    std::sort(d.begin(), d.end());
    json::array out;
    for (const auto& n : d) out.emplace_back(n);
    store_.putSetting(kSetting, json::serialize(out));
}

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
