#include "collector/StatusWords.h"

#include <map>

namespace mamori::collector {

std::string StatusWords::japanese(const std::string& english) {
    static const std::map<std::string, std::string> ja{{"violation", "違反"},
                                                       {"exempted", "例外措置"},
                                                       {"standing", "継続中"},
                                                       {"reporting", "報告中"},
                                                       {"not reporting", "未報告"},
                                                       {"off", "電源断（正常終了）"},
                                                       {"off-hours", "時間外"},
                                                       {"decommissioned", "廃止済み"},
                                                       {"tampering suspected", "改ざんの疑い"}};
    const auto it = ja.find(english);
    return it == ja.end() ? english : it->second;
}

std::string StatusWords::describe(const std::string& status, const std::string& since, const std::string& date,
                                  bool ja) {
    std::string shown = inLanguage(status, ja);
    if (!since.empty() && status != "violation") return shown + (ja ? " " + since + "から" : " since " + since);
    // A new event of a condition that stays: it began before this day.
    if (!since.empty() && since != date) return shown + (ja ? "（" + since + "から継続）" : " (standing since " + since + ")");
    return shown;
}

}  // namespace mamori::collector
