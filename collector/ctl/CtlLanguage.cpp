#include "collector/ctl/CtlLanguage.h"

#include <cstdlib>

#include "collector/StatusWords.h"

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
    return StatusWords::inLanguage(english, japanese_);
}

CtlLanguage::Words CtlLanguage::zoned(const Words& heading, const std::string& zone) {
    return {heading.en + " (" + zone + ")", heading.ja + "（" + zone + "）"};
}

}  // namespace mamori::collector
