#pragma once
#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "collector/ReportTable.h"
#include "collector/ctl/CtlConnection.h"

namespace mamori::collector {

// What every mamorictl command shares: --config, the connection it names (opened on first use,
// so commands that need no collector never read it), the output format and the way rows print.
class CtlContext {
public:
    explicit CtlContext(CLI::App& app);

    const CtlConnection& connection();

    // Adds --format to a command that prints rows.
    void addFormat(CLI::App& command);
    const std::string& format() const { return format_; }
    // The rows as the chosen format: a table (with `empty_note` when there are none), CSV with
    // a BOM, or the collector's JSON as it came.
    void emit(const ReportTable& table, const boost::json::value& raw, const std::string& empty_note) const;

    // A JSON field as a cell.
    static std::string text(const boost::json::value& v);
    // A time in this machine's zone, to the minute; "never" for 0.
    static std::string localTime(int64_t unix_seconds);
    // The local midnight that starts a date, YYYY-MM-DD; a usage error otherwise.
    static int64_t startOfLocalDate(const std::string& date, const std::string& option);
    // A validator for options that take a date, YYYY-MM-DD.
    static const CLI::Validator& dateFormat();

    static constexpr const char* kFormats = "table, csv or json";

private:
    std::string config_, format_ = "table";
    std::optional<CtlConnection> connection_;
};

}  // namespace mamori::collector
