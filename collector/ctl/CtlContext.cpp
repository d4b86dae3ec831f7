#include "collector/ctl/CtlContext.h"

#include <boost/json.hpp>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace mamori::collector {

namespace json = boost::json;

CtlContext::CtlContext(CLI::App& app) {
    app.add_option("--config", config_,
                   "mamorictl.conf to use (url, ca, token_file); default: $MAMORI_CTL_CONFIG, "
                   "~/.config/mamori/mamorictl.conf, /etc/mamori/mamorictl.conf, "
                   "/var/lib/mamori-collector/mamorictl.conf")
        ->type_name("FILE");
}

const CtlConnection& CtlContext::connection() {
    if (!connection_) connection_ = CtlConnection::load(config_);
    return *connection_;
}

void CtlContext::addFormat(CLI::App& command) {
    command.add_option("--format", format_, "table (the default), csv (UTF-8 with BOM, for Excel) or json")
        ->type_name("F")
        ->check(CLI::IsMember({"table", "csv", "json"}));
}

void CtlContext::emit(const ReportTable& table, const json::value& raw, const std::string& empty_note) const {
    if (format_ == "json") {
        std::cout << json::serialize(raw) << "\n";
    } else if (format_ == "csv") {
        std::cout << table.csv();
    } else {
        std::cout << table.table();
        if (table.empty() && !empty_note.empty()) std::cout << empty_note << "\n";
    }
}

std::string CtlContext::text(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_bool()) return v.as_bool() ? "yes" : "no";
    return json::serialize(v);
}

std::string CtlContext::localTime(int64_t unix_seconds) {
    if (!unix_seconds) return "never";
    const std::time_t t = unix_seconds;
    std::ostringstream out;
    out << std::put_time(std::localtime(&t), "%Y-%m-%d %H:%M");
    return out.str();
}

int64_t CtlContext::startOfLocalDate(const std::string& date, const std::string& option) {
    std::tm tm{};
    std::istringstream in(date);
    in >> std::get_time(&tm, "%Y-%m-%d");
    if (in.fail() || date.size() != 10)
        throw CLI::ValidationError(option, "'" + date + "' is not a date, YYYY-MM-DD / 日付は YYYY-MM-DD の形で指定してください");
    tm.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&tm));
}

const CLI::Validator& CtlContext::dateFormat() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            std::tm tm{};
            std::istringstream in(s);
            in >> std::get_time(&tm, "%Y-%m-%d");
            if (in.fail() || s.size() != 10)
                return "'" + s + "' is not a date, YYYY-MM-DD / 日付は YYYY-MM-DD の形で指定してください";
            return {};
        },
        "");
    return v;
}

}  // namespace mamori::collector
