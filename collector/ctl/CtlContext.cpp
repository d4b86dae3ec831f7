#include "collector/ctl/CtlContext.h"

#include <boost/json.hpp>
#include <iostream>

#include "collector/LocalCalendar.h"

namespace mamori::collector {

namespace json = boost::json;

CtlContext::CtlContext(CLI::App& app) {
    app.add_option("--config", config_,
                   "mamorictl.conf to use (url, ca, token_file); default: $MAMORI_CTL_CONFIG, "
                   "~/.config/mamori/mamorictl.conf, /etc/mamori/mamorictl.conf, "
                   "/var/lib/mamori-collector/mamorictl.conf")
        ->type_name("FILE");
    app.add_option("--lang", lang_, CtlLanguage::kHelp)->type_name("ja|en")->check(CLI::IsMember({"ja", "en"}));
}

const CtlConnection& CtlContext::connection() {
    if (!connection_) connection_ = CtlConnection::load(config_);
    return *connection_;
}

void CtlContext::addFormat(CLI::App& command, const std::string& fallback) {
    CLI::Option* option =
        command.add_option("--format", format_, "table, csv (UTF-8 with BOM, for Excel) or json; default: " + fallback)
            ->type_name("F")
            ->check(CLI::IsMember({"table", "csv", "json"}));
    // One format for every command: this command's own default takes effect only when it runs.
    if (fallback != "table")
        command.parse_complete_callback([this, option, fallback] {
            if (option->count() == 0) format_ = fallback;
        });
}

const CtlLanguage& CtlContext::language() const {
    if (!language_) language_ = CtlLanguage::choose(lang_);
    return *language_;
}

ReportTable CtlContext::table(const std::vector<CtlLanguage::Words>& headings) const {
    std::vector<std::string> words;
    for (const auto& h : headings) words.push_back(say(h));
    return ReportTable(std::move(words));
}

void CtlContext::emit(const ReportTable& table, const json::value& raw, const CtlLanguage::Words& empty_note) const {
    if (format_ == "json") {
        std::cout << json::serialize(raw) << "\n";
    } else if (format_ == "csv") {
        std::cout << table.csv();
    } else {
        std::cout << table.table();
        if (table.empty() && !say(empty_note).empty()) std::cout << say(empty_note) << "\n";
    }
}

std::string CtlContext::text(const json::value& v) { return AnswerText::text(v); }

std::string CtlContext::yesNo(bool b) const { return language().answers().yesNo(b); }

std::string CtlContext::time(const json::value& iso, const std::string& absent) { return AnswerText::time(iso, absent); }

const CLI::Validator& CtlContext::dateFormat() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            if (!LocalCalendar::isDate(s))
                return "'" + s + "' is not a date that exists, YYYY-MM-DD / 「" + s +
                       "」は実在する日付ではありません。YYYY-MM-DD の形で指定してください";
            return {};
        },
        "");
    return v;
}

const CLI::Validator& CtlContext::monthFormat() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            if (s.size() != 7 || !LocalCalendar::isDate(s + "-01"))
                return "'" + s + "' is not a month, YYYY-MM / 「" + s + "」は月ではありません。YYYY-MM の形で指定してください";
            return {};
        },
        "");
    return v;
}

}  // namespace mamori::collector
