#pragma once
#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "collector/ReportTable.h"
#include "collector/ctl/CtlConnection.h"
#include "collector/ctl/CtlLanguage.h"

namespace mamori::collector {

// What every mamorictl command shares: --config, the connection it names (opened on first use,
// so commands that need no collector never read it), --lang, the output format and the way rows
// print. Times are the collector's: shown as it wrote them in the municipality's zone, which
// the headings name; this machine's zone plays no part.
class CtlContext {
public:
    explicit CtlContext(CLI::App& app);

    const CtlConnection& connection();

    // Adds --format to a command that prints rows; `fallback` when it is not given (an export
    // is read by a spreadsheet first: csv).
    void addFormat(CLI::App& command, const std::string& fallback = "table");
    const std::string& format() const { return format_; }
    // The language of headings and of the words mamorictl adds (chosen on first use, after parsing).
    const CtlLanguage& language() const;
    // `w` in that language.
    const std::string& say(const CtlLanguage::Words& w) const { return language()(w); }
    // A table whose headings are in that language.
    ReportTable table(const std::vector<CtlLanguage::Words>& headings) const;
    // The rows as the chosen format: a table (with `empty_note` when there are none), CSV with
    // a BOM, or the collector's JSON as it came.
    void emit(const ReportTable& table, const boost::json::value& raw, const CtlLanguage::Words& empty_note) const;

    // A JSON field as a cell.
    static std::string text(const boost::json::value& v);
    // yes / no (はい / いいえ).
    std::string yesNo(bool b) const;
    // An ISO 8601 time of the collector's ("2026-12-04T16:49:03+09:00") to the minute, as it
    // reads in its own zone: "2026-12-04 16:49"; `absent` for null (never).
    static std::string time(const boost::json::value& iso, const std::string& absent = "");
    // A validator for options that take a date, YYYY-MM-DD, that exists.
    static const CLI::Validator& dateFormat();
    // A validator for options that take a month, YYYY-MM.
    static const CLI::Validator& monthFormat();

    static constexpr const char* kFormats = "table, csv or json";

private:
    std::string config_, format_ = "table", lang_;
    std::optional<CtlConnection> connection_;
    mutable std::optional<CtlLanguage> language_;
};

}  // namespace mamori::collector
