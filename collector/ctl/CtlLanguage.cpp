#include "collector/ctl/CtlLanguage.h"

#include <cstdlib>
#include <map>

namespace mamori::collector {

CtlLanguage CtlLanguage::choose(const std::string& option, const char* lc_all, const char* lc_messages,
                                const char* lang) {
    if (!option.empty()) return CtlLanguage(option == "ja");
    const char* locale = nullptr;
    for (const char* v : {lc_all, lc_messages, lang}) {
        if (v && *v) {
            locale = v;
            break;
        }
    }
    return CtlLanguage(locale && std::string(locale).rfind("ja", 0) == 0);
}

CtlLanguage CtlLanguage::choose(const std::string& option) {
    return choose(option, std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
}

std::string CtlLanguage::status(const std::string& english) const {
    // DailyCompliance's words; a status added there shows in English until it is added here.
    static const std::map<std::string, std::string> ja{{"violation", "違反"},
                                                       {"exempted", "例外措置"},
                                                       {"standing", "継続中"},
                                                       {"reporting", "報告中"},
                                                       {"not reporting", "未報告"},
                                                       {"off", "電源断（正常終了）"},
                                                       {"off-hours", "時間外"},
                                                       {"decommissioned", "廃止済み"},
                                                       {"tampering suspected", "改ざんの疑い"}};
    if (!japanese_) return english;
    const auto it = ja.find(english);
    return it == ja.end() ? english : it->second;
}

CtlLanguage::Words CtlLanguage::zoned(const Words& heading, const std::string& zone) {
    return {heading.en + " (" + zone + ")", heading.ja + "（" + zone + "）"};
}

}  // namespace mamori::collector
